import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createKey as createKeyCall } from '../../../client/sdk.gen';
import type { ApiKeyCreate, ApiKeyCreated } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { keysQuery } from './keyList';

/** A new key; its plaintext is in this answer only and cannot be asked for again. */
export async function createKey(payload: ApiKeyCreate): Promise<ApiKeyCreated> {
  return unwrap(createKeyCall({ body: payload }));
}

export function useCreateKey() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createKey,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: keysQuery.queryKey }),
  });
}
