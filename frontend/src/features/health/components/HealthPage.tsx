import { Alert, Card, Empty, Skeleton, Space, Table, Tag, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { HealthStatus } from '../../../components/HealthStatus';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { useHealthHistory } from '../api/healthHistory';
import { HealthTimeline } from './HealthTimeline';
import { LatencyChart } from './LatencyChart';

const CIRCUIT_LABELS: Record<string, string> = {
  closed: 'health:circuit.closed',
  open: 'health:circuit.open',
  half_open: 'health:circuit.half_open',
};

export function HealthPage() {
  const { t } = useTranslation();
  const { data, isPending, error, history } = useHealthHistory();

  if (isPending) return <Skeleton active />;
  if (error) return <Alert type="error" showIcon title={t('common:loadFailed', { message: error.message })} />;

  const columns = [
    {
      title: t('health:columns.provider'),
      key: 'name',
      render: (_: unknown, row: ProviderHealthPublic) => (
        <Space>
          <ProviderTypeIcon type={row.provider_type} />
          {row.name}
          {!row.enabled && <Tag>{t('health:disabled')}</Tag>}
        </Space>
      ),
    },
    {
      title: t('health:columns.status'),
      key: 'status',
      render: (_: unknown, row: ProviderHealthPublic) => <HealthStatus status={row.status} />,
    },
    {
      title: t('health:columns.overTime'),
      key: 'history',
      render: (_: unknown, row: ProviderHealthPublic) => (
        <HealthTimeline samples={history.get(row.provider_id) ?? []} />
      ),
    },
    {
      title: t('health:columns.latency'),
      key: 'latency',
      render: (_: unknown, row: ProviderHealthPublic) =>
        row.latency_ms == null ? t('common:none') : `${formatNumber(row.latency_ms, 1)} ms`,
    },
    {
      title: t('health:columns.lastCheck'),
      key: 'lastCheck',
      render: (_: unknown, row: ProviderHealthPublic) =>
        row.last_check_at ? formatDateTime(row.last_check_at) : t('common:never'),
    },
    {
      title: t('health:columns.failures'),
      key: 'failures',
      render: (_: unknown, row: ProviderHealthPublic) => formatNumber(row.consecutive_failures),
    },
    {
      title: t('health:columns.circuit'),
      key: 'circuit',
      render: (_: unknown, row: ProviderHealthPublic) => {
        const label = CIRCUIT_LABELS[row.circuit];
        return label ? t(label) : row.circuit;
      },
    },
    {
      title: t('health:columns.lastError'),
      key: 'lastError',
      render: (_: unknown, row: ProviderHealthPublic) =>
        row.last_error ? (
          <Typography.Text type="danger">
            {row.last_error_code && <Tag color="red">{row.last_error_code}</Tag>}
            {row.last_error}
          </Typography.Text>
        ) : (
          t('common:none')
        ),
    },
  ];

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('health:title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('health:intro')}</Typography.Paragraph>
      <Table<ProviderHealthPublic>
        rowKey="provider_id"
        columns={columns}
        dataSource={data}
        pagination={false}
        scroll={{ x: true }}
        locale={{ emptyText: <Empty description={t('health:empty')} /> }}
      />
      <Card title={t('health:latencyTitle')}>
        <LatencyChart providers={data} history={history} />
      </Card>
    </Space>
  );
}
