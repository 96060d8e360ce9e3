import { DownloadOutlined, StopOutlined } from '@ant-design/icons';
import { App, Button, Popconfirm, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { JobPublic } from '../../../client/types.gen';
import { hasRole, useSession } from '../../../lib/session';
import { useCancelJob } from '../api/cancelJob';
import { isFinished } from '../api/jobList';
import { useDownloadResults } from '../api/jobResults';

/** Cancel (for members, while the job runs) and download its results. */
export function JobActions({ job }: { job: JobPublic }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSession();
  const cancel = useCancelJob();
  const download = useDownloadResults();
  const mayCancel = session !== null && hasRole(session.role, 'member');
  const finished = isFinished(job);
  return (
    <Space wrap>
      {mayCancel && !finished && (
        <Popconfirm
          title={t('jobs:cancelConfirm')}
          okText={t('jobs:cancelYes')}
          cancelText={t('common:actions.cancel')}
          onConfirm={() =>
            cancel.mutate(job.id, {
              onSuccess: () => void message.success(t('jobs:cancelled')),
              onError: (error) => void message.error(error.message),
            })
          }
        >
          <Button
            size="small"
            danger
            icon={<StopOutlined />}
            loading={cancel.isPending}
            disabled={job.status === 'cancelling'}
          >
            {t('jobs:cancel')}
          </Button>
        </Popconfirm>
      )}
      <Button
        size="small"
        icon={<DownloadOutlined />}
        loading={download.isPending}
        disabled={job.completed + job.failed + job.cancelled === 0}
        onClick={() =>
          download.mutate(job.id, { onError: (error) => void message.error(error.message) })
        }
      >
        {t('jobs:download')}
      </Button>
    </Space>
  );
}
