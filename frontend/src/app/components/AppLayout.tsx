import { LogoutOutlined, UserOutlined } from '@ant-design/icons';
import { Button, Layout, Menu, Space, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../client/types.gen';
import { Outlet, useLocation, useNavigate } from 'react-router';
import { endSession, hasRole, useSession } from '../../lib/session';
import { PAGES } from '../pages';
import { LanguageSwitch } from './LanguageSwitch';

const ROLE_LABELS: Record<Role, string> = {
  viewer: 'common:roles.viewer',
  member: 'common:roles.member',
  admin: 'common:roles.admin',
};

/** Header (title, language, user, logout), the menu of the pages this role may open, the page. */
export function AppLayout() {
  const { t } = useTranslation();
  const session = useSession();
  const navigate = useNavigate();
  const location = useLocation();
  const visible = PAGES.filter((page) => session && hasRole(session.role, page.minRole));
  const selected = location.pathname.split('/')[1] ?? '';

  return (
    <Layout style={{ minHeight: '100vh' }}>
      <Layout.Header
        style={{ display: 'flex', alignItems: 'center', justifyContent: 'space-between', gap: 16 }}
      >
        <Typography.Title level={4} style={{ color: '#fff', margin: 0, whiteSpace: 'nowrap' }}>
          {t('common:app.title')}
        </Typography.Title>
        <Space size="middle">
          <LanguageSwitch />
          {session && (
            <Space>
              <UserOutlined style={{ color: '#fff' }} />
              <Typography.Text style={{ color: '#fff' }}>{session.username}</Typography.Text>
              <Tag>{t(ROLE_LABELS[session.role])}</Tag>
            </Space>
          )}
          <Button
            icon={<LogoutOutlined />}
            onClick={() => {
              endSession('logout');
              void navigate('/login');
            }}
          >
            {t('common:actions.logout')}
          </Button>
        </Space>
      </Layout.Header>
      <Layout>
        <Layout.Sider width={200} breakpoint="lg" collapsedWidth={64} theme="light">
          <Menu
            mode="inline"
            selectedKeys={[selected]}
            style={{ height: '100%' }}
            items={visible.map((page) => ({
              key: page.path,
              icon: page.icon,
              label: t(page.titleKey),
              onClick: () => void navigate(`/${page.path}`),
            }))}
          />
        </Layout.Sider>
        <Layout.Content style={{ padding: 24, minWidth: 0 }}>
          <Outlet />
        </Layout.Content>
      </Layout>
    </Layout>
  );
}
