import { Badge } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic } from '../client/types.gen';

export type HealthState = ProviderHealthPublic['status'];

export const HEALTH_COLOURS: Record<HealthState, string> = {
  healthy: '#52c41a',
  degraded: '#faad14',
  unhealthy: '#ff4d4f',
  unknown: '#bfbfbf',
};

export const HEALTH_LABELS: Record<HealthState, string> = {
  healthy: 'common:health.healthy',
  degraded: 'common:health.degraded',
  unhealthy: 'common:health.unhealthy',
  unknown: 'common:health.unknown',
};

/** A coloured dot with the status in words (colour is never the only cue). */
export function HealthStatus({ status }: { status: HealthState }) {
  const { t } = useTranslation();
  return <Badge color={HEALTH_COLOURS[status]} text={t(HEALTH_LABELS[status])} />;
}
