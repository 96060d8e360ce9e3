import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { RoutingBody } from '../../../client/types.gen';
import { answerProviders, answerRouting, envelope, providerRow, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

const providers = [
  providerRow({ id: 'p-1', name: 'main', is_active: true, options: { rpm: 60, hedging: true } }),
  providerRow({ id: 'p-2', name: 'backup', provider_type: 'ollama' }),
  providerRow({ id: 'p-3', name: 'spare', provider_type: 'openai_compatible' }),
];
const routing: RoutingBody = {
  active_provider_id: 'p-1',
  fallback_provider_ids: ['p-2', 'p-3'],
  fallback_for_pinned: false,
};

function fallbackNames(): string[] {
  return screen.getAllByTestId('fallback-item').map((item) => item.querySelector('strong')?.textContent ?? '');
}

async function saveButton() {
  const button = (await screen.findByText('Save routing')).closest('button');
  if (!button) throw new Error('no save button');
  return button;
}

test('fallbacks are shown in order and reordered fallbacks are saved in the new order', async () => {
  signIn('admin');
  let saved: RoutingBody | undefined;
  server.use(
    answerProviders(providers),
    answerRouting(routing),
    http.put('*/api/v1/llm/routing', async ({ request }) => {
      saved = (await request.json()) as RoutingBody;
      return HttpResponse.json(saved);
    }),
  );
  renderConsole('/routing');
  const user = userEvent.setup({ delay: null });

  await screen.findByText('Active provider');
  expect(fallbackNames()).toEqual(['backup', 'spare']);
  expect(await saveButton()).toBeDisabled(); // nothing changed yet

  await user.click(screen.getByLabelText('Move spare up'));
  expect(fallbackNames()).toEqual(['spare', 'backup']);
  await user.click(await saveButton());

  await waitFor(() => expect(saved).toBeDefined());
  expect(saved).toEqual({ active_provider_id: 'p-1', fallback_provider_ids: ['p-3', 'p-2'], fallback_for_pinned: false });
  expect(await screen.findByText('Routing saved.')).toBeInTheDocument();
});

test('removing a fallback and allowing pinned failover are saved together', async () => {
  signIn('admin');
  let saved: RoutingBody | undefined;
  server.use(
    answerProviders(providers),
    answerRouting(routing),
    http.put('*/api/v1/llm/routing', async ({ request }) => {
      saved = (await request.json()) as RoutingBody;
      return HttpResponse.json(saved);
    }),
  );
  renderConsole('/routing');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Remove backup from the fallbacks'));
  await user.click(screen.getByLabelText('Fallbacks also serve requests that name their provider'));
  await user.click(await saveButton());

  await waitFor(() => expect(saved).toBeDefined());
  expect(saved).toEqual({ active_provider_id: 'p-1', fallback_provider_ids: ['p-3'], fallback_for_pinned: true });
});

test('a refused routing shows the server reason', async () => {
  signIn('admin');
  server.use(
    answerProviders(providers),
    answerRouting(routing),
    http.put('*/api/v1/llm/routing', () => envelope(409, 'PROVIDER_DISABLED', 'spare is disabled.')),
  );
  renderConsole('/routing');
  const user = userEvent.setup({ delay: null });

  await user.click(await screen.findByLabelText('Move spare up'));
  await user.click(await saveButton());

  expect(await screen.findByText('spare is disabled.')).toBeInTheDocument();
});

test('per-provider hedging and limits are saved into that provider options only', async () => {
  signIn('admin');
  let sent: { id: string; body: Record<string, unknown> } | undefined;
  server.use(
    answerProviders(providers),
    answerRouting(routing),
    http.put('*/admin/config/llm/:id', async ({ params, request }) => {
      sent = { id: String(params.id), body: (await request.json()) as Record<string, unknown> };
      return HttpResponse.json(providers[0]);
    }),
  );
  renderConsole('/routing');
  const user = userEvent.setup({ delay: null });

  const rpm = await screen.findByLabelText('Requests / min · main');
  expect(rpm).toHaveValue('60');
  await user.clear(rpm);
  await user.paste('90');
  await user.click(screen.getByLabelText('Hedging for main'));
  await user.click(screen.getByLabelText('Save the limits of main'));

  await waitFor(() => expect(sent).toBeDefined());
  expect(sent).toEqual({ id: 'p-1', body: { options: { rpm: 90, hedging: false } } });
  expect(await screen.findByText('Limits of main saved.')).toBeInTheDocument();
});

test('with no providers the page says where to add one', async () => {
  signIn('admin');
  server.use(answerProviders([]), answerRouting({ active_provider_id: null, fallback_provider_ids: [] }));
  renderConsole('/routing');

  expect(await screen.findByText(/Add one on the Providers page/)).toBeInTheDocument();
  expect(within(document.body).queryByText('Save routing')).toBeNull();
});
