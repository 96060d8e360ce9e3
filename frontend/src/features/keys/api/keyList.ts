import { queryOptions, useQuery } from '@tanstack/react-query';
import { listKeys } from '../../../client/sdk.gen';
import type { ApiKeyPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export async function fetchKeys(): Promise<ApiKeyPublic[]> {
  return unwrap(listKeys());
}

export const keysQuery = queryOptions({
  queryKey: ['keys', 'list'],
  queryFn: fetchKeys,
});

/** The tenant's API keys, revoked ones included, oldest first (only prefixes, never the key). */
export function useKeys() {
  return useQuery(keysQuery);
}
