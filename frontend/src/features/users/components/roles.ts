import type { Role } from '../../../client/types.gen';

export const ROLES: Role[] = ['viewer', 'member', 'admin'];

export const ROLE_LABELS: Record<Role, string> = {
  viewer: 'common:roles.viewer',
  member: 'common:roles.member',
  admin: 'common:roles.admin',
};

// As the server checks them (api/schemas/accounts.py); the server's answer still decides.
export const USERNAME_PATTERN = /^[A-Za-z0-9_.@-]+$/;
export const MIN_PASSWORD = 8;
