import { useMutation, useQueryClient } from '@tanstack/react-query';
import { updateConfig } from '../../../client/sdk.gen';
import type { ProviderPublic, ProviderWrite } from '../../../client/types.gen';
import { healthQuery } from '../../../api/health';
import { providersQuery } from '../../../api/providers';
import { unwrap } from '../../../lib/apiError';

/** Changes what `payload` names; a payload without `api_key` keeps the stored key. */
export async function updateProvider(id: string, payload: ProviderWrite): Promise<ProviderPublic> {
  return unwrap(updateConfig({ path: { config_id: id }, body: payload }));
}

export function useUpdateProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, payload }: { id: string; payload: ProviderWrite }) =>
      updateProvider(id, payload),
    // The Health page lists every provider under its name: it must not wait for its next poll.
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: healthQuery.queryKey });
    },
  });
}
