import { queryOptions, useQuery } from '@tanstack/react-query';
import { listModels } from '../../../client/sdk.gen';
import type { ModelEntryPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** Every entry of the registry: the catalog's built-in models overlaid by the tenant's own. */
export async function fetchModelRegistry(): Promise<ModelEntryPublic[]> {
  return unwrap(listModels());
}

// A prefix of the per-type keys other pages use, so invalidating it refreshes them too.
export const MODELS_KEY = ['llm', 'models'] as const;

export const modelRegistryQuery = queryOptions({
  queryKey: MODELS_KEY,
  queryFn: fetchModelRegistry,
});

export function useModelRegistry() {
  return useQuery(modelRegistryQuery);
}
