import type { AttemptPublic } from '../client/types.gen';

/** One field the server refused, with its message in the request's language. */
export interface FieldIssue {
  field: string;
  code: string;
  message: string;
}

interface Envelope {
  error?: { code?: string; message?: string; details?: Record<string, unknown>; request_id?: string };
}

/** A refusal from Turnout, read from its error envelope. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly requestId: string;
  readonly fields: FieldIssue[];
  /** Each provider tried, with what it answered, when every one failed (ALL_PROVIDERS_FAILED). */
  readonly attempts: AttemptPublic[];

  constructor(status: number, body: unknown) {
    const inner = (body as Envelope | null)?.error;
    super(inner?.message ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = inner?.code ?? 'HTTP_ERROR';
    this.requestId = inner?.request_id ?? '';
    const fields = inner?.details?.fields;
    this.fields = Array.isArray(fields) ? (fields as FieldIssue[]) : [];
    const attempts = inner?.details?.attempts;
    this.attempts = Array.isArray(attempts) ? (attempts as AttemptPublic[]) : [];
  }
}

interface SdkResult<T> {
  data?: T;
  error?: unknown;
  response?: Response;
}

/** The data of a generated client call, or its refusal thrown as an ApiError. */
export async function unwrap<T>(call: Promise<SdkResult<T>>): Promise<T> {
  const { data, error, response } = await call;
  if (response && !response.ok) {
    throw new ApiError(response.status, error);
  }
  if (error !== undefined) {
    throw new ApiError(response?.status ?? 0, error);
  }
  return data as T;
}
