import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { ApiKeyPublic } from '../../../client/types.gen';
import { answerHealth, envelope, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

const PLAINTEXT = 'tk-9f8e7d6c5b4a3f2e1d0c9b8a7f6e5d4c';

function keyRow(overrides: Partial<ApiKeyPublic> = {}): ApiKeyPublic {
  return {
    id: 'k-1',
    name: 'nightly-batch',
    role: 'member',
    prefix: 'tk-1a2b3c4',
    rpm_limit: null,
    created_at: '2026-11-30T08:00:00Z',
    last_used_at: null,
    revoked_at: null,
    ...overrides,
  };
}

const answerKeys = (rows: ApiKeyPublic[]) =>
  http.get('*/api/v1/keys', () => HttpResponse.json(rows));

/** The open dialog whose title is `title`. */
async function dialogTitled(title: string) {
  const heading = await screen.findByText(title, { selector: '.ant-modal-title' });
  const modal = heading.closest<HTMLElement>('.ant-modal');
  if (!modal) throw new Error(`no dialog titled ${title}`);
  return within(modal);
}

function rowOf(name: string): HTMLElement {
  const row = screen.getByText(name, { selector: 'strong' }).closest('tr');
  if (!row) throw new Error(`no row for ${name}`);
  return row;
}

test('the list shows each key by name, role and prefix, when it was last used and whether it is revoked', async () => {
  signIn('admin');
  server.use(
    answerKeys([
      keyRow(),
      keyRow({
        id: 'k-2',
        name: 'old-script',
        role: 'viewer',
        prefix: 'tk-77aa88b',
        rpm_limit: 30,
        last_used_at: '2026-11-30T09:00:00Z',
        revoked_at: '2026-11-30T10:00:00Z',
      }),
    ]),
  );
  renderConsole('/keys');

  await screen.findByText('nightly-batch', { selector: 'strong' });
  const live = within(rowOf('nightly-batch'));
  expect(live.getByText('Member')).toBeInTheDocument();
  expect(live.getByText('tk-1a2b3c4…')).toBeInTheDocument();
  expect(live.getByText('never')).toBeInTheDocument();
  expect(live.getByText('Active')).toBeInTheDocument();
  expect(live.getByLabelText('Revoke nightly-batch')).toBeInTheDocument();

  const revoked = within(rowOf('old-script'));
  expect(revoked.getByText('Viewer')).toBeInTheDocument();
  expect(revoked.getByText('30')).toBeInTheDocument();
  expect(revoked.getByText('Revoked')).toBeInTheDocument();
  expect(revoked.queryByLabelText('Revoke old-script')).toBeNull();
});

test('a new key is shown once, with a warning and a copy button, and is gone when the dialog closes', async () => {
  signIn('admin');
  server.use(answerKeys([]));
  let sent: Record<string, unknown> | undefined;
  server.use(
    http.post('*/api/v1/keys', async ({ request }) => {
      sent = (await request.json()) as Record<string, unknown>;
      server.use(answerKeys([keyRow({ id: 'k-9', name: 'ci', role: 'admin', prefix: PLAINTEXT.slice(0, 10) })]));
      return HttpResponse.json(
        { id: 'k-9', name: 'ci', role: 'admin', prefix: PLAINTEXT.slice(0, 10), key: PLAINTEXT },
        { status: 201 },
      );
    }),
  );
  renderConsole('/keys');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText(/No API keys yet/)).toBeInTheDocument();
  await user.click(screen.getAllByText('Create API key')[0]!);
  const form = await dialogTitled('Create API key');
  await user.click(form.getByLabelText('Name'));
  await user.paste('ci');
  await user.click(form.getByText('Admin'));
  await user.click(form.getByText('Create'));

  const shown = await dialogTitled('API key ci created');
  expect(sent).toEqual({ name: 'ci', role: 'admin' });
  expect(shown.getByLabelText('New API key')).toHaveValue(PLAINTEXT);
  expect(shown.getByText(/It will not be shown again/)).toBeInTheDocument();

  await user.click(shown.getByText('Copy'));
  expect(await shown.findByText('Copied')).toBeInTheDocument();
  expect(await navigator.clipboard.readText()).toBe(PLAINTEXT);

  await user.click(shown.getByText('I have copied it'));
  await waitFor(() => expect(screen.queryByDisplayValue(PLAINTEXT)).toBeNull());
  expect(await screen.findByText('ci', { selector: 'strong' })).toBeInTheDocument();
  expect(within(rowOf('ci')).getByText(`${PLAINTEXT.slice(0, 10)}…`)).toBeInTheDocument();
  expect(document.body.textContent).not.toContain(PLAINTEXT);
});

test('a refused key name is shown next to the name field', async () => {
  signIn('admin');
  server.use(
    answerKeys([]),
    http.post('*/api/v1/keys', () =>
      envelope(422, 'VALIDATION_FAILED', 'The request is invalid.', {
        fields: [{ field: 'name', code: 'validation.too_long', params: {}, message: 'At most 128 characters.' }],
      }),
    ),
  );
  renderConsole('/keys');
  const user = userEvent.setup({ delay: null });

  await user.click((await screen.findAllByText('Create API key'))[0]!);
  const form = await dialogTitled('Create API key');
  await user.click(form.getByLabelText('Name'));
  await user.paste('ci');
  await user.keyboard('{Enter}');

  const issue = await form.findByText('At most 128 characters.');
  expect(issue.closest('.ant-form-item')).toContainElement(form.getByLabelText('Name'));
  expect(screen.queryByText(/created$/)).toBeNull();
});

test('revoking asks first, and only the confirmation revokes', async () => {
  signIn('admin');
  server.use(answerKeys([keyRow()]));
  const revoked: string[] = [];
  server.use(
    http.delete('*/api/v1/keys/:id', ({ params }) => {
      revoked.push(String(params.id));
      const row = keyRow({ revoked_at: '2026-12-01T03:00:00Z' });
      server.use(answerKeys([row]));
      return HttpResponse.json(row);
    }),
  );
  renderConsole('/keys');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Revoke nightly-batch'));
  expect(await screen.findByText('Revoke nightly-batch?')).toBeInTheDocument();
  expect(screen.getByText(/will be refused at once/)).toBeInTheDocument();
  const confirm = () => {
    const found = document.querySelector<HTMLElement>('.ant-popconfirm:not(.ant-popover-hidden)');
    if (!found) throw new Error('no confirmation shown');
    return within(found);
  };
  await user.click(confirm().getByText('Cancel'));
  expect(revoked).toEqual([]);

  await user.click(screen.getByLabelText('Revoke nightly-batch'));
  await waitFor(() => confirm());
  await user.click(confirm().getByText('Revoke'));

  expect(await screen.findByText(/nightly-batch was revoked/)).toBeInTheDocument();
  expect(revoked).toEqual(['k-1']);
  await waitFor(() => expect(within(rowOf('nightly-batch')).getByText('Revoked')).toBeInTheDocument());
});

test('the keys page is hidden from and refused to members', async () => {
  signIn('member');
  server.use(answerHealth([]));
  renderConsole('/keys');

  expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
  expect(screen.queryByRole('menuitem', { name: /API keys/ })).toBeNull();
});

test('a list that fails to load says why and can be asked again', async () => {
  signIn('admin');
  // Down for the first load and both of its retries, back for the next ask.
  let asked = 0;
  server.use(
    http.get('*/api/v1/keys', () => {
      asked += 1;
      return asked <= 3
        ? envelope(503, 'STORE_UNAVAILABLE', 'The database is not answering.')
        : HttpResponse.json([keyRow()]);
    }),
  );
  renderConsole('/keys');
  const user = userEvent.setup({ delay: null });

  expect(
    await screen.findByText('Could not load this page: The database is not answering.', {}, { timeout: 60_000 }),
  ).toBeInTheDocument();
  await user.click(screen.getByText('Try again'));
  expect(await screen.findByText('nightly-batch', { selector: 'strong' })).toBeInTheDocument();
});
