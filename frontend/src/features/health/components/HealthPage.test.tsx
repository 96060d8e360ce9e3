import { screen, within } from '@testing-library/react';
import { answerHealth, healthRow, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

test('each provider shows its status, latency, failures and last error', async () => {
  signIn('viewer');
  server.use(
    answerHealth([
      healthRow({ provider_id: 'p-1', name: 'main', status: 'healthy', latency_ms: 1234.5 }),
      healthRow({
        provider_id: 'p-2',
        name: 'backup',
        status: 'unhealthy',
        latency_ms: null,
        consecutive_failures: 4,
        circuit: 'open',
        last_error_code: 'UPSTREAM_TIMEOUT',
        last_error: 'The provider did not answer in time.',
      }),
    ]),
  );
  renderConsole('/health');

  const main = within((await screen.findByText('main')).closest('tr') as HTMLElement);
  expect(main.getByText('Healthy')).toBeInTheDocument();
  expect(main.getByText('1,234.5 ms')).toBeInTheDocument();
  expect(main.getByText('Closed')).toBeInTheDocument();

  const backup = within(screen.getByText('backup').closest('tr') as HTMLElement);
  expect(backup.getByText('Unhealthy')).toBeInTheDocument();
  expect(backup.getByText('4')).toBeInTheDocument();
  expect(backup.getByText('Open')).toBeInTheDocument();
  expect(backup.getByText('UPSTREAM_TIMEOUT')).toBeInTheDocument();
  expect(backup.getByText('The provider did not answer in time.')).toBeInTheDocument();
  // The first reading is on the provider's timeline.
  expect(backup.getByLabelText('Status over time').querySelector('[data-status="unhealthy"]')).not.toBeNull();
});

test('with no providers the page says who adds them', async () => {
  signIn('viewer');
  server.use(answerHealth([]));
  renderConsole('/health');

  expect(await screen.findByText(/An admin adds them on the Providers page/)).toBeInTheDocument();
});
