import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { currentSession } from '../../../lib/session';
import { answerHealth, envelope, healthRow, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

function loginAnswer(role: 'viewer' | 'admin') {
  return {
    access_token: 'session-token-1',
    token_type: 'bearer',
    expires_in: 3600,
    user: { id: 'u-1', username: 'alice', role, tenant_id: 't-1', is_active: true },
  };
}

test('logging in sends the credentials and opens the console with the session token', async () => {
  const sent: unknown[] = [];
  const authorisations: (string | null)[] = [];
  server.use(
    http.post('*/api/v1/auth/login', async ({ request }) => {
      sent.push(await request.json());
      return HttpResponse.json(loginAnswer('viewer'));
    }),
    http.get('*/api/v1/llm/health', ({ request }) => {
      authorisations.push(request.headers.get('Authorization'));
      return HttpResponse.json([healthRow()]);
    }),
  );
  renderConsole('/');
  const user = userEvent.setup({ delay: null });

  await user.type(await screen.findByLabelText('Username'), 'alice');
  await user.type(screen.getByLabelText('Password'), 'correct-horse');
  await user.click(screen.getByRole('button', { name: 'Log in' }));

  expect(await screen.findByRole('heading', { name: 'Provider health' })).toBeInTheDocument();
  expect(sent).toEqual([{ username: 'alice', password: 'correct-horse' }]);
  expect(authorisations[0]).toBe('Bearer session-token-1');
  expect(currentSession()?.role).toBe('viewer');
});

test('a refused login shows the server message and stays on the login page', async () => {
  server.use(
    http.post('*/api/v1/auth/login', () =>
      envelope(401, 'INVALID_CREDENTIALS', 'Wrong username or password.'),
    ),
  );
  renderConsole('/login');
  const user = userEvent.setup({ delay: null });

  await user.type(await screen.findByLabelText('Username'), 'alice');
  await user.type(screen.getByLabelText('Password'), 'wrong');
  await user.click(screen.getByRole('button', { name: 'Log in' }));

  expect(await screen.findByText('Wrong username or password.')).toBeInTheDocument();
  expect(screen.getByRole('button', { name: 'Log in' })).toBeInTheDocument();
  expect(currentSession()).toBeNull();
});

test('the form asks for what is missing before sending anything', async () => {
  let calls = 0;
  server.use(http.post('*/api/v1/auth/login', () => void (calls += 1)));
  renderConsole('/login');

  await userEvent.click(await screen.findByRole('button', { name: 'Log in' }));

  expect(await screen.findByText('Enter your username.')).toBeInTheDocument();
  expect(screen.getByText('Enter your password.')).toBeInTheDocument();
  expect(calls).toBe(0);
});

test('an expired session (401) ends it and returns to login saying why', async () => {
  signIn('viewer');
  server.use(
    http.get('*/api/v1/llm/health', () => envelope(401, 'UNAUTHENTICATED', 'Session expired.')),
  );
  renderConsole('/health');

  expect(
    await screen.findByText('Your session has expired. Please log in again.'),
  ).toBeInTheDocument();
  expect(currentSession()).toBeNull();
});

test('a 403 from the server also ends the session and returns to login', async () => {
  signIn('viewer');
  server.use(
    http.get('*/api/v1/llm/health', () => envelope(403, 'PERMISSION_DENIED', 'Not allowed.')),
  );
  renderConsole('/health');

  expect(await screen.findByText(/not allowed for your role/)).toBeInTheDocument();
  await waitFor(() => expect(currentSession()).toBeNull());
});

test('logging out forgets the token and shows the login page', async () => {
  signIn('viewer');
  server.use(answerHealth([healthRow()]));
  renderConsole('/health');

  await userEvent.click(await screen.findByRole('button', { name: /Log out/ }));

  expect(await screen.findByRole('button', { name: 'Log in' })).toBeInTheDocument();
  expect(currentSession()).toBeNull();
  expect(window.sessionStorage.getItem('turnout.session')).toBeNull();
});

test('an unknown console address shows a not-found page inside the layout', async () => {
  signIn('viewer');
  renderConsole('/no-such-page');

  expect(await screen.findByText('Page not found')).toBeInTheDocument();
});
