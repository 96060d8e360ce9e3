import { Result } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import type { Role } from '../../client/types.gen';
import { hasRole, useSession } from '../../lib/session';

/** Renders `children` for a signed-in user with at least `role`; sends others to log in. */
export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const session = useSession();
  const location = useLocation();
  const { t } = useTranslation();
  if (!session) {
    return <Navigate to="/login" replace state={{ from: location.pathname }} />;
  }
  if (!hasRole(session.role, role)) {
    return (
      <Result
        status="403"
        title={t('common:forbidden.title')}
        subTitle={t('common:forbidden.detail')}
      />
    );
  }
  return children;
}
