import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { UsageFigures, UsageGroup, UsageReport } from '../../../client/types.gen';
import { answerHealth, healthRow, signIn } from '../../../test/fixtures';
import { giveChartsASize } from '../../../test/layout';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

function figures(requests: number, errors: number, overrides: Partial<UsageFigures> = {}): UsageFigures {
  return {
    requests,
    errors,
    error_rate: requests ? errors / requests : 0,
    total_tokens: requests * 100,
    cost: requests * 0.002,
    cache_hits: 0,
    cache_hit_rate: 0,
    latency_ms: { p50: 120, p95: 480, p99: 910 },
    ...overrides,
  };
}

const group = (key: string, requests: number, errors: number): UsageGroup => ({
  key,
  ...figures(requests, errors),
});

giveChartsASize();

const REPORT: UsageReport = {
  from: '2026-11-24T00:00:00Z',
  to: '2026-12-01T00:00:00Z',
  clipped: false,
  totals: figures(30, 3, { cache_hits: 6, cache_hit_rate: 0.2 }),
  by_provider: [group('p-1', 20, 1), group('p-2', 10, 2)],
  by_model: [group('gpt-4o-mini', 30, 3)],
  by_day: [group('2026-11-29', 12, 1), group('2026-11-30', 18, 2)],
};

test('the report for the chosen range is shown as totals, daily lines and bars per provider', async () => {
  const asked: URLSearchParams[] = [];
  server.use(
    answerHealth([healthRow({ provider_id: 'p-1', name: 'main' }), healthRow({ provider_id: 'p-2', name: 'backup' })]),
    http.get('*/api/v1/llm/usage', ({ request }) => {
      asked.push(new URL(request.url).searchParams);
      return HttpResponse.json(REPORT);
    }),
  );
  signIn('viewer');
  const { container } = renderConsole('/usage');

  expect(await screen.findByText('Latency p50 / p95 / p99')).toBeInTheDocument();
  expect(screen.getByText('120 ms / 480 ms / 910 ms')).toBeInTheDocument();
  expect(screen.getByText('3 (10 %)')).toBeInTheDocument();
  expect(screen.getByText('20 %')).toBeInTheDocument();
  // Seven days ending today: the range asked for spans exactly seven days.
  const params = asked[0];
  const span = Date.parse(params?.get('to') ?? '') - Date.parse(params?.get('from') ?? '');
  expect(span).toBe(7 * 24 * 3600 * 1000);

  // Requests and errors: one line each over two days, one bar each for two providers.
  const count = (selector: string) => container.querySelectorAll(selector).length;
  await waitFor(() => expect(count('.recharts-line')).toBe(2));
  expect(count('.recharts-bar-rectangle')).toBe(4);
  const table = screen.getByRole('table');
  expect(within(table).getByText('main')).toBeInTheDocument();
  expect(within(table).getByText('backup')).toBeInTheDocument();

  await userEvent.click(screen.getByText('Latency percentiles'));
  await waitFor(() => expect(count('.recharts-line')).toBe(3));
  expect(count('.recharts-bar-rectangle')).toBe(6);

  await userEvent.click(screen.getByText('Model'));
  expect(within(screen.getByRole('table')).getByText('gpt-4o-mini')).toBeInTheDocument();
  await waitFor(() => expect(count('.recharts-bar-rectangle')).toBe(3));
});

test('a range without requests says how to get some', async () => {
  server.use(
    answerHealth([]),
    http.get('*/api/v1/llm/usage', () =>
      HttpResponse.json({ ...REPORT, totals: figures(0, 0), by_provider: [], by_model: [], by_day: [] }),
    ),
  );
  signIn('viewer');
  renderConsole('/usage');

  expect(await screen.findByText(/No requests in this range/)).toBeInTheDocument();
});
