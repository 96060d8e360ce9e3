import { useMutation, useQueryClient } from '@tanstack/react-query';
import { activate } from '../../../client/sdk.gen';
import type { RoutingBody } from '../../../client/types.gen';
import { providersQuery } from '../../../api/providers';
import { routingQuery } from '../../../api/routing';
import { unwrap } from '../../../lib/apiError';

export async function activateProvider(id: string): Promise<RoutingBody> {
  return unwrap(activate({ path: { provider_id: id } }));
}

/** Makes a provider the tenant's active one (Turnout validates it first). */
export function useActivateProvider() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: activateProvider,
    onSuccess: async (routing) => {
      queryClient.setQueryData(routingQuery.queryKey, routing);
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
    },
  });
}
