import { queryOptions, useQuery } from '@tanstack/react-query';
import { readRouting } from '../client/sdk.gen';
import type { RoutingBody } from '../client/types.gen';
import { unwrap } from '../lib/apiError';

export async function fetchRouting(): Promise<RoutingBody> {
  return unwrap(readRouting());
}

export const routingQuery = queryOptions({
  queryKey: ['llm', 'routing'],
  queryFn: fetchRouting,
});

export function useRouting() {
  return useQuery(routingQuery);
}
