import { useMutation, useQueryClient } from '@tanstack/react-query';
import { revokeKey as revokeKeyCall } from '../../../client/sdk.gen';
import type { ApiKeyPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { keysQuery } from './keyList';

/** Revokes a key at once: requests carrying it are refused from then on. */
export async function revokeKey(id: string): Promise<ApiKeyPublic> {
  return unwrap(revokeKeyCall({ path: { key_id: id } }));
}

export function useRevokeKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: revokeKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keysQuery.queryKey }),
  });
}
