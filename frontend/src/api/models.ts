import { queryOptions, useQuery } from '@tanstack/react-query';
import { listModels } from '../client/sdk.gen';
import type { ModelEntryPublic } from '../client/types.gen';
import { unwrap } from '../lib/apiError';

/** The model registry for one provider type: the built-in entries overlaid by the tenant's
 * (names to suggest, context windows, prices and their currency). */
export async function fetchModels(providerType: string): Promise<ModelEntryPublic[]> {
  return unwrap(listModels({ query: { provider_type: providerType } }));
}

export const modelsQuery = (providerType: string | null) =>
  queryOptions({
    queryKey: ['llm', 'models', providerType],
    queryFn: () => fetchModels(providerType ?? ''),
    enabled: providerType !== null,
    staleTime: 5 * 60_000,
  });

export function useModels(providerType: string | null) {
  return useQuery(modelsQuery(providerType));
}
