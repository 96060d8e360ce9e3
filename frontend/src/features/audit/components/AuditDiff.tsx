import { LockOutlined } from '@ant-design/icons';
import { Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { AuditEntryPublic } from '../../../client/types.gen';
import { diffRows, isMasked, type DiffRow } from './diffRows';

const CHANGED_BACKGROUND = '#fffbe6';

function Value({ value }: { value: unknown }) {
  const { t } = useTranslation();
  if (value === undefined) return <Typography.Text type="secondary">{t('audit:diff.absent')}</Typography.Text>;
  if (value === null) return <Typography.Text type="secondary">{t('audit:diff.empty')}</Typography.Text>;
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return (
    <Space size={4}>
      <Typography.Text code style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-all' }}>
        {text}
      </Typography.Text>
      {isMasked(value) && (
        <Tooltip title={t('audit:diff.masked')}>
          <LockOutlined aria-label={t('audit:diff.masked')} />
        </Tooltip>
      )}
    </Space>
  );
}

/** An entry's before and after, field by field, the changed fields first and highlighted. */
export function AuditDiff({ entry }: { entry: AuditEntryPublic }) {
  const { t } = useTranslation();
  const rows = diffRows(entry.before, entry.after);
  const changed = rows.filter((row) => row.changed).length;

  const columns = [
    {
      title: t('audit:diff.field'),
      key: 'field',
      render: (_: unknown, row: DiffRow) => (
        <Space size={4}>
          <Typography.Text strong={row.changed}>{row.field}</Typography.Text>
          {row.changed && <Tag color="gold">{t('audit:diff.changed')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('audit:diff.before'),
      key: 'before',
      render: (_: unknown, row: DiffRow) => <Value value={row.before} />,
    },
    {
      title: t('audit:diff.after'),
      key: 'after',
      render: (_: unknown, row: DiffRow) => <Value value={row.after} />,
    },
  ];

  return (
    <Space orientation="vertical" size="small" style={{ width: '100%' }}>
      <Typography.Text type="secondary">
        {t('audit:diff.summary', { fields: changed })}
        {entry.request_id ? ` · ${t('audit:diff.request', { id: entry.request_id })}` : ''}
      </Typography.Text>
      {rows.length > 0 && (
        <Table<DiffRow>
          size="small"
          rowKey="field"
          columns={columns}
          dataSource={rows}
          pagination={false}
          onRow={(row) => ({ style: row.changed ? { background: CHANGED_BACKGROUND } : undefined })}
        />
      )}
    </Space>
  );
}
