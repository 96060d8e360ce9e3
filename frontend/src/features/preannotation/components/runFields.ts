import type {
  AnnotationProjectPublic,
  AnnotationProjectUpdate,
  PreannotationSelection,
  PreannotationSettings,
} from '../../../client/types.gen';
import type { FieldIssue } from '../../../lib/apiError';

/** What the run form holds: where the project is, and how to pre-annotate it. */
export interface RunFields {
  url: string;
  token: string;
  lsProjectId: number | null;
  onlyUnlabeled: boolean;
  providerId: string | null;
  model: string;
  instructions: string;
  examples: number | null;
  agreementSamples: number | null;
  allOccurrences: boolean;
  maxTokens: number | null;
}

export const EMPTY_RUN: RunFields = {
  url: '',
  token: '',
  lsProjectId: null,
  onlyUnlabeled: false,
  providerId: null,
  model: '',
  instructions: '',
  examples: null,
  agreementSamples: null,
  allOccurrences: false,
  maxTokens: null,
};

const asNumber = (value: unknown): number | null => (typeof value === 'number' ? value : null);

/**
 * A known project's place and choices, as the form shows them (the token is never returned).
 * The URL is the stored connection's; a project only Label Studio's model setup named has
 * none, and its origin is then a host name, not an address to connect to.
 */
export function fieldsOf(project: AnnotationProjectPublic): Partial<RunFields> {
  const settings = project.settings;
  return {
    url: project.label_studio_url ?? (/^https?:\/\//.test(project.origin) ? project.origin : ''),
    lsProjectId: project.ls_project_id,
    providerId: project.provider_id,
    model: project.model ?? '',
    instructions: project.instructions ?? '',
    examples: asNumber(settings.examples),
    agreementSamples: asNumber(settings.agreement_samples),
    allOccurrences: settings.all_occurrences === true,
    maxTokens: asNumber(settings.max_tokens),
  };
}

function settingsOf(fields: RunFields): PreannotationSettings | undefined {
  const settings: PreannotationSettings = {};
  if (fields.examples !== null) settings.examples = fields.examples;
  if (fields.agreementSamples !== null) settings.agreement_samples = fields.agreementSamples;
  if (fields.allOccurrences) settings.all_occurrences = true;
  if (fields.maxTokens !== null) settings.max_tokens = fields.maxTokens;
  return Object.keys(settings).length ? settings : undefined;
}

/** The body of an estimate or a job: blank choices are left out, so the project's own apply. */
export function selectionOf(fields: RunFields): PreannotationSelection {
  const model = fields.model.trim();
  const instructions = fields.instructions.trim();
  return {
    label_studio_url: fields.url.trim(),
    api_token: fields.token.trim(),
    project_id: fields.lsProjectId ?? 0,
    only_unlabeled: fields.onlyUnlabeled,
    ...(fields.providerId ? { provider_id: fields.providerId } : {}),
    ...(model ? { model } : {}),
    ...(instructions ? { instructions } : {}),
    ...(settingsOf(fields) ? { settings: settingsOf(fields) } : {}),
  };
}

/** The body of an admin's save: a blank provider, model or instructions is cleared. */
export function choicesOf(fields: RunFields): AnnotationProjectUpdate {
  const settings = settingsOf(fields);
  return {
    provider_id: fields.providerId || null,
    model: fields.model.trim() || null,
    instructions: fields.instructions.trim() || null,
    ...(settings ? { settings } : {}),
  };
}

// The server names a body's fields as the API does; the form's own names differ.
const FORM_FIELD: Record<string, keyof RunFields> = {
  label_studio_url: 'url',
  api_token: 'token',
  project_id: 'lsProjectId',
  provider_id: 'providerId',
  model: 'model',
  instructions: 'instructions',
  'settings.examples': 'examples',
  'settings.agreement_samples': 'agreementSamples',
  'settings.all_occurrences': 'allOccurrences',
  'settings.max_tokens': 'maxTokens',
};

/** The server's field issues placed on the form's fields (those it has a field for). */
export function placeIssues(issues: FieldIssue[]) {
  return issues.flatMap((issue) => {
    const name = FORM_FIELD[issue.field];
    return name ? [{ name, errors: [issue.message] }] : [];
  });
}
