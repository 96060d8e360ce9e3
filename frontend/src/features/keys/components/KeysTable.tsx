import { StopOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ApiKeyPublic } from '../../../client/types.gen';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { useRevokeKey } from '../api/revokeKey';
import { ROLE_COLOURS, ROLE_LABELS } from './roles';

interface Props {
  keys: ApiKeyPublic[];
  onCreate: () => void;
}

export function KeysTable({ keys, onCreate }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const revoke = useRevokeKey();

  const revokeOne = (key: ApiKeyPublic) =>
    revoke.mutate(key.id, {
      onSuccess: () => void message.success(t('keys:revoked', { name: key.name })),
      onError: (error) => void message.error(error.message),
    });

  const columns = [
    {
      title: t('keys:columns.name'),
      key: 'name',
      render: (_: unknown, key: ApiKeyPublic) => <Typography.Text strong>{key.name}</Typography.Text>,
    },
    {
      title: t('keys:columns.role'),
      key: 'role',
      render: (_: unknown, key: ApiKeyPublic) => (
        <Tag color={ROLE_COLOURS[key.role]}>{t(ROLE_LABELS[key.role])}</Tag>
      ),
    },
    {
      title: t('keys:columns.prefix'),
      key: 'prefix',
      render: (_: unknown, key: ApiKeyPublic) => <Typography.Text code>{`${key.prefix}…`}</Typography.Text>,
    },
    {
      title: t('keys:columns.rpm'),
      key: 'rpm',
      render: (_: unknown, key: ApiKeyPublic) =>
        key.rpm_limit == null ? t('keys:noLimit') : formatNumber(key.rpm_limit),
    },
    {
      title: t('keys:columns.created'),
      key: 'created',
      render: (_: unknown, key: ApiKeyPublic) => formatDateTime(key.created_at),
    },
    {
      title: t('keys:columns.lastUsed'),
      key: 'lastUsed',
      render: (_: unknown, key: ApiKeyPublic) =>
        key.last_used_at ? formatDateTime(key.last_used_at) : t('common:never'),
    },
    {
      title: t('keys:columns.status'),
      key: 'status',
      render: (_: unknown, key: ApiKeyPublic) =>
        key.revoked_at ? (
          <Tooltip title={t('keys:revokedAt', { time: formatDateTime(key.revoked_at) })}>
            <Tag color="red">{t('keys:status.revoked')}</Tag>
          </Tooltip>
        ) : (
          <Tag color="green">{t('keys:status.active')}</Tag>
        ),
    },
    {
      title: t('keys:columns.actions'),
      key: 'actions',
      render: (_: unknown, key: ApiKeyPublic) =>
        key.revoked_at ? null : (
          <Popconfirm
            title={t('keys:confirmRevoke.title', { name: key.name })}
            description={t('keys:confirmRevoke.detail')}
            okText={t('keys:actions.revoke')}
            cancelText={t('common:actions.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => revokeOne(key)}
          >
            <Button
              size="small"
              danger
              icon={<StopOutlined />}
              loading={revoke.isPending && revoke.variables === key.id}
              aria-label={t('keys:actions.revokeNamed', { name: key.name })}
            >
              {t('keys:actions.revoke')}
            </Button>
          </Popconfirm>
        ),
    },
  ];

  return (
    <Table<ApiKeyPublic>
      rowKey="id"
      columns={columns}
      dataSource={keys}
      pagination={false}
      scroll={{ x: true }}
      locale={{
        emptyText: (
          <Empty description={t('keys:empty')}>
            <Button type="primary" onClick={onCreate}>
              {t('keys:create')}
            </Button>
          </Empty>
        ),
      }}
    />
  );
}
