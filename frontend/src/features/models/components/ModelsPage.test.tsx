import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ModelEntryPublic } from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import { answerMethods, envelope, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

function entry(overrides: Partial<ModelEntryPublic> = {}): ModelEntryPublic {
  return {
    id: null,
    builtin: true,
    provider_type: 'openai',
    model: 'gpt-4o-mini',
    kind: 'chat',
    context_window: 128000,
    input_price_per_1k: 0.00015,
    output_price_per_1k: 0.0006,
    currency: 'USD',
    capabilities: {},
    ...overrides,
  };
}

const TENANT = entry({
  id: 'm-1',
  builtin: false,
  model: 'ft:gpt-4o-mini:acme',
  context_window: null,
  input_price_per_1k: 1234.5,
  output_price_per_1k: 0.006,
  currency: 'CNY',
});

const answerModels = (rows: ModelEntryPublic[]) =>
  http.get('*/api/v1/llm/models', () => HttpResponse.json(rows));

function rowOf(model: string): HTMLElement {
  const row = screen.getByText(model, { selector: 'strong' }).closest('tr');
  if (!row) throw new Error(`no row for ${model}`);
  return row;
}

async function dialogTitled(title: string) {
  const heading = await screen.findByText(title, { selector: '.ant-modal-title' });
  const modal = heading.closest<HTMLElement>('.ant-modal');
  if (!modal) throw new Error(`no dialog titled ${title}`);
  return within(modal);
}

function openConfirmation() {
  const found = document.querySelector<HTMLElement>('.ant-popconfirm:not(.ant-popover-hidden)');
  if (!found) throw new Error('no confirmation shown');
  return within(found);
}

test('the registry lists each model, the tenant\'s own first, with its provider type, context window and prices in the chosen language', async () => {
  signIn('admin');
  server.use(answerMethods(), answerModels([entry(), TENANT]));
  renderConsole('/models');

  await screen.findByText('gpt-4o-mini', { selector: 'strong' });
  const builtin = within(rowOf('gpt-4o-mini'));
  expect(builtin.getByText('OpenAI')).toBeInTheDocument();
  expect(builtin.getByText('Chat')).toBeInTheDocument();
  expect(builtin.getByText('128,000')).toBeInTheDocument();
  expect(builtin.getByText('$0.00015')).toBeInTheDocument();
  expect(builtin.getByText('$0.0006')).toBeInTheDocument();
  expect(builtin.getByText('Built-in')).toBeInTheDocument();

  const own = within(rowOf('ft:gpt-4o-mini:acme'));
  expect(own.getByText('—')).toBeInTheDocument();
  expect(own.getByText('CN¥1,234.50')).toBeInTheDocument();
  expect(own.getByText('CN¥0.006')).toBeInTheDocument();
  expect(own.getByText('Tenant')).toBeInTheDocument();

  const models = [...document.querySelectorAll('tbody tr strong')].map((cell) => cell.textContent);
  expect(models).toEqual(['ft:gpt-4o-mini:acme', 'gpt-4o-mini']);

  await i18n.changeLanguage('zh-CN');
  expect(await screen.findByText('US$0.00015')).toBeInTheDocument();
  const ownInChinese = within(rowOf('ft:gpt-4o-mini:acme'));
  expect(ownInChinese.getByText('¥1,234.50')).toBeInTheDocument();
  expect(ownInChinese.getByText('租户')).toBeInTheDocument();
  expect(within(rowOf('gpt-4o-mini')).getByText('内置')).toBeInTheDocument();
});

test('an added model is sent with its figures, and a refused field is shown next to it', async () => {
  signIn('admin');
  server.use(answerMethods(), answerModels([entry()]));
  const sent: Record<string, unknown>[] = [];
  server.use(
    http.post('*/api/v1/llm/models', async ({ request }) => {
      const body = (await request.json()) as Record<string, unknown>;
      sent.push(body);
      if (body.model === 'gpt-4o-mini') {
        return envelope(422, 'VALIDATION_FAILED', 'The request is invalid.', {
          fields: [
            { field: 'model', code: 'validation.duplicate', params: {}, message: 'This value is already taken.' },
          ],
        });
      }
      const created = entry({ ...(body as Partial<ModelEntryPublic>), id: 'm-9', builtin: false });
      server.use(answerModels([entry(), created]));
      return HttpResponse.json(created, { status: 201 });
    }),
  );
  renderConsole('/models');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByText('Add model'));
  const form = await dialogTitled('Add a model');
  await waitFor(() => expect(form.getByText('OpenAI')).toBeInTheDocument());
  await user.click(form.getByLabelText('Model'));
  await user.paste('gpt-4o-mini');
  await user.keyboard('{Enter}');

  const issue = await form.findByText('This value is already taken.');
  expect(issue.closest('.ant-form-item')).toContainElement(form.getByLabelText('Model'));

  await user.clear(form.getByLabelText('Model'));
  await user.paste('gpt-4o-mini-2026');
  await user.click(form.getByLabelText('Context window (optional)'));
  await user.paste('64000');
  await user.clear(form.getByLabelText('Currency'));
  await user.paste('cny');
  await user.click(form.getByLabelText('Input price'));
  await user.paste('0.002');
  await user.click(form.getByText('Add'));

  expect(await screen.findByText('gpt-4o-mini-2026', { selector: 'strong' })).toBeInTheDocument();
  expect(sent[1]).toEqual({
    provider_type: 'openai',
    model: 'gpt-4o-mini-2026',
    kind: 'chat',
    context_window: 64000,
    input_price_per_1k: 0.002,
    output_price_per_1k: 0,
    currency: 'CNY',
  });
  expect(within(rowOf('gpt-4o-mini-2026')).getByText('CN¥0.002')).toBeInTheDocument();
});

test('deleting a tenant entry asks first, and built-in entries cannot be deleted', async () => {
  signIn('admin');
  server.use(answerMethods(), answerModels([entry(), TENANT]));
  const deleted: string[] = [];
  server.use(
    http.delete('*/api/v1/llm/models/:id', ({ params }) => {
      deleted.push(String(params.id));
      server.use(answerModels([entry()]));
      return new HttpResponse(null, { status: 204 });
    }),
  );
  renderConsole('/models');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('gpt-4o-mini', { selector: 'strong' });
  expect(within(rowOf('gpt-4o-mini')).queryByText('Delete')).toBeNull();

  await user.click(screen.getByLabelText('Delete ft:gpt-4o-mini:acme'));
  expect(await screen.findByText('Delete the entry for ft:gpt-4o-mini:acme?')).toBeInTheDocument();
  await user.click(openConfirmation().getByText('Cancel'));
  expect(deleted).toEqual([]);

  await user.click(screen.getByLabelText('Delete ft:gpt-4o-mini:acme'));
  await waitFor(() => openConfirmation());
  await user.click(openConfirmation().getByText('Delete'));

  expect(await screen.findByText('The entry for ft:gpt-4o-mini:acme was deleted.')).toBeInTheDocument();
  expect(deleted).toEqual(['m-1']);
  await waitFor(() => expect(screen.queryByText('ft:gpt-4o-mini:acme', { selector: 'strong' })).toBeNull());
});

test('an empty registry tells an admin to add models', async () => {
  signIn('admin');
  server.use(answerMethods(), answerModels([]));
  renderConsole('/models');
  const user = userEvent.setup({ delay: null });

  const empty = await screen.findByText(/The registry is empty. Add the models/);
  const emptyState = within(empty.closest<HTMLElement>('.ant-empty')!);
  await user.click(emptyState.getByText('Add model'));
  expect(await dialogTitled('Add a model')).toBeTruthy();
});

test('a search that matches no model says so and offers to clear it', async () => {
  signIn('viewer');
  server.use(answerMethods(), answerModels([entry(), TENANT]));
  renderConsole('/models');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('gpt-4o-mini', { selector: 'strong' });
  await user.click(screen.getByLabelText('Search models'));
  await user.paste('acme');
  await waitFor(() => expect(screen.queryByText('gpt-4o-mini', { selector: 'strong' })).toBeNull());
  expect(screen.getByText('ft:gpt-4o-mini:acme', { selector: 'strong' })).toBeInTheDocument();

  await user.paste('-claude');
  expect(await screen.findByText(/No model matches the filter/)).toBeInTheDocument();
  await user.click(screen.getByText('Clear the filter'));
  expect(screen.getByLabelText('Search models')).toHaveValue('');
  expect(await screen.findByText('gpt-4o-mini', { selector: 'strong' })).toBeInTheDocument();
});

test('viewers read the registry but are offered neither adding nor deleting', async () => {
  signIn('viewer');
  server.use(answerMethods(), answerModels([entry(), TENANT]));
  renderConsole('/models');

  await screen.findByText('ft:gpt-4o-mini:acme', { selector: 'strong' });
  const menu = document.querySelector<HTMLElement>('.ant-menu');
  expect(within(menu!).getByText('Models')).toBeInTheDocument();
  expect(screen.queryByText('Add model')).toBeNull();
  expect(screen.queryByLabelText('Delete ft:gpt-4o-mini:acme')).toBeNull();
  expect(screen.queryByText('Actions')).toBeNull();
});
