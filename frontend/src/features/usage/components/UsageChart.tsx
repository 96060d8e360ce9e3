import { Empty } from 'antd';
import { useTranslation } from 'react-i18next';
import {
  Bar,
  BarChart,
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { UsageGroup } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import { METRIC_FORMAT, METRIC_SERIES, type UsageMetric } from './usageMetrics';

// Before the container is measured (and in tests, where nothing is), the chart takes this size.
const INITIAL_SIZE = { width: 800, height: 280 };

/**
 * One metric over the report's groups: a line per series over days, or bars per provider or
 * model. `nameOf` turns a group's key into what the axis shows.
 */
export function UsageChart({
  groups,
  metric,
  shape,
  nameOf,
}: {
  groups: UsageGroup[];
  metric: UsageMetric;
  shape: 'line' | 'bar';
  nameOf: (key: string) => string;
}) {
  const { t } = useTranslation();
  if (groups.length === 0) return <Empty description={t('usage:noGroups')} />;
  const series = METRIC_SERIES[metric];
  const { digits, unit } = METRIC_FORMAT[metric];
  const rows = groups.map((group) => ({
    name: nameOf(group.key),
    ...Object.fromEntries(series.map((s) => [s.key, s.value(group)])),
  }));
  const format = (value: unknown) => `${formatNumber(Number(value), digits)}${unit}`;
  const axes = [
    <CartesianGrid key="grid" strokeDasharray="3 3" />,
    <XAxis key="x" dataKey="name" />,
    <YAxis key="y" tickFormatter={(value: number) => formatNumber(value, digits)} />,
    <Tooltip key="tip" formatter={format} />,
    <Legend key="legend" />,
  ];
  return (
    <ResponsiveContainer width="100%" height={INITIAL_SIZE.height} initialDimension={INITIAL_SIZE}>
      {shape === 'line' ? (
        <LineChart data={rows}>
          {axes}
          {series.map((s) => (
            <Line
              key={s.key}
              dataKey={s.key}
              name={t(s.labelKey)}
              stroke={s.color}
              connectNulls
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      ) : (
        <BarChart data={rows}>
          {axes}
          {series.map((s) => (
            <Bar key={s.key} dataKey={s.key} name={t(s.labelKey)} fill={s.color} isAnimationActive={false} />
          ))}
        </BarChart>
      )}
    </ResponsiveContainer>
  );
}
