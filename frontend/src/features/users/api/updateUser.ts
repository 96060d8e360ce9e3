import { useMutation, useQueryClient } from '@tanstack/react-query';
import { updateUser as updateUserCall } from '../../../client/sdk.gen';
import type { UserPublic, UserUpdate } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { usersQuery } from './userList';

/**
 * Changes what `change` names: role, active flag or password. A new password, a deactivation or
 * a demotion also ends the user's sessions; nobody may demote or deactivate themselves.
 */
export async function updateUser(id: string, change: UserUpdate): Promise<UserPublic> {
  return unwrap(updateUserCall({ path: { user_id: id }, body: change }));
}

export function useUpdateUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ id, change }: { id: string; change: UserUpdate }) => updateUser(id, change),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}
