import { DeleteOutlined, KeyOutlined, LockOutlined, UnlockOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Role, UserPublic } from '../../../client/types.gen';
import { formatDateTime } from '../../../lib/format';
import { useDeleteUser } from '../api/deleteUser';
import { useUpdateUser } from '../api/updateUser';
import { ROLE_LABELS, ROLES } from './roles';

interface Props {
  users: UserPublic[];
  me: string | null; // the signed-in username
  onCreate: () => void;
  onResetPassword: (user: UserPublic) => void;
}

export function UsersTable({ users, me, onCreate, onResetPassword }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const update = useUpdateUser();
  const remove = useDeleteUser();
  const busy = (user: UserPublic) =>
    (update.isPending && update.variables?.id === user.id) || (remove.isPending && remove.variables === user.id);

  const refused = (error: Error) => void message.error(error.message);
  const changeRole = (user: UserPublic, role: Role) =>
    update.mutate(
      { id: user.id, change: { role } },
      {
        onSuccess: () =>
          void message.success(t('users:roleChanged', { name: user.username, role: t(ROLE_LABELS[role]) })),
        onError: refused,
      },
    );
  const setActive = (user: UserPublic, active: boolean) =>
    update.mutate(
      { id: user.id, change: { is_active: active } },
      {
        onSuccess: () =>
          void message.success(
            active ? t('users:reactivated', { name: user.username }) : t('users:deactivated', { name: user.username }),
          ),
        onError: refused,
      },
    );
  const deleteOne = (user: UserPublic) =>
    remove.mutate(user.id, {
      onSuccess: () => void message.success(t('users:deleted', { name: user.username })),
      onError: refused,
    });

  const columns = [
    {
      title: t('users:columns.username'),
      key: 'username',
      render: (_: unknown, user: UserPublic) => (
        <Space size={4}>
          <Typography.Text strong>{user.username}</Typography.Text>
          {user.username === me && <Tag color="blue">{t('users:you')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('users:columns.role'),
      key: 'role',
      render: (_: unknown, user: UserPublic) => (
        <Tooltip title={user.username === me ? t('users:selfLocked') : undefined}>
          <Select<Role>
            aria-label={t('users:actions.roleOf', { name: user.username })}
            value={user.role}
            disabled={user.username === me || busy(user)}
            style={{ minWidth: 120 }}
            onChange={(role) => changeRole(user, role)}
            options={ROLES.map((role) => ({ value: role, label: t(ROLE_LABELS[role]) }))}
          />
        </Tooltip>
      ),
    },
    {
      title: t('users:columns.status'),
      key: 'status',
      render: (_: unknown, user: UserPublic) =>
        user.is_active === false ? (
          <Tag color="default">{t('users:status.inactive')}</Tag>
        ) : (
          <Tag color="green">{t('users:status.active')}</Tag>
        ),
    },
    {
      title: t('users:columns.created'),
      key: 'created',
      render: (_: unknown, user: UserPublic) =>
        user.created_at ? formatDateTime(user.created_at) : t('common:none'),
    },
    {
      title: t('users:columns.actions'),
      key: 'actions',
      render: (_: unknown, user: UserPublic) => {
        const self = user.username === me;
        const inactive = user.is_active === false;
        return (
          <Space size={4} wrap>
            <Button
              size="small"
              icon={<KeyOutlined />}
              onClick={() => onResetPassword(user)}
              aria-label={t('users:actions.resetNamed', { name: user.username })}
            >
              {t('users:actions.reset')}
            </Button>
            {inactive ? (
              <Button
                size="small"
                icon={<UnlockOutlined />}
                loading={busy(user)}
                onClick={() => setActive(user, true)}
                aria-label={t('users:actions.reactivateNamed', { name: user.username })}
              >
                {t('users:actions.reactivate')}
              </Button>
            ) : (
              <Popconfirm
                title={t('users:confirmDeactivate.title', { name: user.username })}
                description={t('users:confirmDeactivate.detail')}
                okText={t('users:actions.deactivate')}
                cancelText={t('common:actions.cancel')}
                okButtonProps={{ danger: true }}
                onConfirm={() => setActive(user, false)}
                disabled={self}
              >
                <Tooltip title={self ? t('users:selfLocked') : undefined}>
                  <Button
                    size="small"
                    icon={<LockOutlined />}
                    disabled={self}
                    loading={busy(user)}
                    aria-label={t('users:actions.deactivateNamed', { name: user.username })}
                  >
                    {t('users:actions.deactivate')}
                  </Button>
                </Tooltip>
              </Popconfirm>
            )}
            <Popconfirm
              title={t('users:confirmDelete.title', { name: user.username })}
              description={t('users:confirmDelete.detail')}
              okText={t('common:actions.delete')}
              cancelText={t('common:actions.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() => deleteOne(user)}
              disabled={self}
            >
              <Tooltip title={self ? t('users:selfLocked') : undefined}>
                <Button
                  size="small"
                  danger
                  icon={<DeleteOutlined />}
                  disabled={self}
                  aria-label={t('users:actions.deleteNamed', { name: user.username })}
                >
                  {t('common:actions.delete')}
                </Button>
              </Tooltip>
            </Popconfirm>
          </Space>
        );
      },
    },
  ];

  return (
    <Table<UserPublic>
      rowKey="id"
      columns={columns}
      dataSource={users}
      pagination={false}
      scroll={{ x: true }}
      locale={{
        emptyText: (
          <Empty description={t('users:empty')}>
            <Button type="primary" onClick={onCreate}>
              {t('users:create')}
            </Button>
          </Empty>
        ),
      }}
    />
  );
}
