import { Empty, Table, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobPublic } from '../../../client/types.gen';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { JobActions } from './JobActions';
import { JobProgress } from './JobProgress';
import { JobStatusTag } from './JobStatusTag';

const KIND_LABELS: Record<string, string> = {
  batch: 'jobs:kinds.batch',
  preannotation: 'jobs:kinds.preannotation',
  openai_batch: 'jobs:kinds.openai_batch',
};

function eta(seconds: number | null | undefined, none: string): string {
  if (seconds == null) return none;
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${formatNumber(minutes)} min ${formatNumber(seconds % 60)} s` : `${formatNumber(seconds)} s`;
}

export function JobsTable({ jobs, loading }: { jobs: JobPublic[]; loading: boolean }) {
  const { t } = useTranslation();
  const none = t('common:none');
  const columns = [
    {
      title: t('jobs:columns.job'),
      key: 'job',
      render: (_: unknown, job: JobPublic) => {
        const label = KIND_LABELS[job.kind];
        return (
          <>
            <div>{label ? t(label) : job.kind}</div>
            <Typography.Text type="secondary" copyable={{ text: job.id }} style={{ fontSize: 12 }}>
              {job.client_key ?? job.id.slice(0, 8)}
            </Typography.Text>
          </>
        );
      },
    },
    {
      title: t('jobs:columns.status'),
      key: 'status',
      render: (_: unknown, job: JobPublic) => <JobStatusTag job={job} />,
    },
    {
      title: t('jobs:columns.progress'),
      key: 'progress',
      width: 240,
      render: (_: unknown, job: JobPublic) => <JobProgress job={job} />,
    },
    {
      title: t('jobs:columns.eta'),
      key: 'eta',
      render: (_: unknown, job: JobPublic) => eta(job.eta_s, none),
    },
    {
      title: t('jobs:columns.tokens'),
      key: 'tokens',
      render: (_: unknown, job: JobPublic) => formatNumber(job.usage.total_tokens),
    },
    {
      title: t('jobs:columns.cost'),
      key: 'cost',
      render: (_: unknown, job: JobPublic) => formatNumber(job.cost, 4),
    },
    {
      title: t('jobs:columns.created'),
      key: 'created',
      render: (_: unknown, job: JobPublic) => formatDateTime(job.created_at),
    },
    {
      title: t('jobs:columns.actions'),
      key: 'actions',
      render: (_: unknown, job: JobPublic) => <JobActions job={job} />,
    },
  ];
  return (
    <Table<JobPublic>
      rowKey="id"
      columns={columns}
      dataSource={jobs}
      loading={loading}
      pagination={false}
      scroll={{ x: true }}
      locale={{ emptyText: <Empty description={t('jobs:empty')} /> }}
    />
  );
}
