import { useMutation, useQueryClient } from '@tanstack/react-query';
import { replaceRouting } from '../../../client/sdk.gen';
import type { RoutingBody } from '../../../client/types.gen';
import { providersQuery } from '../../../api/providers';
import { routingQuery } from '../../../api/routing';
import { unwrap } from '../../../lib/apiError';

/** Sets the active provider, the fallbacks in order, and whether pinned requests may fail over. */
export async function saveRouting(routing: RoutingBody): Promise<RoutingBody> {
  return unwrap(replaceRouting({ body: routing }));
}

export function useSaveRouting() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: saveRouting,
    onSuccess: async (routing) => {
      queryClient.setQueryData(routingQuery.queryKey, routing);
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
    },
  });
}
