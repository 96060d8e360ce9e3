import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import type {
  AnnotationProjectPublic,
  JobPublic,
  PreannotationEstimate,
  VersionMetrics,
} from '../../../client/types.gen';
import i18n from '../../../i18n/i18n';
import { answerHealth, envelope, healthRow, signIn } from '../../../test/fixtures';
import { giveChartsASize } from '../../../test/layout';
import { renderConsole } from '../../../test/render';
import { server } from '../../../test/server';

giveChartsASize();

type User = ReturnType<typeof userEvent.setup>;

function project(overrides: Partial<AnnotationProjectPublic> = {}): AnnotationProjectPublic {
  return {
    id: 'proj-1',
    origin: 'http://labelstudio:8080',
    ls_project_id: 12,
    has_connection: true,
    label_studio_url: 'http://labelstudio:8080',
    provider_id: null,
    model: null,
    instructions: null,
    settings: {},
    created_at: '2026-12-01T01:00:00Z',
    updated_at: '2026-12-01T01:00:00Z',
    ...overrides,
  };
}

const ESTIMATE: PreannotationEstimate = {
  tasks: 1000,
  unreadable_tasks: 0,
  prompt_tokens: 412000,
  completion_tokens: 36000,
  total_tokens: 448000,
  calls_per_task: 1,
  provider_id: 'p-1',
  provider_type: 'openai',
  model: 'gpt-4o-mini',
  model_version: 'turnout:main/gpt-4o-mini:3f2a',
  cost: 0.0834,
  currency: 'USD',
};

function job(): JobPublic {
  return {
    id: 'job-7',
    kind: 'preannotation',
    status: 'queued',
    total: 1000,
    completed: 0,
    failed: 0,
    cancelled: 0,
    running: 0,
    pending: 1000,
    progress: 0,
    eta_s: null,
    usage: { prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    cost: 0,
    client_key: 'key',
    pause_reason: null,
    resume_at: null,
    created_at: '2026-12-01T02:00:00Z',
    started_at: null,
    finished_at: null,
  };
}

function version(overrides: Partial<VersionMetrics> = {}): VersionMetrics {
  return {
    project_id: 'proj-1',
    ls_project_id: 12,
    model_version: 'turnout:main/gpt-4o-mini:3f2a',
    first_predicted_at: '2026-11-30T09:00:00Z',
    last_predicted_at: '2026-11-30T10:30:00Z',
    predictions: { completed: 200, failed: 3 },
    annotations: { total: 50, accepted: 41, acceptance_rate: 0.82 },
    labels: [
      { from_name: 'sentiment', label: 'Positive', tp: 30, fp: 4, fn: 2, precision: 0.8824, recall: 0.9375, f1: 0.9091, accuracy: 0.8333 },
      { from_name: 'sentiment', label: 'Negative', tp: 11, fp: 5, fn: 3, precision: 0.6875, recall: 0.7857, f1: 0.7333, accuracy: 0.5789 },
    ],
    calibration: {
      fitted: true,
      method: 'platt',
      samples: 50,
      ece_before: 0.142,
      ece_after: 0.031,
      brier_before: 0.19,
      brier_after: 0.12,
      reliability_before: [
        { lower: 0.5, upper: 0.6, count: 10, mean_score: 0.55, accuracy: 0.4 },
        { lower: 0.9, upper: 1, count: 40, mean_score: 0.95, accuracy: 0.85 },
      ],
      reliability_after: [
        { lower: 0.4, upper: 0.5, count: 10, mean_score: 0.42, accuracy: 0.4 },
        { lower: 0.8, upper: 0.9, count: 40, mean_score: 0.86, accuracy: 0.85 },
      ],
    },
    threshold: {
      target_accuracy: 0.9,
      threshold: 0.72,
      accuracy: 0.91,
      labelled_tasks: 50,
      labelled_coverage: 0.7,
      tasks_above: 128,
      task_coverage: 0.64,
    },
    ...overrides,
  };
}

const answerModels = () =>
  http.get('*/api/v1/llm/models', () =>
    HttpResponse.json([
      { provider_type: 'openai', model: 'gpt-4o-mini', kind: 'chat', currency: 'USD', id: null, builtin: true },
    ]),
  );

/** A button by its text (role queries over a whole page are slow). */
async function button(text: string | RegExp): Promise<HTMLButtonElement> {
  const found = (await screen.findByText(text)).closest('button');
  if (!found) throw new Error(`no button ${String(text)}`);
  return found;
}

async function choose(user: User, label: string, option: string) {
  await user.click(screen.getByLabelText(label));
  const choices = await screen.findAllByText(option, {
    selector: '.ant-select-item-option-content *, .ant-select-item-option-content',
  });
  const last = choices[choices.length - 1];
  if (!last) throw new Error(`no option ${option}`);
  await user.click(last);
}

async function type(user: User, label: string, text: string) {
  await user.click(screen.getByLabelText(label));
  await user.paste(text);
}

async function connect(user: User) {
  await type(user, 'Label Studio URL', 'http://labelstudio:8080');
  await type(user, 'API token', 'ls-token-1234');
  await type(user, 'Project id', '12');
}

test('a member connects a project, sees the estimate, then starts the job with the same selection', async () => {
  const estimates: unknown[] = [];
  const starts: Record<string, unknown>[] = [];
  let projects: AnnotationProjectPublic[] = [];
  server.use(
    answerHealth([healthRow()]),
    answerModels(),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects })),
    http.get('*/api/v1/preannotation/metrics', () => HttpResponse.json({ versions: [] })),
    http.post('*/api/v1/preannotation/estimate', async ({ request }) => {
      estimates.push(await request.json());
      projects = [project({ provider_id: 'p-1', model: 'gpt-4o-mini', instructions: 'Sarcasm is Negative.' })];
      return HttpResponse.json(ESTIMATE);
    }),
    http.post('*/api/v1/preannotation/jobs', async ({ request }) => {
      starts.push((await request.json()) as Record<string, unknown>);
      return HttpResponse.json(job(), { status: 201 });
    }),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText(/No Label Studio project yet/)).toBeInTheDocument();
  expect((await button('Start pre-annotation')).disabled).toBe(true);
  await connect(user);
  await choose(user, 'Provider', 'main');
  await type(user, 'Model', 'gpt-4o-mini');
  await type(user, 'Instructions', 'Sarcasm is Negative.');
  await user.click(screen.getByLabelText('Only tasks nobody has annotated yet'));
  await user.click(await button('Estimate cost'));

  expect(await screen.findByText('$0.0834')).toBeInTheDocument();
  expect(screen.getByText('1,000')).toBeInTheDocument();
  expect(screen.getByText('412,000 prompt + 36,000 completion = 448,000')).toBeInTheDocument();
  const selection = {
    label_studio_url: 'http://labelstudio:8080',
    api_token: 'ls-token-1234',
    project_id: 12,
    only_unlabeled: true,
    provider_id: 'p-1',
    model: 'gpt-4o-mini',
    instructions: 'Sarcasm is Negative.',
  };
  expect(estimates).toEqual([selection]);
  // The project the server now knows is picked, and its (empty) report shown.
  expect(await screen.findByText(/No predictions for this project yet/)).toBeInTheDocument();

  await user.click(await button('Start pre-annotation'));

  expect(await screen.findByText('Pre-annotation started for 1,000 task(s).')).toBeInTheDocument();
  expect(screen.getByText('Follow its progress on the Jobs page').closest('a')?.getAttribute('href')).toBe('/jobs');
  expect(starts).toEqual([{ ...selection, client_key: expect.any(String) }]);
  expect((await button('Start pre-annotation')).disabled).toBe(true);
  // Saving a project's choices without a run is for admins.
  expect(screen.queryByText('Save for this project')).not.toBeInTheDocument();
});

test('an admin finds the last project filled in and saves its choices without a run', async () => {
  const saved: unknown[] = [];
  const stored = project({ provider_id: 'p-1', model: 'gpt-4o-mini', instructions: 'Old rules.', settings: { examples: 3 } });
  server.use(
    answerHealth([healthRow()]),
    answerModels(),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [stored] })),
    http.get('*/api/v1/preannotation/metrics', () => HttpResponse.json({ versions: [] })),
    http.put('*/api/v1/preannotation/projects/proj-1', async ({ request }) => {
      saved.push(await request.json());
      return HttpResponse.json({ ...stored, instructions: 'Sarcasm is Negative.' });
    }),
  );
  signIn('admin');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  await waitFor(() => expect(screen.getByLabelText('Instructions')).toHaveValue('Old rules.'));
  expect(screen.getByLabelText('Label Studio URL')).toHaveValue('http://labelstudio:8080');
  expect(screen.getByLabelText('Project id')).toHaveValue('12');
  await user.clear(screen.getByLabelText('Instructions'));
  await type(user, 'Instructions', 'Sarcasm is Negative.');
  await user.click(await button('Save for this project'));

  expect(await screen.findByText("The project's choices are saved.")).toBeInTheDocument();
  expect(saved).toEqual([
    { provider_id: 'p-1', model: 'gpt-4o-mini', instructions: 'Sarcasm is Negative.', settings: { examples: 3 } },
  ]);
});

test('a refused start shows the server’s message and what to do about it', async () => {
  server.use(
    answerHealth([healthRow()]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [] })),
    http.post('*/api/v1/preannotation/estimate', () =>
      HttpResponse.json({ ...ESTIMATE, provider_id: null, provider_type: null, model: null, cost: null, currency: null }),
    ),
    http.post('*/api/v1/preannotation/jobs', () =>
      envelope(422, 'LABEL_STUDIO_REFUSED', 'Label Studio refused the access token; check that it is valid and may use this project.'),
    ),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  await connect(user);
  await user.click(await button('Estimate cost'));
  expect(await screen.findByText('unknown (no price for this model in the registry)')).toBeInTheDocument();
  await user.click(await button('Start pre-annotation'));

  const alert = await screen.findByRole('alert');
  expect(within(alert).getByText(/Label Studio refused the access token/)).toBeInTheDocument();
  expect(within(alert).getByText(/Copy the token again from Label Studio/)).toBeInTheDocument();
  expect(screen.queryByText(/Pre-annotation started/)).not.toBeInTheDocument();
});

test('an estimate refused for its URL names the blocked address and says what to do', async () => {
  server.use(
    answerHealth([]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [] })),
    http.post('*/api/v1/preannotation/estimate', () =>
      envelope(422, 'OUTBOUND_URL_BLOCKED', 'The URL http://169.254.169.254 points to a blocked address (a cloud metadata service).'),
    ),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  await type(user, 'Label Studio URL', 'http://169.254.169.254');
  await type(user, 'API token', 'ls-token-1234');
  await type(user, 'Project id', '3');
  await user.click(await button('Estimate cost'));

  expect(await screen.findByText(/points to a blocked address \(a cloud metadata service\)/)).toBeInTheDocument();
  expect(screen.getByText(/ask an administrator to allow Label Studio's network/)).toBeInTheDocument();
  expect((await button('Start pre-annotation')).disabled).toBe(true);
});

test('metrics show accuracy per label, calibration and the threshold for the chosen target', async () => {
  const targets: (string | null)[] = [];
  server.use(
    answerHealth([]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [project()] })),
    http.get('*/api/v1/preannotation/metrics', ({ request }) => {
      const params = new URL(request.url).searchParams;
      expect(params.get('project_id')).toBe('proj-1');
      const target = params.get('target_accuracy');
      targets.push(target);
      return HttpResponse.json({
        versions: [
          target === '0.95'
            ? version({
                threshold: {
                  target_accuracy: 0.95,
                  threshold: 0.85,
                  accuracy: 0.96,
                  labelled_tasks: 50,
                  labelled_coverage: 0.46,
                  tasks_above: 80,
                  task_coverage: 0.4,
                },
              })
            : version(),
        ],
      });
    }),
  );
  signIn('viewer');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText('Accuracy per label')).toBeInTheDocument();
  expect(screen.getByText('Negative')).toBeInTheDocument();
  expect(screen.getByText('57.9 %')).toBeInTheDocument(); // Negative's accuracy
  expect(screen.getAllByText('82 %').length).toBeGreaterThan(0); // acceptance
  expect(screen.getByText('0.142 → 0.031')).toBeInTheDocument(); // ECE before → after
  expect(screen.getByText('Platt')).toBeInTheDocument();
  expect(screen.getByText('0.72')).toBeInTheDocument();
  expect(screen.getByText('64 % (128 tasks)')).toBeInTheDocument();
  expect(document.querySelector('.recharts-reference-line')).not.toBeNull();

  const target = screen.getByLabelText('Target accuracy');
  await user.clear(target);
  await user.type(target, '95{Enter}');

  expect(await screen.findByText('0.85')).toBeInTheDocument();
  expect(screen.getByText('40 % (80 tasks)')).toBeInTheDocument();
  expect(targets).toEqual(['0.9', '0.95']);
  // A viewer reads reports, but neither runs jobs nor pulls annotations.
  expect(screen.queryByText('Estimate cost')).not.toBeInTheDocument();
  expect(screen.queryByText('Pull annotations')).not.toBeInTheDocument();
});

test('without human labels the report says to pull annotations, and pulling fills it', async () => {
  let pulled = 0;
  server.use(
    answerHealth([]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [project()] })),
    http.get('*/api/v1/preannotation/metrics', () =>
      HttpResponse.json({
        versions: [
          pulled
            ? version()
            : version({
                annotations: { total: 0, accepted: 0, acceptance_rate: null },
                labels: [],
                calibration: { fitted: false, method: null, samples: 0, reliability_before: [], reliability_after: [] },
                threshold: { target_accuracy: 0.9, threshold: null, labelled_tasks: 0 },
              }),
        ],
      }),
    ),
    http.post('*/api/v1/preannotation/projects/proj-1/pull', () => {
      pulled += 1;
      return HttpResponse.json({ annotations: 50 });
    }),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText(/No human labels yet: pull annotations from Label Studio/)).toBeInTheDocument();
  const pullButtons = await screen.findAllByText('Pull annotations');
  const last = pullButtons[pullButtons.length - 1]?.closest('button');
  if (!last) throw new Error('no pull button');
  await user.click(last);

  expect(await screen.findByText('Read 50 annotation(s) from Label Studio.')).toBeInTheDocument();
  expect(await screen.findByText('Accuracy per label')).toBeInTheDocument();
  await waitFor(() => expect(screen.queryByText(/No human labels yet/)).not.toBeInTheDocument());
  expect(pulled).toBe(1);
});

/** A moment as the console writes it in `language` (the browser's time zone). */
function moment(value: string, language: string): string {
  return new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(value));
}

test('the estimate shows its cost in the currency the registry prices the model in, per language', async () => {
  server.use(
    answerHealth([healthRow()]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [] })),
    http.post('*/api/v1/preannotation/estimate', () =>
      HttpResponse.json({ ...ESTIMATE, provider_type: 'deepseek', model: 'deepseek-chat', currency: 'CNY' }),
    ),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  await connect(user);
  await user.click(await button('Estimate cost'));
  expect(await screen.findByText('CN¥0.0834')).toBeInTheDocument();
  await i18n.changeLanguage('zh-CN');
  expect(await screen.findByText('¥0.0834')).toBeInTheDocument();
});

test('model versions are listed newest first with when each predicted, in the chosen language', async () => {
  const older = version({
    model_version: 'turnout:main/gpt-4o-mini:3f2a',
    first_predicted_at: '2026-11-02T08:00:00Z',
    last_predicted_at: '2026-11-03T09:15:00Z',
  });
  const newer = version({
    model_version: 'turnout:main/gpt-4o:9c1d',
    annotations: { total: 0, accepted: 0, acceptance_rate: null },
    first_predicted_at: '2026-11-28T14:00:00Z',
    last_predicted_at: '2026-11-29T16:45:00Z',
  });
  server.use(
    answerHealth([]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [project()] })),
    http.get('*/api/v1/preannotation/metrics', () => HttpResponse.json({ versions: [newer, older] })),
  );
  signIn('viewer');
  renderConsole('/preannotation');

  expect((await screen.findAllByText('First prediction')).length).toBeGreaterThan(0);
  const rows = () => [...document.querySelectorAll('tbody tr')].filter((row) => row.querySelector('code'));
  expect(rows().map((row) => row.querySelector('code')?.textContent)).toEqual([
    'turnout:main/gpt-4o:9c1d',
    'turnout:main/gpt-4o-mini:3f2a',
  ]);
  const [first, second] = rows();
  if (!first || !second) throw new Error('no version rows');
  expect(within(first as HTMLElement).getByText(moment(newer.first_predicted_at, 'en-US'))).toBeInTheDocument();
  expect(within(first as HTMLElement).getByText(moment(newer.last_predicted_at, 'en-US'))).toBeInTheDocument();
  expect(within(second as HTMLElement).getByText(moment(older.last_predicted_at, 'en-US'))).toBeInTheDocument();

  await i18n.changeLanguage('zh-CN');
  expect((await screen.findAllByText('首次预测')).length).toBeGreaterThan(0);
  const [firstInChinese] = rows();
  expect(
    within(firstInChinese as HTMLElement).getByText(moment(newer.last_predicted_at, 'zh-CN')),
  ).toBeInTheDocument();
});

test('a project only Label Studio\'s model setup named warns that it cannot be pulled, and a connected one fills in its URL', async () => {
  const pulls: string[] = [];
  const named = project({
    id: 'proj-ml',
    origin: 'labelstudio.internal',
    ls_project_id: 7,
    has_connection: false,
    label_studio_url: null,
  });
  const connected = project({ id: 'proj-1', origin: 'https://ls.example.com', label_studio_url: 'https://ls.example.com' });
  server.use(
    answerHealth([]),
    http.get('*/api/v1/preannotation/projects', () => HttpResponse.json({ projects: [named, connected] })),
    http.get('*/api/v1/preannotation/metrics', () =>
      HttpResponse.json({ versions: [version({ annotations: { total: 0, accepted: 0, acceptance_rate: null } })] }),
    ),
    http.post('*/api/v1/preannotation/projects/:id/pull', ({ params }) => {
      pulls.push(String(params.id));
      return HttpResponse.json({ annotations: 0 });
    }),
  );
  signIn('member');
  renderConsole('/preannotation');
  const user = userEvent.setup({ delay: null });

  expect(await screen.findByText('No Label Studio connection is stored for this project')).toBeInTheDocument();
  await waitFor(() => expect(screen.getByLabelText('Project id')).toHaveValue('7'));
  expect(screen.getByLabelText('Label Studio URL')).toHaveValue(''); // a host name is no address
  for (const pull of await screen.findAllByText('Pull annotations')) {
    expect(pull.closest('button')?.disabled).toBe(true);
  }

  await choose(user, 'Project', '#12 · https://ls.example.com');
  await waitFor(() => expect(screen.getByLabelText('Label Studio URL')).toHaveValue('https://ls.example.com'));
  await waitFor(() =>
    expect(screen.queryByText('No Label Studio connection is stored for this project')).not.toBeInTheDocument(),
  );
  const enabled = (await screen.findAllByText('Pull annotations')).map((pull) => pull.closest('button'));
  expect(enabled.every((pull) => pull?.disabled === false)).toBe(true);
  const last = enabled[enabled.length - 1];
  if (!last) throw new Error('no pull button');
  await user.click(last);
  await waitFor(() => expect(pulls).toEqual(['proj-1']));
});
