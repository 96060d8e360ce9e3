import { Tag, Tooltip } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobPublic } from '../../../client/types.gen';

export const STATUS_LABELS: Record<JobPublic['status'], string> = {
  queued: 'jobs:status.queued',
  running: 'jobs:status.running',
  paused: 'jobs:status.paused',
  cancelling: 'jobs:status.cancelling',
  cancelled: 'jobs:status.cancelled',
  completed: 'jobs:status.completed',
  failed: 'jobs:status.failed',
};

const COLORS: Record<JobPublic['status'], string> = {
  queued: 'default',
  running: 'processing',
  paused: 'warning',
  cancelling: 'warning',
  cancelled: 'default',
  completed: 'success',
  failed: 'error',
};

export function JobStatusTag({ job }: { job: JobPublic }) {
  const { t } = useTranslation();
  const tag = <Tag color={COLORS[job.status]}>{t(STATUS_LABELS[job.status])}</Tag>;
  return job.pause_reason ? <Tooltip title={job.pause_reason}>{tag}</Tooltip> : tag;
}
