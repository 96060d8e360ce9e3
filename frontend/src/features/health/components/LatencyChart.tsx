import { Empty } from 'antd';
import { useTranslation } from 'react-i18next';
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { formatNumber, formatTime } from '../../../lib/format';
import type { HealthSample } from '../api/healthHistory';

const PALETTE = ['#1677ff', '#52c41a', '#fa8c16', '#eb2f96', '#722ed1', '#13c2c2', '#a0d911'];

/** Latency of each provider's last successful check, per poll, one line per provider. */
export function LatencyChart({
  providers,
  history,
}: {
  providers: ProviderHealthPublic[];
  history: Map<string, HealthSample[]>;
}) {
  const { t } = useTranslation();
  const rows = new Map<number, Record<string, number>>();
  for (const provider of providers) {
    for (const sample of history.get(provider.provider_id) ?? []) {
      if (sample.latencyMs === null) continue;
      const row = rows.get(sample.at) ?? { at: sample.at };
      row[provider.provider_id] = sample.latencyMs;
      rows.set(sample.at, row);
    }
  }
  const data = [...rows.values()].sort((a, b) => (a.at ?? 0) - (b.at ?? 0));
  if (data.length === 0) {
    return <Empty description={t('health:noLatency')} />;
  }
  return (
    <ResponsiveContainer width="100%" height={260}>
      <LineChart data={data}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis dataKey="at" tickFormatter={(at: number) => formatTime(at)} />
        <YAxis unit=" ms" />
        <Tooltip
          labelFormatter={(at) => formatTime(Number(at))}
          formatter={(value) => `${formatNumber(Number(value), 1)} ms`}
        />
        <Legend />
        {providers.map((provider, index) => (
          <Line
            key={provider.provider_id}
            dataKey={provider.provider_id}
            name={provider.name}
            stroke={PALETTE[index % PALETTE.length]}
            dot={false}
            connectNulls
            isAnimationActive={false}
          />
        ))}
      </LineChart>
    </ResponsiveContainer>
  );
}
