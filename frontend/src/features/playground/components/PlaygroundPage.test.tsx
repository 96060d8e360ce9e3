import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { GenerateRequest, ModelEntryPublic } from '../../../client/types.gen';
import { chooseLanguage } from '../../../i18n/i18n';
import { controlledEventStream, sseEvent } from '../../../test/eventStream';
import { answerHealth, envelope, healthRow, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

const PROVIDERS = [
  healthRow({ provider_id: 'p-1', name: 'main', provider_type: 'openai' }),
  healthRow({ provider_id: 'p-2', name: 'local', provider_type: 'ollama' }),
];

function price(model: string, input: number, output: number): ModelEntryPublic {
  return {
    provider_type: 'openai',
    model,
    kind: 'chat',
    input_price_per_1k: input,
    output_price_per_1k: output,
    currency: 'USD',
    id: null,
    builtin: true,
  };
}

function done(providerId: string, model: string) {
  return {
    model,
    provider_id: providerId,
    usage: { prompt_tokens: 1000, completion_tokens: 2000, total_tokens: 3000 },
    latency_ms: 842.4,
    finish_reason: 'stop',
    cached: false,
    request_id: 'req-9',
    attempts: [],
  };
}

async function choose(user: ReturnType<typeof userEvent.setup>, label: string, option: string) {
  await user.click(screen.getByLabelText(label));
  const choices = await screen.findAllByText(option, { selector: '.ant-select-item-option-content *, .ant-select-item-option-content' });
  const last = choices.at(-1);
  if (!last) throw new Error(`no option ${option}`);
  await user.click(last);
}

test('two models answer side by side, each streaming its text, then latency, tokens and cost', async () => {
  const sent: GenerateRequest[] = [];
  const mainStream = controlledEventStream([
    sseEvent('delta', { text: 'Hel' }),
    sseEvent('delta', { text: 'lo there' }),
    sseEvent('done', done('p-1', 'gpt-4o-mini')),
  ]);
  const localStream = controlledEventStream([
    sseEvent('delta', { text: 'Bonjour' }),
    sseEvent('done', done('p-2', 'llama3')),
  ]);
  server.use(
    answerHealth(PROVIDERS),
    http.get('*/api/v1/llm/models', ({ request }) =>
      HttpResponse.json(
        new URL(request.url).searchParams.get('provider_type') === 'openai'
          ? [price('gpt-4o-mini', 0.15, 0.6)]
          : [],
      ),
    ),
    http.post('*/api/v1/llm/generate', async ({ request }) => {
      const body = (await request.json()) as GenerateRequest;
      sent.push(body);
      return body.provider_id === 'p-1' ? mainStream.response() : localStream.response();
    }),
  );
  signIn('member');
  renderConsole('/playground');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Compare side by side'));
  await choose(user, 'Provider for Model A', 'main');
  await choose(user, 'Provider for Model B', 'local');
  await user.click(screen.getByLabelText('Prompt'));
  await user.paste('Say hello');
  await user.click(screen.getByRole('button', { name: /Send/ }));

  const outputA = screen.getByRole('log', { name: 'Output of Model A' });
  const outputB = screen.getByRole('log', { name: 'Output of Model B' });
  // The first delta is on screen before the rest has been sent.
  expect(await within(outputA).findByText('Hel')).toBeInTheDocument();
  expect(await within(outputB).findByText('Bonjour')).toBeInTheDocument();
  mainStream.next();
  expect(await within(outputA).findByText('Hello there')).toBeInTheDocument();
  mainStream.next();
  localStream.next();

  // 1000 prompt tokens at 0.15 and 2000 completion tokens at 0.6 per 1,000: 1.35 USD.
  expect(await screen.findByText('1.35 USD')).toBeInTheDocument();
  expect(screen.getAllByText('842 ms')).toHaveLength(2);
  expect(screen.getAllByText('1,000 in + 2,000 out = 3,000')).toHaveLength(2);
  expect(screen.getByText('unknown (no price for this model in the registry)')).toBeInTheDocument();
  expect(sent).toEqual([
    { prompt: 'Say hello', provider_id: 'p-1', stream: true },
    { prompt: 'Say hello', provider_id: 'p-2', stream: true },
  ]);
});

test('a failure is shown in the chosen language, both before and during the stream', async () => {
  await chooseLanguage('zh-CN');
  const languages: (string | null)[] = [];
  let calls = 0;
  server.use(
    answerHealth(PROVIDERS),
    http.get('*/api/v1/llm/models', () => HttpResponse.json([])),
    http.post('*/api/v1/llm/generate', ({ request }) => {
      languages.push(request.headers.get('Accept-Language'));
      calls += 1;
      if (calls === 1) {
        return envelope(503, 'NO_PROVIDER_AVAILABLE', '没有可用的提供商。');
      }
      return controlledEventStream([
        sseEvent('delta', { text: '部分' }) +
          sseEvent('error', {
            error: { code: 'UPSTREAM_ERROR', message: '上游服务出错。', details: {}, request_id: 'req-5' },
          }),
      ]).response();
    }),
  );
  signIn('member');
  renderConsole('/playground');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('提示词'));
  await user.paste('你好');
  await user.click(screen.getByRole('button', { name: /发送/ }));
  expect(await screen.findByText('没有可用的提供商。')).toBeInTheDocument();

  await user.click(screen.getByRole('button', { name: /发送/ }));
  expect(await screen.findByText('上游服务出错。')).toBeInTheDocument();
  expect(screen.getByText('部分')).toBeInTheDocument();
  expect(screen.getByText('错误码 UPSTREAM_ERROR · 请求 req-5')).toBeInTheDocument();
  await waitFor(() => expect(languages).toEqual(['zh-CN', 'zh-CN']));
});

test('when every provider failed, each one tried is listed with what it answered', async () => {
  await chooseLanguage('zh-CN');
  const attempt = (provider: string, model: string, message: string) => ({
    provider_id: `id-${provider}`,
    provider,
    provider_type: 'openai',
    model,
    status: 'error',
    latency_ms: 12.5,
    code: 'CONTEXT_LENGTH_EXCEEDED',
    message,
    retry_after_s: null,
  });
  server.use(
    answerHealth(PROVIDERS),
    http.get('*/api/v1/llm/models', () => HttpResponse.json([])),
    http.post('*/api/v1/llm/generate', () =>
      envelope(503, 'ALL_PROVIDERS_FAILED', '所有提供商均调用失败。', {
        attempts: [
          attempt('main', 'gpt-4o-mini', '输入超出了模型的上下文长度。'),
          attempt('local', 'llama3', '提供商返回了服务器错误。'),
        ],
      }),
    ),
  );
  signIn('member');
  renderConsole('/playground');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('提示词'));
  await user.paste('你好');
  await user.click(screen.getByRole('button', { name: /发送/ }));

  expect(await screen.findByText('所有提供商均调用失败。')).toBeInTheDocument();
  const tried = within(screen.getByRole('list', { name: '已尝试的提供商' })).getAllByRole('listitem');
  expect(tried.map((item) => item.textContent)).toEqual([
    'main（gpt-4o-mini）：输入超出了模型的上下文长度。',
    'local（llama3）：提供商返回了服务器错误。',
  ]);
  expect(screen.getByText('错误码 ALL_PROVIDERS_FAILED · 请求 req-1')).toBeInTheDocument();
});
