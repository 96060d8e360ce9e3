import { queryOptions, useQuery } from '@tanstack/react-query';
import { listUsers } from '../../../client/sdk.gen';
import type { UserPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export async function fetchUsers(): Promise<UserPublic[]> {
  return unwrap(listUsers());
}

export const usersQuery = queryOptions({
  queryKey: ['users', 'list'],
  queryFn: fetchUsers,
});

/** The tenant's users, oldest first. */
export function useUsers() {
  return useQuery(usersQuery);
}
