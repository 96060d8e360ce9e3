import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteConfig } from '../../../client/sdk.gen';
import { healthQuery } from '../../../api/health';
import { providersQuery } from '../../../api/providers';
import { routingQuery } from '../../../api/routing';
import { unwrap } from '../../../lib/apiError';

/** Deletes a provider config; Turnout refuses (409, with the reason) for the active one. */
export async function deleteProvider(id: string): Promise<void> {
  await unwrap(deleteConfig({ path: { config_id: id } }));
}

export function useDeleteProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteProvider,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: routingQuery.queryKey });
      await queryClient.invalidateQueries({ queryKey: healthQuery.queryKey });
    },
  });
}
