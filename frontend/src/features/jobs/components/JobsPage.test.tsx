import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type { JobPublic } from '../../../client/types.gen';
import { controlledEventStream, sseEvent } from '../../../test/eventStream';
import { answerHealth, healthRow, signIn } from '../../../test/fixtures';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

function job(overrides: Partial<JobPublic> = {}): JobPublic {
  return {
    id: 'job-1',
    kind: 'batch',
    status: 'running',
    total: 4,
    completed: 0,
    failed: 0,
    cancelled: 0,
    running: 1,
    pending: 3,
    progress: 0,
    eta_s: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    cost: 0,
    client_key: 'nightly-run',
    pause_reason: null,
    resume_at: null,
    created_at: '2026-12-01T02:00:00Z',
    started_at: '2026-12-01T02:00:01Z',
    finished_at: null,
    ...overrides,
  };
}

/** A button by its text (role queries over a whole table are slow). */
async function button(text: string | RegExp): Promise<HTMLElement> {
  const found = (await screen.findByText(text)).closest('button');
  if (!found) throw new Error(`no button ${String(text)}`);
  return found;
}

const listOf = (jobs: JobPublic[]) => HttpResponse.json({ data: jobs, next_cursor: null });

test('a running job shows live progress from its event stream and can be cancelled', async () => {
  let current = job();
  const cancels: string[] = [];
  const events = controlledEventStream([
    sseEvent('progress', job()),
    sseEvent('progress', job({ completed: 2, progress: 0.5, eta_s: 4 })),
    sseEvent('progress', job({ completed: 2, failed: 1, progress: 0.75, eta_s: 2 })),
  ]);
  server.use(
    answerHealth([]),
    http.get('*/api/v1/jobs', () => listOf([current])),
    http.get('*/api/v1/jobs/job-1/events', ({ request }) => {
      expect(request.headers.get('Authorization')).toBe('Bearer token-member');
      return events.response();
    }),
    http.post('*/api/v1/jobs/job-1/cancel', () => {
      cancels.push('job-1');
      current = job({ status: 'cancelled', completed: 2, failed: 1, cancelled: 1, progress: 1 });
      return HttpResponse.json(current);
    }),
  );
  signIn('member');
  renderConsole('/jobs');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText('0 done, 0 failed of 4')).toBeInTheDocument();
  events.next();
  expect(await screen.findByText('2 done, 0 failed of 4')).toBeInTheDocument();
  expect(screen.getByText('50 %')).toBeInTheDocument();
  events.next();
  expect(await screen.findByText('2 done, 1 failed of 4')).toBeInTheDocument();
  expect(screen.getByText('75 %')).toBeInTheDocument();

  await user.click(await button('Cancel'));
  await user.click(await button('Cancel job'));

  expect(await screen.findByText('Cancelled')).toBeInTheDocument();
  expect(screen.getByText('2 done, 1 failed of 4')).toBeInTheDocument();
  expect(cancels).toEqual(['job-1']);
  expect(screen.queryByText('Cancel')).not.toBeInTheDocument();
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

test('results are downloaded page by page into one JSONL file', async () => {
  // jsdom has no object URLs and cannot follow a download link: both are recorded instead.
  const saved: Blob[] = [];
  const clicked: string[] = [];
  vi.stubGlobal('URL', Object.assign(class extends URL {}, {
    createObjectURL: (blob: Blob) => {
      saved.push(blob);
      return 'blob:results';
    },
    revokeObjectURL: () => undefined,
  }));
  vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
    clicked.push(this.download);
  });
  const cursors: (string | null)[] = [];
  server.use(
    answerHealth([]),
    http.get('*/api/v1/jobs', () =>
      listOf([job({ status: 'completed', completed: 3, running: 0, pending: 0, progress: 1 })]),
    ),
    http.get('*/api/v1/jobs/job-1/results', ({ request }) => {
      const cursor = new URL(request.url).searchParams.get('cursor');
      cursors.push(cursor);
      return cursor === '0'
        ? new HttpResponse('{"position":0}\n{"position":1}\n', {
            headers: { 'Content-Type': 'application/x-ndjson', 'X-Next-Cursor': '2' },
          })
        : new HttpResponse('{"position":2}\n', { headers: { 'Content-Type': 'application/x-ndjson' } });
    }),
  );
  signIn('viewer');
  renderConsole('/jobs');

  await userEvent.click(await button('Results'));

  await waitFor(() => expect(clicked).toEqual(['job-job-1.jsonl']));
  expect(cursors).toEqual(['0', '2']);
  expect(await saved[0]?.text()).toBe('{"position":0}\n{"position":1}\n{"position":2}\n');
  // A viewer may read jobs but neither upload nor cancel.
  expect(screen.queryByText('Upload a batch')).not.toBeInTheDocument();
});

test('an uploaded JSONL file starts a batch with the chosen model', async () => {
  const uploads: { body: string; type: string | null; model: string | null }[] = [];
  let jobs: JobPublic[] = [];
  server.use(
    answerHealth([healthRow()]),
    http.get('*/api/v1/jobs', () => listOf(jobs)),
    http.get('*/api/v1/jobs/job-2/events', () => new HttpResponse(null, { status: 404 })),
    http.post('*/api/v1/llm/batch/jsonl', async ({ request }) => {
      uploads.push({
        body: await request.text(),
        type: request.headers.get('Content-Type'),
        model: new URL(request.url).searchParams.get('model'),
      });
      jobs = [job({ id: 'job-2', status: 'queued', total: 2, client_key: null })];
      return HttpResponse.json(jobs[0], { status: 201 });
    }),
  );
  signIn('member');
  const { container } = renderConsole('/jobs');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText(/No jobs yet/)).toBeInTheDocument();
  const lines = '{"prompt": "one"}\n{"prompt": "two"}\n';
  const input = container.querySelector<HTMLInputElement>('input[type=file]');
  if (!input) throw new Error('no file input');
  await user.upload(input, new File([lines], 'questions.jsonl', { type: 'application/x-ndjson' }));
  await user.click(screen.getByLabelText('Model for the batch'));
  await user.paste('gpt-4o-mini');
  await user.click(await button('Start batch'));

  expect(await screen.findByText('Batch started with 2 item(s).')).toBeInTheDocument();
  expect(uploads).toEqual([{ body: lines, type: 'application/x-ndjson', model: 'gpt-4o-mini' }]);
  expect(await screen.findByText('0 done, 0 failed of 2')).toBeInTheDocument();
});
