import { queryOptions, useQuery } from '@tanstack/react-query';
import { readHealth } from '../client/sdk.gen';
import type { ProviderHealthPublic } from '../client/types.gen';
import { unwrap } from '../lib/apiError';

/** How often the console asks again: the health dot and the Health page stay live. */
export const HEALTH_POLL_MS = 10_000;

export async function fetchHealth(): Promise<ProviderHealthPublic[]> {
  return unwrap(readHealth());
}

export const healthQuery = queryOptions({
  queryKey: ['llm', 'health'],
  queryFn: fetchHealth,
  refetchInterval: HEALTH_POLL_MS,
});

export function useHealth() {
  return useQuery(healthQuery);
}
