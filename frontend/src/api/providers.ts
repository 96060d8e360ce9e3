import { queryOptions, useQuery } from '@tanstack/react-query';
import { listConfigs } from '../client/sdk.gen';
import type { ProviderPublic } from '../client/types.gen';
import { unwrap } from '../lib/apiError';

export async function fetchProviders(): Promise<ProviderPublic[]> {
  return unwrap(listConfigs());
}

export const providersQuery = queryOptions({
  queryKey: ['admin', 'providers'],
  queryFn: fetchProviders,
});

export function useProviders() {
  return useQuery(providersQuery);
}
