import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteUser as deleteUserCall } from '../../../client/sdk.gen';
import { unwrap } from '../../../lib/apiError';
import { usersQuery } from './userList';

/** Deletes a user of the tenant (never oneself); the audit log keeps what they did. */
export async function deleteUser(id: string): Promise<void> {
  await unwrap(deleteUserCall({ path: { user_id: id } }));
}

export function useDeleteUser() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteUser,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: usersQuery.queryKey }),
  });
}
