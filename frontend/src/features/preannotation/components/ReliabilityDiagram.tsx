import { Empty } from 'antd';
import { useTranslation } from 'react-i18next';
import {
  CartesianGrid,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { CalibrationPublic, ReliabilityBinPublic } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';

// Before the container is measured (and in tests, where nothing is), the chart takes this size.
const INITIAL_SIZE = { width: 640, height: 320 };
const IDEAL = [
  { score: 0, accuracy: 0 },
  { score: 1, accuracy: 1 },
];

/** The bins that hold regions, as (mean score, share correct) points. */
function points(bins: ReliabilityBinPublic[]) {
  return bins.flatMap((bin) =>
    bin.count > 0 && bin.mean_score !== null && bin.accuracy !== null
      ? [{ score: bin.mean_score, accuracy: bin.accuracy, count: bin.count }]
      : [],
  );
}

/**
 * Does a score of 0.9 mean 90 % correct? Each bin's mean score against the share of its regions
 * humans kept, before and after calibration, beside the diagonal of a perfect calibration; the
 * chosen threshold as a vertical line.
 */
export function ReliabilityDiagram({
  calibration,
  threshold,
}: {
  calibration: CalibrationPublic;
  threshold: number | null;
}) {
  const { t } = useTranslation();
  const before = points(calibration.reliability_before ?? []);
  const after = points(calibration.reliability_after ?? []);
  if (before.length === 0 && after.length === 0) {
    return <Empty description={t('preannotation:reliability.empty')} />;
  }
  const share = (value: number) => formatNumber(value, 2);
  return (
    <ResponsiveContainer width="100%" height={INITIAL_SIZE.height} initialDimension={INITIAL_SIZE}>
      <LineChart margin={{ top: 8, right: 24, bottom: 16, left: 8 }}>
        <CartesianGrid strokeDasharray="3 3" />
        <XAxis
          type="number"
          dataKey="score"
          domain={[0, 1]}
          tickFormatter={share}
          label={{ value: t('preannotation:reliability.score'), position: 'insideBottom', offset: -8 }}
        />
        <YAxis
          type="number"
          dataKey="accuracy"
          domain={[0, 1]}
          tickFormatter={share}
          label={{ value: t('preannotation:reliability.accuracy'), angle: -90, position: 'insideLeft' }}
        />
        <Tooltip formatter={(value) => formatNumber(Number(value), 3)} labelFormatter={(value) => formatNumber(Number(value), 3)} />
        <Legend verticalAlign="top" />
        <Line
          data={IDEAL}
          dataKey="accuracy"
          name={t('preannotation:reliability.ideal')}
          stroke="#bfbfbf"
          strokeDasharray="4 4"
          dot={false}
          isAnimationActive={false}
        />
        {before.length > 0 && (
          <Line
            data={before}
            dataKey="accuracy"
            name={t('preannotation:reliability.before')}
            stroke="#fa8c16"
            isAnimationActive={false}
          />
        )}
        {after.length > 0 && (
          <Line
            data={after}
            dataKey="accuracy"
            name={t('preannotation:reliability.after')}
            stroke="#1677ff"
            isAnimationActive={false}
          />
        )}
        {threshold !== null && (
          <ReferenceLine
            x={threshold}
            stroke="#52c41a"
            label={{ value: t('preannotation:reliability.threshold'), position: 'insideTopLeft' }}
          />
        )}
      </LineChart>
    </ResponsiveContainer>
  );
}
