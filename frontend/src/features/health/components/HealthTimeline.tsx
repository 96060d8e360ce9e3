import { Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import { HEALTH_COLOURS, HEALTH_LABELS } from '../../../components/HealthStatus';
import { formatTime } from '../../../lib/format';
import type { HealthSample } from '../api/healthHistory';

/** A strip of one cell per reading, oldest first, coloured by status. */
export function HealthTimeline({ samples }: { samples: HealthSample[] }) {
  const { t } = useTranslation();
  return (
    <div style={{ display: 'flex', gap: 2 }} aria-label={t('health:timeline')}>
      {samples.map((sample) => (
        <Tooltip key={sample.at} title={`${formatTime(sample.at)} · ${t(HEALTH_LABELS[sample.status])}`}>
          <span
            data-status={sample.status}
            style={{ width: 6, height: 18, borderRadius: 2, background: HEALTH_COLOURS[sample.status] }}
          />
        </Tooltip>
      ))}
    </div>
  );
}
