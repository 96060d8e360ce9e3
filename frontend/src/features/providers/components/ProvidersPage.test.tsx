import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ProviderLastTest } from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import {
  answerHealth,
  answerMethods,
  answerProviders,
  answerRouting,
  envelope,
  healthRow,
  providerRow,
  signIn,
} from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

const main = providerRow({ id: 'p-1', name: 'main', is_active: true });
const backup = providerRow({
  id: 'p-2',
  name: 'backup',
  provider_type: 'ollama',
  deployment_mode: 'local',
  models: { chat: 'qwen2.5:7b', embedding: 'nomic-embed-text' },
  has_api_key: false,
  api_key: null,
});

function answerAll() {
  server.use(
    answerProviders([main, backup]),
    answerMethods(),
    answerHealth([
      healthRow({ provider_id: 'p-1', name: 'main', status: 'healthy' }),
      healthRow({ provider_id: 'p-2', name: 'backup', provider_type: 'ollama', status: 'unhealthy' }),
    ]),
    answerRouting({ active_provider_id: 'p-1', fallback_provider_ids: ['p-2'], fallback_for_pinned: false }),
  );
}

/** Focus the field and paste the text: one input event, as a paste or an autofill gives. */
async function fill(user: ReturnType<typeof userEvent.setup>, field: HTMLElement, text: string) {
  await user.click(field);
  await user.paste(text);
}

/** A button by its text, once it can be pressed (Add waits for the catalog). */
async function enabledButton(text: string) {
  const button = (await screen.findByText(text)).closest('button');
  if (!button) throw new Error(`no button ${text}`);
  await waitFor(() => expect(button).toBeEnabled());
  return button;
}

/** The open modal: found by its class, since role queries over the whole table are slow. */
async function dialogShown() {
  const modal = await waitFor(() => {
    const found = document.querySelector<HTMLElement>('.ant-modal');
    if (!found) throw new Error('no dialog open');
    return found;
  });
  return within(modal);
}

function rowOf(name: string): HTMLElement {
  const cell = screen.getByText(name, { selector: 'strong' });
  const row = cell.closest('tr');
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

test('the table shows each provider with its type, mode, models, health and routing role', async () => {
  signIn('admin');
  answerAll();
  renderConsole('/providers');

  await screen.findByText('main', { selector: 'strong' });
  const first = within(rowOf('main'));
  expect(first.getByText('OpenAI')).toBeInTheDocument();
  expect(first.getByText('Cloud')).toBeInTheDocument();
  expect(first.getByText('gpt-4o-mini')).toBeInTheDocument();
  expect(await first.findByText('Healthy')).toBeInTheDocument();
  expect(first.getByText('Active')).toBeInTheDocument();
  expect(first.queryByLabelText('Make main the active provider')).toBeNull();

  const second = within(rowOf('backup'));
  expect(second.getByText('Ollama')).toBeInTheDocument();
  expect(second.getByText('Local')).toBeInTheDocument();
  expect(second.getByText('nomic-embed-text')).toBeInTheDocument();
  expect(second.getByText('Unhealthy')).toBeInTheDocument();
  expect(second.getByText('Fallback 1')).toBeInTheDocument();
  expect(second.getByText('Not tested yet')).toBeInTheDocument();
});

test('the form is drawn from the catalog and sends what was entered', async () => {
  signIn('admin');
  answerAll();
  let sent: Record<string, unknown> | undefined;
  server.use(
    http.post('*/admin/config/llm', async ({ request }) => {
      sent = (await request.json()) as Record<string, unknown>;
      const fresh = providerRow({ id: 'p-3', name: 'fresh' });
      server.use(answerProviders([main, backup, fresh]));
      return HttpResponse.json(fresh, { status: 201 });
    }),
  );
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await enabledButton('Add provider'));
  const dialog = await dialogShown();
  // Labels and help come from the catalog's metadata for the chosen type.
  expect(dialog.getByLabelText('Requests per minute')).toBeInTheDocument();
  expect(dialog.getByLabelText('Hedge slow requests')).toBeInTheDocument();
  await fill(user, dialog.getByLabelText('Name'), 'fresh');
  await fill(user, dialog.getByLabelText('API key'), 'sk-test-123');
  await fill(user, dialog.getByLabelText('Requests per minute'), '120');
  await user.click(dialog.getByText('Save'));

  await waitFor(() => expect(sent).toBeDefined());
  expect(sent).toMatchObject({
    name: 'fresh',
    provider_type: 'openai',
    deployment_mode: 'cloud',
    enabled: true,
    api_key: 'sk-test-123',
    options: { rpm: 120, hedging: true },
  });
  expect(sent).not.toHaveProperty('base_url');
  expect(await screen.findByText('fresh', { selector: 'strong' })).toBeInTheDocument();
});

test('server field errors show next to their fields, in the chosen language', async () => {
  signIn('admin');
  answerAll();
  const languages: (string | null)[] = [];
  server.use(
    http.post('*/admin/config/llm', ({ request }) => {
      languages.push(request.headers.get('Accept-Language'));
      return envelope(422, 'VALIDATION_FAILED', '请求参数无效', {
        fields: [
          { field: 'options.rpm', code: 'validation.too_large', params: { max: 10 }, message: '不能大于 10' },
          { field: 'name', code: 'config.name_taken', params: {}, message: '名称已被使用' },
        ],
      });
    }),
  );
  await i18n.changeLanguage('zh-CN');
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await enabledButton('添加提供商'));
  const dialog = await dialogShown();
  await fill(user, dialog.getByLabelText('名称'), 'main');
  await fill(user, dialog.getByLabelText('API 密钥'), 'sk-test');
  await user.click(dialog.getByText(/保\s*存/));

  expect(await dialog.findByText('不能大于 10')).toBeInTheDocument();
  expect(dialog.getByText('名称已被使用')).toBeInTheDocument();
  expect(languages).toEqual(['zh-CN']);
  // Still open to correct: not closing.
  expect(document.querySelector('.ant-modal')?.className).not.toMatch(/leave/);
});

test('editing leaves the key out unless a new one is typed', async () => {
  signIn('admin');
  answerAll();
  let sent: Record<string, unknown> | undefined;
  server.use(
    http.put('*/admin/config/llm/p-1', async ({ request }) => {
      sent = (await request.json()) as Record<string, unknown>;
      return HttpResponse.json(main);
    }),
  );
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Edit main'));
  const dialog = await dialogShown();
  expect(dialog.getByText(/Stored key sk-…a1b2/)).toBeInTheDocument();
  const chat = dialog.getByLabelText('Chat model');
  expect(chat).toHaveValue('gpt-4o-mini');
  await user.clear(chat);
  await fill(user, chat, 'gpt-4.1');
  await user.click(dialog.getByText('Save'));

  await waitFor(() => expect(sent).toBeDefined());
  expect(sent).toMatchObject({ name: 'main', models: { chat: 'gpt-4.1' } });
  expect(sent).not.toHaveProperty('api_key');
});

test('deleting the active provider is refused with the server reason', async () => {
  signIn('admin');
  answerAll();
  server.use(
    http.delete('*/admin/config/llm/p-1', () =>
      envelope(409, 'PROVIDER_ACTIVE', 'main is the active provider; make another one active first.'),
    ),
  );
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Delete main'));
  expect(await screen.findByText(/It is the active provider/)).toBeInTheDocument();
  const confirm = document.querySelector<HTMLElement>('.ant-popconfirm');
  if (!confirm) throw new Error('no confirmation shown');
  await user.click(within(confirm).getByText('Delete'));

  expect(
    await screen.findByText('main is the active provider; make another one active first.'),
  ).toBeInTheDocument();
});

test('activating a provider asks Turnout and shows the new active one', async () => {
  signIn('admin');
  answerAll();
  let activated = '';
  server.use(
    http.post('*/api/v1/llm/providers/:id/activate', ({ params }) => {
      activated = String(params.id);
      server.use(answerProviders([{ ...main, is_active: false }, { ...backup, is_active: true }]));
      return HttpResponse.json({ active_provider_id: 'p-2', fallback_provider_ids: [], fallback_for_pinned: false });
    }),
  );
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Make backup the active provider'));

  expect(await screen.findByText('backup is now the active provider.')).toBeInTheDocument();
  expect(activated).toBe('p-2');
  await waitFor(() => expect(within(rowOf('backup')).getByText('Active')).toBeInTheDocument());
});

test('the test button shows its progress, then latency, models found or the error', async () => {
  signIn('admin');
  answerAll();
  // Like Turnout, the list answers each provider's last test once one has run.
  const kept = new Map<string, ProviderLastTest>();
  const tested = (id: string, result: Omit<ProviderLastTest, 'tested_at'>) => {
    kept.set(id, { ...result, tested_at: '2026-12-01T03:00:00Z' });
    return HttpResponse.json(result);
  };
  let release: () => void = () => undefined;
  const answered = new Promise<void>((resolve) => (release = resolve));
  server.use(
    http.get('*/admin/config/llm', () =>
      HttpResponse.json([main, backup].map((row) => ({ ...row, last_test: kept.get(row.id) ?? null }))),
    ),
    http.post('*/admin/config/llm/p-1/test', async () => {
      await answered;
      return tested('p-1', { ok: true, latency_ms: 87, message: 'ok', models: ['a', 'b', 'c'] });
    }),
    http.post('*/admin/config/llm/p-2/test', () =>
      tested('p-2', { ok: false, latency_ms: 12, error_code: 'UPSTREAM_UNREACHABLE', message: 'Connection refused.' }),
    ),
  );
  renderConsole('/providers');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Test the connection to main'));
  expect(await within(rowOf('main')).findByText('Testing…')).toBeInTheDocument();
  release();
  expect(await within(rowOf('main')).findByText('Connected · 87 ms')).toBeInTheDocument();
  expect(within(rowOf('main')).getByText('Models found: 3')).toBeInTheDocument();

  await user.click(screen.getByLabelText('Test the connection to backup'));
  expect(await within(rowOf('backup')).findByText('Failed · 12 ms')).toBeInTheDocument();
  expect(within(rowOf('backup')).getByText(/Connection refused\./)).toBeInTheDocument();
  expect(within(rowOf('backup')).getByText('UPSTREAM_UNREACHABLE')).toBeInTheDocument();
  // The list read again after the tests still holds both results.
  await waitFor(() => expect(kept.size).toBe(2));
  expect(within(rowOf('main')).getByText('Connected · 87 ms')).toBeInTheDocument();
});

test('the last test Turnout kept shows when the page opens, in the chosen language', async () => {
  signIn('admin');
  answerAll();
  server.use(
    answerProviders([
      { ...main, last_test: { ok: true, latency_ms: 40, message: 'ok', models: ['a', 'b'], tested_at: '2026-11-30T09:00:00Z' } },
      {
        ...backup,
        last_test: {
          ok: false,
          latency_ms: 0,
          error_code: 'CONNECTION_ERROR',
          message: '无法连接到提供商。',
          models: null,
          tested_at: '2026-11-30T09:05:00Z',
        },
      },
    ]),
  );
  await i18n.changeLanguage('zh-CN');
  renderConsole('/providers');

  expect(await within(await waitFor(() => rowOf('main'))).findByText('连接成功 · 40 ms')).toBeInTheDocument();
  expect(within(rowOf('main')).getByText('发现模型：2 个')).toBeInTheDocument();
  expect(within(rowOf('backup')).getByText('CONNECTION_ERROR')).toBeInTheDocument();
  expect(within(rowOf('backup')).getByText(/无法连接到提供商。/)).toBeInTheDocument();
});

test('a provider never tested says so', async () => {
  signIn('admin');
  answerAll();
  renderConsole('/providers');

  expect(await within(await waitFor(() => rowOf('main'))).findByText('Not tested yet')).toBeInTheDocument();
  expect(within(rowOf('backup')).getByText('Not tested yet')).toBeInTheDocument();
});

test('admin-only pages are hidden from and refused to other roles', async () => {
  signIn('member');
  server.use(answerHealth([]));
  renderConsole('/providers');

  expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
  expect(screen.queryByRole('menuitem', { name: /Providers/ })).toBeNull();
  expect(screen.getByRole('menuitem', { name: /Health/ })).toBeInTheDocument();
});
