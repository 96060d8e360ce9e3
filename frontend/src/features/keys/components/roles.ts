import type { Role } from '../../../client/types.gen';

export const ROLES: Role[] = ['viewer', 'member', 'admin'];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'common:roles.viewer',
  member: 'common:roles.member',
  admin: 'common:roles.admin',
};

export const ROLE_COLOURS: Record<Role, string> = { viewer: 'default', member: 'blue', admin: 'gold' };
