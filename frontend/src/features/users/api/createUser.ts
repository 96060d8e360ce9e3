import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createUser as createUserCall } from '../../../client/sdk.gen';
import type { UserCreate, UserPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { usersQuery } from './userList';

/** A new user of the tenant; Turnout refuses a taken username or a weak password by field. */
export async function createUser(payload: UserCreate): Promise<UserPublic> {
  return unwrap(createUserCall({ body: payload }));
}

export function useCreateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}
