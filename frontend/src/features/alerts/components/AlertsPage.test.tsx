import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { AlertWebhookPublic, Role } from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import { envelope, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

const NOT_SET: AlertWebhookPublic = { configured: false, url: null };
const SET: AlertWebhookPublic = { configured: true, url: 'https://hooks.example.com/…a1b2' };

/** The webhook as the server holds it; PUT changes it and records each body. */
function webhookServer(start: AlertWebhookPublic) {
  let current = start;
  const sent: unknown[] = [];
  server.use(
    http.get('*/api/v1/llm/alerts/webhook', () => HttpResponse.json(current)),
    http.put('*/api/v1/llm/alerts/webhook', async ({ request }) => {
      const body = (await request.json()) as { url: string | null };
      sent.push(body);
      current = body.url ? { configured: true, url: `https://hooks.example.com/…${body.url.slice(-4)}` } : NOT_SET;
      return HttpResponse.json(current);
    }),
  );
  return sent;
}

function webhookCard() {
  const card = screen.getByText('Health alert webhook').closest<HTMLElement>('.ant-card');
  if (!card) throw new Error('no webhook card');
  return within(card);
}

function openConfirmation() {
  const found = document.querySelector<HTMLElement>('.ant-popconfirm:not(.ant-popover-hidden)');
  if (!found) throw new Error('no confirmation shown');
  return within(found);
}

test('an admin sets the webhook and then sees it set, masked', async () => {
  signIn('admin');
  const sent = webhookServer(NOT_SET);
  renderConsole('/alerts');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText('Not set')).toBeInTheDocument();
  expect(screen.getByText(/No alerts are sent yet/)).toBeInTheDocument();
  await user.click(screen.getByLabelText('Webhook URL'));
  await user.paste('https://hooks.example.com/services/T0/B0/x9y8');
  await user.keyboard('{Enter}');

  expect(await screen.findByText('Saved. Health alerts now go to https://hooks.example.com/…x9y8.')).toBeInTheDocument();
  expect(sent).toEqual([{ url: 'https://hooks.example.com/services/T0/B0/x9y8' }]);
  expect(screen.getByText('Set')).toBeInTheDocument();
  expect(screen.getByText('https://hooks.example.com/…x9y8')).toBeInTheDocument();
  expect(screen.getByLabelText('New webhook URL')).toHaveValue('');
});

test('a URL the server refuses is not saved, and the refusal is shown in the chosen language', async () => {
  signIn('admin');
  webhookServer(NOT_SET);
  const languages: (string | null)[] = [];
  server.use(
    http.put('*/api/v1/llm/alerts/webhook', ({ request }) => {
      const language = request.headers.get('Accept-Language');
      languages.push(language);
      return language === 'zh-CN'
        ? envelope(422, 'OUTBOUND_URL_BLOCKED', 'URL http://10.0.0.5/hook 指向被禁止的地址（private）。')
        : envelope(422, 'OUTBOUND_URL_BLOCKED', 'The URL http://10.0.0.5/hook points to a blocked address (private).');
    }),
  );
  renderConsole('/alerts');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('Not set');
  await user.click(screen.getByLabelText('Webhook URL'));
  await user.paste('http://10.0.0.5/hook');
  await user.click(screen.getByText('Save'));

  expect(await screen.findByText('The URL http://10.0.0.5/hook points to a blocked address (private).')).toBeInTheDocument();
  expect(screen.getByText(/ask the operator to allow this host/)).toBeInTheDocument();
  expect(screen.getByText('Not set')).toBeInTheDocument();

  await i18n.changeLanguage('zh-CN');
  await user.click(await screen.findByText(/^保\s*存$/));
  expect(await screen.findByText('URL http://10.0.0.5/hook 指向被禁止的地址（private）。')).toBeInTheDocument();
  expect(screen.getByText(/请使用公网地址/)).toBeInTheDocument();
  expect(screen.getByText('未设置')).toBeInTheDocument();
  expect(languages).toEqual(['en-US', 'zh-CN']);
});

test('removing the webhook asks first, and only the confirmation removes it', async () => {
  signIn('admin');
  const sent = webhookServer(SET);
  renderConsole('/alerts');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText('https://hooks.example.com/…a1b2')).toBeInTheDocument();
  await user.click(webhookCard().getByRole('button', { name: /Remove webhook/ }));
  expect(await screen.findByText('Remove the alert webhook?')).toBeInTheDocument();
  await user.click(openConfirmation().getByText('Cancel'));
  expect(sent).toEqual([]);

  await user.click(webhookCard().getByRole('button', { name: /Remove webhook/ }));
  await waitFor(() => openConfirmation());
  await user.click(openConfirmation().getByRole('button', { name: /Remove webhook/ }));

  expect(await screen.findByText('Webhook removed. No health alerts are sent.')).toBeInTheDocument();
  expect(sent).toEqual([{ url: null }]);
  expect(screen.getByText('Not set')).toBeInTheDocument();
  expect(screen.queryByText('https://hooks.example.com/…a1b2')).toBeNull();
});

test.each<Role>(['member', 'viewer'])('the alerts page is neither shown to nor opened for a %s', async (role) => {
  signIn(role);
  const asked: string[] = [];
  server.use(
    http.all('*/api/v1/llm/alerts/webhook', ({ request }) => {
      asked.push(request.method);
      return envelope(403, 'FORBIDDEN', 'Forbidden.');
    }),
  );
  renderConsole('/alerts');

  expect(await screen.findByText('Not available to your role')).toBeInTheDocument();
  expect(screen.queryByRole('menuitem', { name: /Alerts/ })).toBeNull();
  expect(asked).toEqual([]);
});
