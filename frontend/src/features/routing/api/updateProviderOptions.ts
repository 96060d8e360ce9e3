import { useMutation, useQueryClient } from '@tanstack/react-query';
import { updateConfig } from '../../../client/sdk.gen';
import type { ProviderPublic } from '../../../client/types.gen';
import { providersQuery } from '../../../api/providers';
import { unwrap } from '../../../lib/apiError';

/** Replaces a provider's options (limits, retries, hedging); nothing else of it changes. */
export async function updateProviderOptions(
  id: string,
  options: Record<string, unknown>,
): Promise<ProviderPublic> {
  return unwrap(updateConfig({ path: { config_id: id }, body: { options } }));
}

export function useUpdateProviderOptions() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, options }: { id: string; options: Record<string, unknown> }) =>
      updateProviderOptions(id, options),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: providersQuery.queryKey }),
  });
}
