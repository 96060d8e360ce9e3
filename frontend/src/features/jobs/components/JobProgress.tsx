import { Progress, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobPublic } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';

/** The share of items finished, the failed share drawn apart, and the counts under it. */
export function JobProgress({ job }: { job: JobPublic }) {
  const { t } = useTranslation();
  const percent = Math.round(job.progress * 1000) / 10;
  const failedPercent = job.total ? (job.failed / job.total) * 100 : 0;
  const status =
    job.status === 'failed' ? 'exception' : job.status === 'completed' ? 'success' : 'active';
  return (
    <Space orientation="vertical" size={0} style={{ width: '100%', minWidth: 180 }}>
      <Progress
        percent={percent}
        success={{ percent: Math.max(0, percent - failedPercent) }}
        status={job.status === 'running' ? 'active' : status === 'active' ? 'normal' : status}
        format={() => `${formatNumber(percent, 1)} %`}
        aria-label={t('jobs:progressOf', { id: job.id })}
      />
      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
        {t('jobs:counts', {
          completed: formatNumber(job.completed),
          failed: formatNumber(job.failed),
          total: formatNumber(job.total),
        })}
      </Typography.Text>
    </Space>
  );
}
