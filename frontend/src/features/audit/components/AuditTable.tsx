import { HistoryOutlined } from '@ant-design/icons';
import { Button, Empty, Space, Table, Tag, Tooltip, Typography } from 'antd';
import type { TablePaginationConfig } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AuditEntryPublic } from '../../../client/types.gen';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { AuditDiff } from './AuditDiff';
import { PAGE_SIZES } from './auditSearch';
import { ACTION_COLOURS, ACTION_LABELS, ACTOR_LABELS, TARGET_LABELS } from './labels';

interface Props {
  entries: AuditEntryPublic[];
  total: number;
  page: number;
  pageSize: number;
  loading: boolean;
  filtered: boolean;
  onPage: (page: number, pageSize: number) => void;
  onHistory: (entry: AuditEntryPublic) => void;
  onClearFilters: () => void;
}

/** The name the target had, when its before or after image says (providers, users, keys). */
function targetName(entry: AuditEntryPublic): string | null {
  for (const image of [entry.after, entry.before]) {
    const name = image?.name ?? image?.username;
    if (typeof name === 'string' && name) return name;
  }
  return null;
}

export function AuditTable(props: Props) {
  const { entries, total, page, pageSize, loading, filtered, onPage, onHistory, onClearFilters } = props;
  const { t } = useTranslation();
  const label = (labels: Record<string, string>, value: string) => {
    const key = labels[value];
    return key ? t(key) : value;
  };

  const columns = [
    {
      title: t('audit:columns.time'),
      key: 'time',
      render: (_: unknown, entry: AuditEntryPublic) => formatDateTime(entry.created_at),
    },
    {
      title: t('audit:columns.actor'),
      key: 'actor',
      render: (_: unknown, entry: AuditEntryPublic) => (
        <Space size={4}>
          {entry.actor_type !== 'system' && (
            <Typography.Text>{entry.actor_name ?? entry.actor_id ?? t('common:none')}</Typography.Text>
          )}
          <Tag>{label(ACTOR_LABELS, entry.actor_type)}</Tag>
        </Space>
      ),
    },
    {
      title: t('audit:columns.action'),
      key: 'action',
      render: (_: unknown, entry: AuditEntryPublic) => (
        <Tag color={ACTION_COLOURS[entry.action] ?? 'default'}>{label(ACTION_LABELS, entry.action)}</Tag>
      ),
    },
    {
      title: t('audit:columns.target'),
      key: 'target',
      render: (_: unknown, entry: AuditEntryPublic) => {
        const name = targetName(entry);
        const kind = label(TARGET_LABELS, entry.target_type);
        return (
          <Space size={4} wrap>
            <Typography.Text>{kind}</Typography.Text>
            {name && <Typography.Text strong>{name}</Typography.Text>}
            {entry.target_id && (
              <>
                <Typography.Text type="secondary" copyable={{ text: entry.target_id }} style={{ fontSize: 12 }}>
                  {entry.target_id.slice(0, 8)}
                </Typography.Text>
                <Tooltip title={t('audit:history')}>
                  <Button
                    size="small"
                    type="text"
                    icon={<HistoryOutlined />}
                    onClick={() => onHistory(entry)}
                    aria-label={t('audit:historyOf', { target: name ?? entry.target_id })}
                  />
                </Tooltip>
              </>
            )}
          </Space>
        );
      },
    },
  ];

  const pagination: TablePaginationConfig = {
    current: page,
    pageSize,
    total,
    showSizeChanger: true,
    pageSizeOptions: PAGE_SIZES,
    showTotal: (count) => t('audit:total', { total: formatNumber(count) }),
    onChange: onPage,
  };

  return (
    <Table<AuditEntryPublic>
      rowKey="id"
      columns={columns}
      dataSource={entries}
      loading={loading}
      pagination={pagination}
      scroll={{ x: true }}
      expandable={{ expandedRowRender: (entry) => <AuditDiff entry={entry} /> }}
      locale={{
        emptyText: filtered ? (
          <Empty description={t('audit:emptyFiltered')}>
            <Button onClick={onClearFilters}>{t('audit:filters.clear')}</Button>
          </Empty>
        ) : (
          <Empty description={t('audit:empty')} />
        ),
      }}
    />
  );
}
