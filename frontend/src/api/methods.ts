import { queryOptions, useQuery } from '@tanstack/react-query';
import { listMethods } from '../client/sdk.gen';
import type { ProviderTypePublic } from '../client/types.gen';
import { unwrap } from '../lib/apiError';

/** The provider catalog, labels in the console's language (refetched when it changes). */
export async function fetchMethods(): Promise<ProviderTypePublic[]> {
  return unwrap(listMethods());
}

export const methodsQuery = queryOptions({
  queryKey: ['llm', 'methods'],
  queryFn: fetchMethods,
  staleTime: 5 * 60_000,
});

export function useMethods() {
  return useQuery(methodsQuery);
}
