import { UserAddOutlined } from '@ant-design/icons';
import { Alert, App, Button, Flex, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserPublic } from '../../../client/types.gen';
import { useSession } from '../../../lib/session';
import { useUsers } from '../api/userList';
import { CreateUserForm } from './CreateUserForm';
import { ResetPasswordForm } from './ResetPasswordForm';
import { UsersTable } from './UsersTable';

/** The tenant's users: create, change role, deactivate or reactivate, reset password, delete. */
export function UsersPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSession();
  const users = useUsers();
  const [creating, setCreating] = useState(false);
  const [resetting, setResetting] = useState<UserPublic | null>(null);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('users:title')}
        </Typography.Title>
        <Button type="primary" icon={<UserAddOutlined />} onClick={() => setCreating(true)}>
          {t('users:create')}
        </Button>
      </Flex>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('users:intro')}
      </Typography.Paragraph>
      {users.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: users.error.message })}
          action={
            <Button size="small" onClick={() => void users.refetch()}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      {users.data?.length === 1 && users.data[0]?.username === session?.username && (
        <Alert
          type="info"
          showIcon
          title={t('users:alone')}
          action={
            <Button size="small" type="primary" onClick={() => setCreating(true)}>
              {t('users:create')}
            </Button>
          }
        />
      )}
      {users.isPending ? (
        <Skeleton active />
      ) : (
        users.data && (
          <UsersTable
            users={users.data}
            me={session?.username ?? null}
            onCreate={() => setCreating(true)}
            onResetPassword={setResetting}
          />
        )
      )}
      <CreateUserForm open={creating} onClose={() => setCreating(false)} />
      <ResetPasswordForm
        user={resetting}
        self={resetting !== null && resetting.username === session?.username}
        onClose={() => setResetting(null)}
        onDone={(user) => {
          setResetting(null);
          void message.success(t('users:reset.done', { name: user.username }));
        }}
      />
    </Space>
  );
}
