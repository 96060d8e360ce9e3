import { Table } from 'antd';
import { useTranslation } from 'react-i18next';
import type { UsageGroup } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';

/** Every figure of each group, for reading exact numbers the charts only suggest. */
export function UsageTable({
  groups,
  nameOf,
  nameTitle,
}: {
  groups: UsageGroup[];
  nameOf: (key: string) => string;
  nameTitle: string;
}) {
  const { t } = useTranslation();
  const ms = (value: number | null | undefined) =>
    value == null ? t('common:none') : formatNumber(value, 1);
  const columns = [
    { title: nameTitle, key: 'name', render: (_: unknown, row: UsageGroup) => nameOf(row.key) },
    { title: t('usage:series.requests'), key: 'requests', render: (_: unknown, row: UsageGroup) => formatNumber(row.requests) },
    { title: t('usage:series.errors'), key: 'errors', render: (_: unknown, row: UsageGroup) => formatNumber(row.errors) },
    { title: t('usage:series.tokens'), key: 'tokens', render: (_: unknown, row: UsageGroup) => formatNumber(row.total_tokens) },
    { title: t('usage:series.cost'), key: 'cost', render: (_: unknown, row: UsageGroup) => formatNumber(row.cost, 4) },
    { title: t('usage:series.p50'), key: 'p50', render: (_: unknown, row: UsageGroup) => ms(row.latency_ms.p50) },
    { title: t('usage:series.p95'), key: 'p95', render: (_: unknown, row: UsageGroup) => ms(row.latency_ms.p95) },
    { title: t('usage:series.p99'), key: 'p99', render: (_: unknown, row: UsageGroup) => ms(row.latency_ms.p99) },
    {
      title: t('usage:series.cacheHitRate'),
      key: 'cache',
      render: (_: unknown, row: UsageGroup) => `${formatNumber(row.cache_hit_rate * 100, 1)} %`,
    },
  ];
  return (
    <Table<UsageGroup>
      rowKey="key"
      size="small"
      columns={columns}
      dataSource={groups}
      pagination={false}
      scroll={{ x: true }}
    />
  );
}
