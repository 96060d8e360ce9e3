import type { UsageFigures } from '../../../client/types.gen';

/** The figures a usage chart can show; each draws one or more series. */
export const USAGE_METRICS = ['requests', 'tokens', 'cost', 'latency', 'cacheHitRate'] as const;
export type UsageMetric = (typeof USAGE_METRICS)[number];

export interface UsageSeries {
  key: string;
  labelKey: string;
  color: string;
  value: (figures: UsageFigures) => number | null;
}

export const METRIC_LABELS: Record<UsageMetric, string> = {
  requests: 'usage:metrics.requests',
  tokens: 'usage:metrics.tokens',
  cost: 'usage:metrics.cost',
  latency: 'usage:metrics.latency',
  cacheHitRate: 'usage:metrics.cacheHitRate',
};

export const METRIC_SERIES: Record<UsageMetric, UsageSeries[]> = {
  requests: [
    { key: 'requests', labelKey: 'usage:series.requests', color: '#1677ff', value: (f) => f.requests },
    { key: 'errors', labelKey: 'usage:series.errors', color: '#ff4d4f', value: (f) => f.errors },
  ],
  tokens: [
    { key: 'tokens', labelKey: 'usage:series.tokens', color: '#722ed1', value: (f) => f.total_tokens },
  ],
  cost: [{ key: 'cost', labelKey: 'usage:series.cost', color: '#fa8c16', value: (f) => f.cost }],
  latency: [
    { key: 'p50', labelKey: 'usage:series.p50', color: '#52c41a', value: (f) => f.latency_ms.p50 ?? null },
    { key: 'p95', labelKey: 'usage:series.p95', color: '#faad14', value: (f) => f.latency_ms.p95 ?? null },
    { key: 'p99', labelKey: 'usage:series.p99', color: '#f5222d', value: (f) => f.latency_ms.p99 ?? null },
  ],
  cacheHitRate: [
    {
      key: 'cacheHitRate',
      labelKey: 'usage:series.cacheHitRate',
      color: '#13c2c2',
      value: (f) => f.cache_hit_rate * 100,
    },
  ],
};

/** How a value of the metric reads: its digits and its unit. */
export const METRIC_FORMAT: Record<UsageMetric, { digits: number; unit: string }> = {
  requests: { digits: 0, unit: '' },
  tokens: { digits: 0, unit: '' },
  cost: { digits: 4, unit: '' },
  latency: { digits: 1, unit: ' ms' },
  cacheHitRate: { digits: 1, unit: ' %' },
};
