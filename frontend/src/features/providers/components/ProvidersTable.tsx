import { CheckCircleOutlined, DeleteOutlined, EditOutlined, StarOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic, ProviderPublic, ProviderTypePublic, RoutingBody } from '../../../client/types.gen';
import { HealthStatus } from '../../../components/HealthStatus';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { useActivateProvider } from '../api/activateProvider';
import { useDeleteProvider } from '../api/deleteProvider';
import { LastTestResult } from './LastTestResult';
import { MODE_LABELS } from './ProviderForm';
import { ProviderTestButton } from './ProviderTestButton';

interface Props {
  providers: ProviderPublic[];
  catalog: ProviderTypePublic[];
  health: ProviderHealthPublic[];
  routing: RoutingBody | undefined;
  onEdit: (provider: ProviderPublic) => void;
  onAdd: () => void;
}

function ModelTags({ models }: { models: Record<string, unknown> }) {
  const names = Object.entries(models).filter(([, model]) => typeof model === 'string' && model);
  if (names.length === 0) return null;
  return (
    <Space size={[4, 4]} wrap>
      {names.map(([kind, model]) => (
        <Tooltip key={kind} title={kind}>
          <Tag>{String(model)}</Tag>
        </Tooltip>
      ))}
    </Space>
  );
}

export function ProvidersTable({ providers, catalog, health, routing, onEdit, onAdd }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const activate = useActivateProvider();
  const remove = useDeleteProvider();
  const fallbacks = routing?.fallback_provider_ids ?? [];

  const activateOne = (provider: ProviderPublic) =>
    activate.mutate(provider.id, {
      onSuccess: () => void message.success(t('providers:activated', { name: provider.name })),
      onError: (error) => void message.error(error.message),
    });
  const deleteOne = (provider: ProviderPublic) =>
    remove.mutate(provider.id, {
      onSuccess: () => void message.success(t('providers:deleted', { name: provider.name })),
      onError: (error) => void message.error(error.message),
    });

  const columns = [
    {
      title: t('providers:columns.name'),
      key: 'name',
      render: (_: unknown, row: ProviderPublic) => (
        <Space orientation="vertical" size={0}>
          <Typography.Text strong>{row.name}</Typography.Text>
          {!row.enabled && <Tag>{t('providers:disabled')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('providers:columns.type'),
      key: 'type',
      render: (_: unknown, row: ProviderPublic) => (
        <Space>
          <ProviderTypeIcon type={row.provider_type} />
          {catalog.find((entry) => entry.type === row.provider_type)?.name ?? row.provider_type}
        </Space>
      ),
    },
    {
      title: t('providers:columns.mode'),
      key: 'mode',
      render: (_: unknown, row: ProviderPublic) => {
        const label = MODE_LABELS[row.deployment_mode];
        return label ? t(label) : row.deployment_mode;
      },
    },
    {
      title: t('providers:columns.models'),
      key: 'models',
      render: (_: unknown, row: ProviderPublic) => <ModelTags models={row.models} />,
    },
    {
      title: t('providers:columns.health'),
      key: 'health',
      render: (_: unknown, row: ProviderPublic) => (
        <HealthStatus status={health.find((h) => h.provider_id === row.id)?.status ?? 'unknown'} />
      ),
    },
    {
      title: t('providers:columns.routing'),
      key: 'routing',
      render: (_: unknown, row: ProviderPublic) => {
        const position = fallbacks.indexOf(row.id);
        return (
          <Space size={4} wrap>
            {row.is_active && (
              <Tag color="green" icon={<StarOutlined />}>
                {t('providers:badges.active')}
              </Tag>
            )}
            {position >= 0 && (
              <Tag color="blue">{t('providers:badges.fallback', { position: position + 1 })}</Tag>
            )}
          </Space>
        );
      },
    },
    {
      title: t('providers:columns.lastTest'),
      key: 'lastTest',
      render: (_: unknown, row: ProviderPublic) => <LastTestResult id={row.id} test={row.last_test} />,
    },
    {
      title: t('providers:columns.actions'),
      key: 'actions',
      render: (_: unknown, row: ProviderPublic) => (
        <Space size={4} wrap>
          <ProviderTestButton id={row.id} name={row.name} />
          <Button
            size="small"
            icon={<EditOutlined />}
            onClick={() => onEdit(row)}
            aria-label={t('providers:actions.editNamed', { name: row.name })}
          >
            {t('common:actions.edit')}
          </Button>
          {!row.is_active && (
            <Button
              size="small"
              icon={<CheckCircleOutlined />}
              disabled={!row.enabled}
              loading={activate.isPending && activate.variables === row.id}
              onClick={() => activateOne(row)}
              aria-label={t('providers:actions.activateNamed', { name: row.name })}
            >
              {t('providers:actions.activate')}
            </Button>
          )}
          <Popconfirm
            title={t('providers:confirmDelete.title', { name: row.name })}
            description={row.is_active ? t('providers:confirmDelete.active') : t('providers:confirmDelete.detail')}
            okText={t('common:actions.delete')}
            cancelText={t('common:actions.cancel')}
            okButtonProps={{ danger: true }}
            onConfirm={() => deleteOne(row)}
          >
            <Button
              size="small"
              danger
              icon={<DeleteOutlined />}
              aria-label={t('providers:actions.deleteNamed', { name: row.name })}
            >
              {t('common:actions.delete')}
            </Button>
          </Popconfirm>
        </Space>
      ),
    },
  ];

  return (
    <Table<ProviderPublic>
      rowKey="id"
      columns={columns}
      dataSource={providers}
      pagination={false}
      scroll={{ x: true }}
      locale={{
        emptyText: (
          <Empty description={t('providers:empty')}>
            <Button type="primary" onClick={onAdd}>
              {t('providers:add')}
            </Button>
          </Empty>
        ),
      }}
    />
  );
}
