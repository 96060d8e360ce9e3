import { http, HttpResponse } from 'msw';
import type { ProviderHealthPublic, ProviderPublic, ProviderTypePublic, Role, RoutingBody } from '../client/types.gen';
import catalogJson from './catalog.json';
import { startSession } from '../lib/session';

const catalog = catalogJson as unknown as Record<'en-US' | 'zh-CN', ProviderTypePublic[]>;

export function signIn(role: Role, token = `token-${role}`): void {
  startSession({ token, username: `${role}-user`, role, expiresAt: Date.now() + 3_600_000 });
}

/** Turnout's error envelope, as its handler writes it. */
export function envelope(status: number, code: string, message: string, details = {}) {
  return HttpResponse.json({ error: { code, message, details, request_id: 'req-1' } }, { status });
}

export function healthRow(overrides: Partial<ProviderHealthPublic> = {}): ProviderHealthPublic {
  return {
    provider_id: 'p-1',
    name: 'main',
    provider_type: 'openai',
    enabled: true,
    status: 'healthy',
    last_check_at: '2026-12-01T02:00:00Z',
    last_success_at: '2026-12-01T02:00:00Z',
    latency_ms: 120.5,
    consecutive_failures: 0,
    consecutive_successes: 3,
    last_error_code: null,
    last_error: null,
    circuit: 'closed',
    ...overrides,
  };
}

export const answerHealth = (rows: ProviderHealthPublic[]) =>
  http.get('*/api/v1/llm/health', () => HttpResponse.json(rows));

/** Two entries of Turnout's real catalog (GET /api/v1/llm/methods), in both languages. */
export const answerMethods = () =>
  http.get('*/api/v1/llm/methods', ({ request }) =>
    HttpResponse.json(
      request.headers.get('Accept-Language') === 'zh-CN' ? catalog['zh-CN'] : catalog['en-US'],
    ),
  );

export function providerRow(overrides: Partial<ProviderPublic> = {}): ProviderPublic {
  return {
    id: 'p-1',
    name: 'main',
    provider_type: 'openai',
    deployment_mode: 'cloud',
    base_url: null,
    api_key: 'sk-…a1b2',
    has_api_key: true,
    models: { chat: 'gpt-4o-mini' },
    options: {},
    extra: {},
    enabled: true,
    is_active: false,
    created_at: '2026-12-01T00:00:00Z',
    updated_at: '2026-12-01T00:00:00Z',
    last_test: null,
    ...overrides,
  };
}

export const answerRouting = (routing: RoutingBody) =>
  http.get('*/api/v1/llm/routing', () => HttpResponse.json(routing));

export const answerProviders = (rows: ProviderPublic[]) =>
  http.get('*/admin/config/llm', () => HttpResponse.json(rows));
