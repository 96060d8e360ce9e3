import { Alert, Card, Empty, Segmented, Select, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useHealth } from '../../../api/health';
import { formatNumber } from '../../../lib/format';
import { useUsage } from '../api/usageReport';
import { UsageChart } from './UsageChart';
import { lastDays, UsageRangePicker, type UsageRange } from './UsageRangePicker';
import { UsageTable } from './UsageTable';
import { UsageTotals } from './UsageTotals';
import { METRIC_LABELS, USAGE_METRICS, type UsageMetric } from './usageMetrics';

type Breakdown = 'provider' | 'model';

/** Requests, errors, tokens, cost, latency and cache hits of the tenant over a chosen range. */
export function UsagePage() {
  const { t } = useTranslation();
  const [range, setRange] = useState<UsageRange>(() => lastDays(7));
  const [providerId, setProviderId] = useState<string | null>(null);
  const [metric, setMetric] = useState<UsageMetric>('requests');
  const [breakdown, setBreakdown] = useState<Breakdown>('provider');
  const usage = useUsage({
    from: range[0].toISOString(),
    to: range[1].add(1, 'millisecond').toISOString(),
    providerId,
  });
  const providers = useHealth().data ?? [];
  const providerName = (key: string) =>
    providers.find((provider) => provider.provider_id === key)?.name ??
    (key === 'none' ? t('usage:unknownProvider') : key);
  const modelName = (key: string) => (key === 'none' ? t('usage:unknownModel') : key);
  const metricOptions = USAGE_METRICS.map((value) => ({ value, label: t(METRIC_LABELS[value]) }));

  const report = usage.data;
  const body = () => {
    if (usage.isPending) return <Skeleton active />;
    if (usage.error) {
      return <Alert type="error" showIcon title={t('common:loadFailed', { message: usage.error.message })} />;
    }
    if (!report || report.totals.requests === 0) {
      return <Empty description={t('usage:empty')} />;
    }
    const groups = breakdown === 'provider' ? report.by_provider : report.by_model;
    const nameOf = breakdown === 'provider' ? providerName : modelName;
    return (
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        {report.clipped && <Alert type="warning" showIcon title={t('usage:clipped')} />}
        <UsageTotals totals={report.totals} />
        <Segmented<UsageMetric>
          aria-label={t('usage:metricLabel')}
          options={metricOptions}
          value={metric}
          onChange={setMetric}
        />
        <Card title={t('usage:overTime')}>
          <UsageChart groups={report.by_day} metric={metric} shape="line" nameOf={(day) => day} />
        </Card>
        <Card
          title={t('usage:breakdownTitle')}
          extra={
            <Segmented<Breakdown>
              aria-label={t('usage:breakdownLabel')}
              value={breakdown}
              onChange={setBreakdown}
              options={[
                { value: 'provider', label: t('usage:byProvider') },
                { value: 'model', label: t('usage:byModel') },
              ]}
            />
          }
        >
          <UsageChart groups={groups} metric={metric} shape="bar" nameOf={nameOf} />
          <UsageTable
            groups={groups}
            nameOf={nameOf}
            nameTitle={breakdown === 'provider' ? t('usage:byProvider') : t('usage:byModel')}
          />
        </Card>
      </Space>
    );
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('usage:title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('usage:intro')}</Typography.Paragraph>
      <Space wrap>
        <UsageRangePicker value={range} onChange={setRange} />
        <Select<string>
          aria-label={t('usage:providerFilter')}
          allowClear
          placeholder={t('usage:allProviders')}
          style={{ minWidth: 200 }}
          value={providerId ?? undefined}
          onChange={(value) => setProviderId(value ?? null)}
          options={providers.map((provider) => ({ value: provider.provider_id, label: provider.name }))}
        />
        {usage.isFetching && !usage.isPending && (
          <Typography.Text type="secondary">{t('usage:refreshing')}</Typography.Text>
        )}
      </Space>
      {body()}
      {report && report.totals.requests > 0 && (
        <Typography.Text type="secondary">
          {t('usage:footnote', { days: formatNumber(report.by_day.length) })}
        </Typography.Text>
      )}
    </Space>
  );
}
