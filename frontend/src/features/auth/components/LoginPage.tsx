import { LockOutlined, UserOutlined } from '@ant-design/icons';
import { Alert, Button, Card, Form, Input, Layout, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { Navigate, useLocation } from 'react-router';
import type { LoginRequest } from '../../../client/types.gen';
import { LanguageSwitch } from '../../../app/components/LanguageSwitch';
import { endReason, useSession, type EndReason } from '../../../lib/session';
import { useLogin } from '../api/login';

const END_MESSAGES: Record<Exclude<EndReason, 'logout'>, string> = {
  expired: 'auth:ended.expired',
  forbidden: 'auth:ended.forbidden',
};

interface LoginForm {
  username: string;
  password: string;
  tenant?: string;
}

export function LoginPage() {
  const { t } = useTranslation();
  const session = useSession();
  const location = useLocation();
  const logIn = useLogin();
  const from = (location.state as { from?: string } | null)?.from;
  if (session) {
    return <Navigate to={from && from !== '/login' ? from : '/'} replace />;
  }
  const ended = endReason();
  const submit = (values: LoginForm) => {
    const credentials: LoginRequest = { username: values.username, password: values.password };
    if (values.tenant) credentials.tenant = values.tenant;
    logIn.mutate(credentials);
  };

  return (
    <Layout style={{ minHeight: '100vh', alignItems: 'center', justifyContent: 'center' }}>
      <Card style={{ width: 380 }}>
        <Space orientation="vertical" size="large" style={{ width: '100%' }}>
          <Space style={{ width: '100%', justifyContent: 'space-between' }}>
            <Typography.Title level={3} style={{ margin: 0 }}>
              {t('auth:title')}
            </Typography.Title>
            <LanguageSwitch />
          </Space>
          {ended && ended !== 'logout' && !logIn.error && (
            <Alert type="warning" showIcon title={t(END_MESSAGES[ended])} />
          )}
          {logIn.error && <Alert type="error" showIcon title={logIn.error.message} />}
          <Form<LoginForm> layout="vertical" onFinish={submit} requiredMark={false}>
            <Form.Item
              name="username"
              label={t('auth:username')}
              rules={[{ required: true, message: t('auth:required.username') }]}
            >
              <Input prefix={<UserOutlined />} autoComplete="username" autoFocus />
            </Form.Item>
            <Form.Item
              name="password"
              label={t('auth:password')}
              rules={[{ required: true, message: t('auth:required.password') }]}
            >
              <Input.Password prefix={<LockOutlined />} autoComplete="current-password" />
            </Form.Item>
            <Form.Item name="tenant" label={t('auth:tenant')} extra={t('auth:tenantHelp')}>
              <Input autoComplete="organization" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={logIn.isPending}>
              {t('auth:submit')}
            </Button>
          </Form>
        </Space>
      </Card>
    </Layout>
  );
}
