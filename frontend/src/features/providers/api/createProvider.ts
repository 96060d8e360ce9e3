import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createConfig } from '../../../client/sdk.gen';
import type { ProviderPublic, ProviderWrite } from '../../../client/types.gen';
import { healthQuery } from '../../../api/health';
import { providersQuery } from '../../../api/providers';
import { unwrap } from '../../../lib/apiError';

export async function createProvider(payload: ProviderWrite): Promise<ProviderPublic> {
  return unwrap(createConfig({ body: payload }));
}

export function useCreateProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createProvider,
    // The Health page lists every provider under its name: it must not wait for its next poll.
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: healthQuery.queryKey });
    },
  });
}
