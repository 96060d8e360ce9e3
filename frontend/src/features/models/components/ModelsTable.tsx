import { DeleteOutlined } from '@ant-design/icons';
import { App, Button, Empty, Popconfirm, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ModelEntryPublic } from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { formatNumber } from '../../../lib/format';
import { useDeleteModel } from '../api/deleteModel';
import { formatPrice } from './prices';

interface Props {
  entries: ModelEntryPublic[];
  typeNames: Map<string, string>;
  admin: boolean;
  filtered: boolean;
  onAdd: () => void;
  onClearFilter: () => void;
}

const keyOf = (entry: ModelEntryPublic) => `${entry.provider_type}/${entry.model}`;

export function ModelsTable({ entries, typeNames, admin, filtered, onAdd, onClearFilter }: Props) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const remove = useDeleteModel();

  const deleteOne = (entry: ModelEntryPublic) => {
    if (!entry.id) return;
    remove.mutate(entry.id, {
      onSuccess: () => void message.success(t('models:deleted', { model: entry.model })),
      onError: (error) => void message.error(error.message),
    });
  };

  const columns = [
    {
      title: t('models:columns.providerType'),
      key: 'providerType',
      render: (_: unknown, entry: ModelEntryPublic) => (
        <Space size={6}>
          <ProviderTypeIcon type={entry.provider_type} />
          {typeNames.get(entry.provider_type) ?? entry.provider_type}
        </Space>
      ),
    },
    {
      title: t('models:columns.model'),
      key: 'model',
      render: (_: unknown, entry: ModelEntryPublic) => (
        <Typography.Text strong style={{ whiteSpace: 'nowrap' }}>
          {entry.model}
        </Typography.Text>
      ),
    },
    {
      title: t('models:columns.kind'),
      key: 'kind',
      render: (_: unknown, entry: ModelEntryPublic) =>
        entry.kind === 'embedding' ? t('models:kind.embedding') : t('models:kind.chat'),
    },
    {
      title: t('models:columns.contextWindow'),
      key: 'contextWindow',
      align: 'right' as const,
      render: (_: unknown, entry: ModelEntryPublic) =>
        entry.context_window == null ? t('common:none') : formatNumber(entry.context_window),
    },
    {
      title: t('models:columns.inputPrice'),
      key: 'inputPrice',
      align: 'right' as const,
      render: (_: unknown, entry: ModelEntryPublic) =>
        formatPrice(entry.input_price_per_1k ?? 0, entry.currency ?? 'USD'),
    },
    {
      title: t('models:columns.outputPrice'),
      key: 'outputPrice',
      align: 'right' as const,
      render: (_: unknown, entry: ModelEntryPublic) =>
        formatPrice(entry.output_price_per_1k ?? 0, entry.currency ?? 'USD'),
    },
    {
      title: t('models:columns.source'),
      key: 'source',
      render: (_: unknown, entry: ModelEntryPublic) =>
        entry.builtin ? (
          <Tooltip title={t('models:source.builtinHelp')}>
            <Tag>{t('models:source.builtin')}</Tag>
          </Tooltip>
        ) : (
          <Tooltip title={t('models:source.tenantHelp')}>
            <Tag color="blue">{t('models:source.tenant')}</Tag>
          </Tooltip>
        ),
    },
  ];
  const actions = {
    title: t('models:columns.actions'),
    key: 'actions',
    render: (_: unknown, entry: ModelEntryPublic) =>
      entry.builtin || !entry.id ? null : (
        <Popconfirm
          title={t('models:confirmDelete.title', { model: entry.model })}
          description={t('models:confirmDelete.detail')}
          okText={t('common:actions.delete')}
          cancelText={t('common:actions.cancel')}
          okButtonProps={{ danger: true }}
          onConfirm={() => deleteOne(entry)}
        >
          <Button
            size="small"
            danger
            icon={<DeleteOutlined />}
            loading={remove.isPending && remove.variables === entry.id}
            aria-label={t('models:deleteNamed', { model: entry.model })}
          >
            {t('common:actions.delete')}
          </Button>
        </Popconfirm>
      ),
  };

  return (
    <Table<ModelEntryPublic>
      rowKey={keyOf}
      columns={admin && entries.some((entry) => !entry.builtin) ? [...columns, actions] : columns}
      dataSource={entries}
      pagination={{ defaultPageSize: 25, hideOnSinglePage: true, showSizeChanger: true }}
      scroll={{ x: true }}
      locale={{ emptyText: <EmptyRegistry admin={admin} filtered={filtered} onAdd={onAdd} onClearFilter={onClearFilter} /> }}
    />
  );
}

function EmptyRegistry({ admin, filtered, onAdd, onClearFilter }: Omit<Props, 'entries' | 'typeNames'>) {
  const { t } = useTranslation();
  if (filtered) {
    return (
      <Empty description={t('models:empty.filtered')}>
        <Button onClick={onClearFilter}>{t('models:filter.clear')}</Button>
      </Empty>
    );
  }
  if (!admin) return <Empty description={t('models:empty.askAdmin')} />;
  return (
    <Empty description={t('models:empty.admin')}>
      <Button type="primary" onClick={onAdd}>
        {t('models:add')}
      </Button>
    </Empty>
  );
}
