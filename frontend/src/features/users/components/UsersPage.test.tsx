import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { UserPublic } from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import { answerHealth, envelope, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

type User = ReturnType<typeof userEvent.setup>;

function userRow(overrides: Partial<UserPublic> = {}): UserPublic {
  return {
    id: 'u-1',
    username: 'admin-user',
    role: 'admin',
    tenant_id: 't-1',
    is_active: true,
    created_at: '2026-11-30T08:00:00Z',
    ...overrides,
  };
}

const me = userRow();
const ann = userRow({ id: 'u-2', username: 'ann', role: 'member' });
const bob = userRow({ id: 'u-3', username: 'bob', role: 'viewer', is_active: false });

const answerUsers = (rows: UserPublic[]) =>
  http.get('*/api/v1/users', () => HttpResponse.json(rows));

/** The open dialog whose title is `title`. */
async function dialogTitled(title: string) {
  const heading = await screen.findByText(title, { selector: '.ant-modal-title' });
  const modal = heading.closest<HTMLElement>('.ant-modal');
  if (!modal) throw new Error(`no dialog titled ${title}`);
  return within(modal);
}

function rowOf(name: string) {
  const row = screen.getByText(name, { selector: 'strong' }).closest('tr');
  if (!row) throw new Error(`no row for ${name}`);
  return within(row);
}

/** The confirmation being shown. */
function confirmation() {
  const found = document.querySelector<HTMLElement>('.ant-popconfirm:not(.ant-popover-hidden)');
  if (!found) throw new Error('no confirmation shown');
  return within(found);
}

async function type(user: User, field: HTMLElement, text: string) {
  await user.click(field);
  await user.paste(text);
}

async function choose(user: User, label: string, option: string) {
  await user.click(screen.getByLabelText(label));
  const choices = await screen.findAllByText(option, { selector: '.ant-select-item-option-content' });
  await user.click(choices.at(-1)!);
}

test('the list shows each user with role and status, and the signed-in admin cannot lock themselves out', async () => {
  signIn('admin');
  server.use(answerUsers([me, ann, bob]));
  renderConsole('/users');

  await screen.findByText('ann', { selector: 'strong' });
  const self = rowOf('admin-user');
  expect(self.getByText('You')).toBeInTheDocument();
  expect(self.getByLabelText('Role of admin-user')).toBeDisabled();
  expect(self.getByLabelText('Deactivate admin-user')).toBeDisabled();
  expect(self.getByLabelText('Delete admin-user')).toBeDisabled();

  const member = rowOf('ann');
  expect(member.getByText('Member')).toBeInTheDocument();
  expect(member.getByText('Active')).toBeInTheDocument();
  expect(member.getByLabelText('Deactivate ann')).toBeEnabled();

  const inactive = rowOf('bob');
  expect(inactive.getByText('Deactivated')).toBeInTheDocument();
  expect(inactive.getByLabelText('Reactivate bob')).toBeInTheDocument();
});

test('a username the server refuses is shown next to the username field, in the chosen language', async () => {
  signIn('admin');
  let sent: Record<string, unknown> | undefined;
  const languages: (string | null)[] = [];
  server.use(
    answerUsers([me, ann]),
    http.post('*/api/v1/users', async ({ request }) => {
      sent = (await request.json()) as Record<string, unknown>;
      languages.push(request.headers.get('Accept-Language'));
      return envelope(422, 'VALIDATION_FAILED', '请求参数无效', {
        fields: [{ field: 'username', code: 'validation.duplicate', params: {}, message: '该值已被占用。' }],
      });
    }),
  );
  await i18n.changeLanguage('zh-CN');
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByText('添加用户', { selector: 'button span' }));
  const form = await dialogTitled('添加用户');
  await type(user, form.getByLabelText('用户名'), 'ann');
  await type(user, form.getByLabelText('密码'), 'correct horse');
  await user.click(form.getByText('管理员'));
  await user.click(form.getByText(/添\s*加/, { selector: '.ant-modal-footer button span' }));

  const issue = await form.findByText('该值已被占用。');
  expect(issue.closest('.ant-form-item')).toContainElement(form.getByLabelText('用户名'));
  expect(sent).toEqual({ username: 'ann', role: 'admin', password: 'correct horse' });
  expect(languages).toEqual(['zh-CN']);
  // The form stays open to correct, with nothing said above it.
  expect(form.queryByText('请求参数无效')).toBeNull();
});

test('an admin alone is told to add users, and a new user appears in the list once added', async () => {
  signIn('admin');
  server.use(
    answerUsers([me]),
    http.post('*/api/v1/users', () => {
      const added = userRow({ id: 'u-9', username: 'li.wei', role: 'member' });
      server.use(answerUsers([me, added]));
      return HttpResponse.json(added, { status: 201 });
    }),
  );
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  const hint = (await screen.findByText(/You are the only user/)).closest<HTMLElement>('.ant-alert');
  if (!hint) throw new Error('no hint to add users');
  await user.click(within(hint).getByText('Add user'));
  const form = await dialogTitled('Add user');
  await type(user, form.getByLabelText('Username'), 'li.wei');
  await type(user, form.getByLabelText('Password'), 'long enough');
  await user.keyboard('{Enter}');

  expect(await screen.findByText('User li.wei was added.')).toBeInTheDocument();
  expect(await screen.findByText('li.wei', { selector: 'strong' })).toBeInTheDocument();
  expect(screen.queryByText(/You are the only user/)).toBeNull();
});

test('a role change is sent at once, and a refusal is shown with the server message', async () => {
  signIn('admin');
  const changes: Record<string, unknown>[] = [];
  server.use(
    answerUsers([me, ann]),
    http.patch('*/api/v1/users/:id', async ({ request }) => {
      changes.push((await request.json()) as Record<string, unknown>);
      if (changes.length === 1) {
        server.use(answerUsers([me, { ...ann, role: 'admin' }]));
        return HttpResponse.json({ ...ann, role: 'admin' });
      }
      return envelope(409, 'CONFLICT', 'The request conflicts with existing data: ann is busy');
    }),
  );
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('ann', { selector: 'strong' });
  await choose(user, 'Role of ann', 'Admin');
  expect(await screen.findByText('ann is now Admin.')).toBeInTheDocument();
  await waitFor(() => expect(rowOf('ann').getByText('Admin', { selector: '.ant-select-content' })).toBeInTheDocument());

  await choose(user, 'Role of ann', 'Viewer');
  expect(await screen.findByText('The request conflicts with existing data: ann is busy')).toBeInTheDocument();
  expect(changes).toEqual([{ role: 'admin' }, { role: 'viewer' }]);
});

test('deactivating asks first; reactivating does not', async () => {
  signIn('admin');
  const changes: [string, unknown][] = [];
  server.use(
    answerUsers([me, ann, bob]),
    http.patch('*/api/v1/users/:id', async ({ params, request }) => {
      changes.push([String(params.id), await request.json()]);
      return HttpResponse.json(ann);
    }),
  );
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Deactivate ann'));
  expect(await screen.findByText('Deactivate ann?')).toBeInTheDocument();
  expect(changes).toEqual([]);
  await user.click(confirmation().getByText('Deactivate'));
  expect(await screen.findByText(/ann was deactivated/)).toBeInTheDocument();

  await user.click(screen.getByLabelText('Reactivate bob'));
  expect(await screen.findByText('bob can log in again.')).toBeInTheDocument();
  expect(changes).toEqual([
    ['u-2', { is_active: false }],
    ['u-3', { is_active: true }],
  ]);
});

test('a password reset is typed twice, and a weak one is refused next to its field', async () => {
  signIn('admin');
  const sent: unknown[] = [];
  server.use(
    answerUsers([me, ann]),
    http.patch('*/api/v1/users/u-2', async ({ request }) => {
      const body = (await request.json()) as { password: string };
      sent.push(body);
      if (body.password === 'aaaaaaaa') {
        return envelope(422, 'VALIDATION_FAILED', 'The request is invalid.', {
          fields: [{ field: 'password', code: 'validation.weak_password', params: {}, message: 'Too easy to guess.' }],
        });
      }
      return HttpResponse.json(ann);
    }),
  );
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Reset the password of ann'));
  const form = await dialogTitled('Reset the password of ann');
  await type(user, form.getByLabelText('New password'), 'aaaaaaaa');
  await type(user, form.getByLabelText('Type it again'), 'aaaaaaab');
  await user.click(form.getByText('Save password'));
  expect(await form.findByText('The two passwords differ.')).toBeInTheDocument();
  expect(sent).toEqual([]);

  await user.clear(form.getByLabelText('Type it again'));
  await type(user, form.getByLabelText('Type it again'), 'aaaaaaaa');
  await user.click(form.getByText('Save password'));
  const issue = await form.findByText('Too easy to guess.');
  expect(issue.closest('.ant-form-item')).toContainElement(form.getByLabelText('New password'));

  await user.clear(form.getByLabelText('New password'));
  await type(user, form.getByLabelText('New password'), 'a better secret');
  await user.clear(form.getByLabelText('Type it again'));
  await type(user, form.getByLabelText('Type it again'), 'a better secret');
  await user.click(form.getByText('Save password'));
  expect(await screen.findByText('The password of ann was changed.')).toBeInTheDocument();
  expect(sent).toEqual([{ password: 'aaaaaaaa' }, { password: 'a better secret' }]);
});

test('resetting your own password warns that this session ends too', async () => {
  signIn('admin');
  server.use(answerUsers([me, ann]));
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Reset the password of admin-user'));
  const own = await dialogTitled('Reset the password of admin-user');
  expect(own.getByText(/this one included/)).toBeInTheDocument();
  await user.click(own.getByText('Cancel'));

  await user.click(screen.getByLabelText('Reset the password of ann'));
  const other = await dialogTitled('Reset the password of ann');
  expect(other.getByText(/Their open sessions end/)).toBeInTheDocument();
});

test('deleting a user asks first', async () => {
  signIn('admin');
  const deleted: string[] = [];
  server.use(
    answerUsers([me, ann]),
    http.delete('*/api/v1/users/:id', ({ params }) => {
      deleted.push(String(params.id));
      server.use(answerUsers([me]));
      return new HttpResponse(null, { status: 204 });
    }),
  );
  renderConsole('/users');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Delete ann'));
  expect(await screen.findByText('Delete ann?')).toBeInTheDocument();
  expect(deleted).toEqual([]);
  await user.click(confirmation().getByText('Delete'));

  expect(await screen.findByText('User ann was deleted.')).toBeInTheDocument();
  await waitFor(() => expect(screen.queryByText('ann', { selector: 'strong' })).toBeNull());
  expect(deleted).toEqual(['u-2']);
});

test('the users page is hidden from and refused to members', async () => {
  signIn('member');
  server.use(answerHealth([]));
  renderConsole('/users');

  expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
  expect(screen.queryByRole('menuitem', { name: /Users/ })).toBeNull();
});
