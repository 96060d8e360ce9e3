import { Alert, Button, Select, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { JobPublic } from '../../../client/types.gen';
import { hasRole, useSession } from '../../../lib/session';
import { useLiveJobs } from '../api/jobEvents';
import { useJobs, type JobFilters } from '../api/jobList';
import { STATUS_LABELS } from './JobStatusTag';
import { JobsTable } from './JobsTable';
import { UploadBatchCard } from './UploadBatchCard';

const STATUSES = Object.keys(STATUS_LABELS) as JobPublic['status'][];
const KINDS = [
  { value: 'batch', labelKey: 'jobs:kinds.batch' },
  { value: 'preannotation', labelKey: 'jobs:kinds.preannotation' },
  { value: 'openai_batch', labelKey: 'jobs:kinds.openai_batch' },
];

/** Batch and pre-annotation jobs: live progress, cancel, results; upload a JSONL batch. */
export function JobsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const [filters, setFilters] = useState<JobFilters>({ status: null, kind: null });
  const jobs = useJobs(filters);
  const listed = jobs.data?.pages.flatMap((page) => page.data) ?? [];
  const live = useLiveJobs(listed);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('jobs:title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('jobs:intro')}</Typography.Paragraph>
      {session && hasRole(session.role, 'member') && <UploadBatchCard />}
      <Space wrap>
        <Select<JobPublic['status']>
          aria-label={t('jobs:filters.status')}
          allowClear
          placeholder={t('jobs:filters.anyStatus')}
          style={{ minWidth: 180 }}
          value={filters.status ?? undefined}
          onChange={(status) => setFilters((old) => ({ ...old, status: status ?? null }))}
          options={STATUSES.map((status) => ({ value: status, label: t(STATUS_LABELS[status]) }))}
        />
        <Select<string>
          aria-label={t('jobs:filters.kind')}
          allowClear
          placeholder={t('jobs:filters.anyKind')}
          style={{ minWidth: 200 }}
          value={filters.kind ?? undefined}
          onChange={(kind) => setFilters((old) => ({ ...old, kind: kind ?? null }))}
          options={KINDS.map((kind) => ({ value: kind.value, label: t(kind.labelKey) }))}
        />
      </Space>
      {jobs.error && (
        <Alert type="error" showIcon title={t('common:loadFailed', { message: jobs.error.message })} />
      )}
      <JobsTable jobs={live} loading={jobs.isPending} />
      {jobs.hasNextPage && (
        <Button loading={jobs.isFetchingNextPage} onClick={() => void jobs.fetchNextPage()}>
          {t('jobs:older')}
        </Button>
      )}
    </Space>
  );
}
