import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { AuditEntryPublic } from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import { answerHealth, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

type User = ReturnType<typeof userEvent.setup>;

function entry(overrides: Partial<AuditEntryPublic> = {}): AuditEntryPublic {
  return {
    id: 'a-1',
    actor_type: 'user',
    actor_id: 'u-1',
    actor_name: 'li.wei',
    action: 'update',
    target_type: 'provider',
    target_id: 'p-1234567890',
    before: { name: 'main', api_key: 'sk-…a1b2', options: { rpm: 60, hedging: true } },
    after: { name: 'main', api_key: 'sk-…c3d4', options: { rpm: 120, hedging: true } },
    diff: {
      api_key: { before: 'sk-…a1b2', after: 'sk-…c3d4' },
      options: { before: { rpm: 60, hedging: true }, after: { rpm: 120, hedging: true } },
    },
    request_id: 'req-42',
    created_at: '2026-11-30T14:05:09Z',
    ...overrides,
  };
}

const keyCreated = entry({
  id: 'a-2',
  actor_type: 'api_key',
  actor_name: 'deploy-bot',
  action: 'create',
  target_type: 'api_key',
  target_id: 'k-1',
  before: null,
  after: { name: 'ci', role: 'member', prefix: 'tk-1a2b3c4', rpm_limit: null, revoked_at: null },
  diff: {},
  request_id: null,
  created_at: '2026-11-29T09:00:00Z',
});

/**
 * Answers audit requests with `entries` and `total`, or nothing when they filter on a target id
 * (none of these entries is asked for by id), keeping each request's query.
 */
function answerAudit(entries: AuditEntryPublic[], total = entries.length) {
  const queries: Record<string, string>[] = [];
  server.use(
    http.get('*/api/v1/audit', ({ request }) => {
      const query = Object.fromEntries(new URL(request.url).searchParams);
      queries.push(query);
      const found = entries.filter((one) => !query.target_id || one.target_id === query.target_id);
      return HttpResponse.json({ items: found, total: found.length === entries.length ? total : found.length });
    }),
  );
  return queries;
}

function rowOf(text: string) {
  const row = screen.getByText(text).closest('tr');
  if (!row) throw new Error(`no row with ${text}`);
  return row;
}

async function choose(user: User, label: string, option: string) {
  await user.click(screen.getByLabelText(label));
  const choices = await screen.findAllByText(option, { selector: '.ant-select-item-option-content' });
  await user.click(choices.at(-1)!);
}

const inLanguage = (language: string, iso: string) =>
  new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(iso));

test('each entry shows when in the chosen language, who, what and on which target', async () => {
  signIn('admin');
  answerAudit([entry(), keyCreated]);
  renderConsole('/audit');

  await screen.findByText('deploy-bot');
  const change = within(rowOf(inLanguage('en-US', '2026-11-30T14:05:09Z')));
  expect(change.getByText('li.wei')).toBeInTheDocument();
  expect(change.getByText('Updated')).toBeInTheDocument();
  expect(change.getByText('Provider')).toBeInTheDocument();
  expect(change.getByText('main')).toBeInTheDocument();
  const created = within(rowOf('deploy-bot'));
  expect(created.getByText('API key', { selector: '.ant-tag' })).toBeInTheDocument();
  expect(created.getByText('Created')).toBeInTheDocument();
  expect(created.getByText('ci')).toBeInTheDocument();
  expect(screen.getByText('2 entries')).toBeInTheDocument();

  await i18n.changeLanguage('zh-CN');
  expect(await screen.findByText(inLanguage('zh-CN', '2026-11-30T14:05:09Z'))).toBeInTheDocument();
  expect(within(rowOf('deploy-bot')).getByText('创建')).toBeInTheDocument();
});

test('an entry opens to its fields before and after, the changed ones marked and secrets masked', async () => {
  signIn('admin');
  answerAudit([entry()]);
  renderConsole('/audit');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('li.wei');
  await user.click(screen.getByRole('button', { name: /expand row/i }));

  expect(await screen.findByText('Fields changed: 2 · request req-42')).toBeInTheDocument();
  const field = (name: string) => {
    const row = screen.getByText(name, { selector: '.ant-table-expanded-row td *' }).closest('tr');
    if (!row) throw new Error(`no field ${name}`);
    return within(row);
  };
  const rpm = field('options.rpm');
  expect(rpm.getByText('60')).toBeInTheDocument();
  expect(rpm.getByText('120')).toBeInTheDocument();
  expect(rpm.getByText('Changed')).toBeInTheDocument();
  const key = field('api_key');
  expect(key.getByText('sk-…a1b2')).toBeInTheDocument();
  expect(key.getByText('sk-…c3d4')).toBeInTheDocument();
  expect(key.getAllByLabelText('A secret, recorded masked')).toHaveLength(2);
  const hedging = field('options.hedging');
  expect(hedging.getAllByText('true')).toHaveLength(2);
  expect(hedging.queryByText('Changed')).toBeNull();
});

test('filters are sent as the query, and a new filter starts again at the first page', async () => {
  signIn('admin');
  const queries = answerAudit([entry(), keyCreated], 45);
  renderConsole('/audit');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('li.wei');
  expect(queries.at(-1)).toEqual({ limit: '20', offset: '0' });
  await user.click(screen.getByTitle('2'));
  await waitFor(() => expect(queries.at(-1)).toEqual({ limit: '20', offset: '20' }));

  await choose(user, 'Target type', 'User');
  await waitFor(() => expect(queries.at(-1)).toEqual({ target_type: 'user', limit: '20', offset: '0' }));
  await choose(user, 'Action', 'Deleted');
  await user.click(screen.getByLabelText('Target id'));
  await user.paste('u-77');
  await user.keyboard('{Enter}');
  await waitFor(() =>
    expect(queries.at(-1)).toEqual({
      target_type: 'user',
      action: 'delete',
      target_id: 'u-77',
      limit: '20',
      offset: '0',
    }),
  );

  expect(await screen.findByText(/No entries match these filters/)).toBeInTheDocument();

  await user.click(screen.getAllByText('Clear filters', { selector: 'button span' })[0]!);
  expect(await screen.findByText('li.wei')).toBeInTheDocument();
  expect(screen.getByLabelText('Target id')).toHaveValue('');
});

test("a target's history button filters on that target", async () => {
  signIn('admin');
  const queries = answerAudit([entry()]);
  renderConsole('/audit');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Show every change to main'));
  await waitFor(() =>
    expect(queries.at(-1)).toEqual({ target_type: 'provider', target_id: 'p-1234567890', limit: '20', offset: '0' }),
  );
  expect(screen.getByLabelText('Target id')).toHaveValue('p-1234567890');
});

test('with nothing recorded the page says where entries come from; with filters, how to see more', async () => {
  signIn('admin');
  answerAudit([]);
  renderConsole('/audit');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText(/Nothing has been changed yet/)).toBeInTheDocument();
  await choose(user, 'Action', 'Revoked');
  expect(await screen.findByText(/No entries match these filters/)).toBeInTheDocument();
});

test('the audit log is hidden from and refused to members', async () => {
  signIn('member');
  server.use(answerHealth([]));
  renderConsole('/audit');

  expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
  expect(screen.queryByRole('menuitem', { name: /Audit log/ })).toBeNull();
});

test('the filters and page are kept in the address, so a reload or a shared link shows the same view', async () => {
  signIn('admin');
  const queries = answerAudit([entry(), keyCreated], 45);
  renderConsole('/audit?target_type=provider&page=2&size=50');

  await screen.findByText('li.wei');
  expect(queries.at(-1)).toEqual({ target_type: 'provider', limit: '50', offset: '50' });
  expect(screen.getByLabelText('Target type').closest('.ant-select')).toHaveTextContent('Provider');

  const user = userEvent.setup({ delay: null });
  await choose(user, 'Action', 'Deleted');
  await waitFor(() => expect(window.location.search).toBe('?target_type=provider&action=delete&size=50'));
  expect(queries.at(-1)).toEqual({ target_type: 'provider', action: 'delete', limit: '50', offset: '0' });
});

test('an address with unreadable paging falls back to the first page', async () => {
  signIn('admin');
  const queries = answerAudit([entry()]);
  renderConsole('/audit?page=-3&size=7');

  await screen.findByText('li.wei');
  expect(queries.at(-1)).toEqual({ limit: '20', offset: '0' });
});
