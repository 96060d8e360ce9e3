import { CloudDownloadOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Empty, Select, Skeleton, Space, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AnnotationProjectPublic, VersionMetrics } from '../../../client/types.gen';
import { formatDateTime, formatNumber } from '../../../lib/format';
import { useMetrics, usePullAnnotations } from '../api/metrics';
import { percent, score } from './figures';
import { LabelAccuracyTable } from './LabelAccuracyTable';
import { ReliabilityDiagram } from './ReliabilityDiagram';
import { ServerError } from './ServerError';
import { ThresholdPicker } from './ThresholdPicker';
import { VersionFigures } from './VersionFigures';

const DEFAULT_TARGET = 0.9;
// A 409 from pull means Turnout holds no token for the project's Label Studio.
const PULL_HINTS = { CONFLICT: 'preannotation:hints.pullNoConnection' };

/** The version most worth showing first: the one with the most human labels. */
function busiest(versions: VersionMetrics[]): VersionMetrics | undefined {
  return versions.reduce<VersionMetrics | undefined>(
    (best, v) => (!best || v.annotations.total > best.annotations.total ? v : best),
    undefined,
  );
}

/**
 * How a project's pre-annotations fared against human labels: per model_version, accuracy per
 * label, acceptance, calibration and the threshold for a chosen target accuracy.
 */
export function MetricsCard({ project, canPull }: { project: AnnotationProjectPublic; canPull: boolean }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [target, setTarget] = useState(DEFAULT_TARGET);
  const [chosen, setChosen] = useState<string | null>(null);
  const metrics = useMetrics(project.id, target);
  const pull = usePullAnnotations();
  const versions = metrics.data ?? [];
  const version = versions.find((v) => v.model_version === chosen) ?? busiest(versions);

  const runPull = () =>
    pull.mutate(project.id, {
      onSuccess: (count) => void message.success(t('preannotation:pull.done', { annotations: formatNumber(count) })),
    });
  // Pulling reads Label Studio with the URL and token Turnout stored for the project.
  const pullButton = canPull && (
    <Button
      icon={<CloudDownloadOutlined />}
      loading={pull.isPending}
      disabled={!project.has_connection}
      onClick={runPull}
    >
      {t('preannotation:pull.button')}
    </Button>
  );

  const body = () => {
    if (metrics.isPending) return <Skeleton active paragraph={{ rows: 6 }} />;
    if (metrics.error) {
      return <Alert type="error" showIcon title={t('common:loadFailed', { message: metrics.error.message })} />;
    }
    if (!version) return <Empty description={t('preannotation:metrics.noPredictions')} />;
    return (
      <Space orientation="vertical" size="large" style={{ width: '100%' }}>
        <VersionsTable versions={versions} />
        <Space wrap>
          <label htmlFor="preannotation-version">{t('preannotation:metrics.version')}</label>
          <Select<string>
            id="preannotation-version"
            style={{ minWidth: 360 }}
            value={version.model_version}
            onChange={setChosen}
            options={versions.map((v) => ({
              value: v.model_version,
              label: t('preannotation:metrics.versionOption', {
                version: v.model_version,
                when: formatDateTime(v.last_predicted_at),
              }),
            }))}
          />
        </Space>
        <VersionFigures version={version} />
        {version.annotations.total === 0 ? (
          <Empty description={canPull ? t('preannotation:metrics.noLabels') : t('preannotation:metrics.noLabelsViewer')}>
            {pullButton}
          </Empty>
        ) : (
          <>
            <Typography.Title level={5}>{t('preannotation:labels.title')}</Typography.Title>
            <LabelAccuracyTable labels={version.labels} />
            <Typography.Title level={5}>{t('preannotation:reliability.title')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t('preannotation:reliability.help')}</Typography.Paragraph>
            <ReliabilityDiagram calibration={version.calibration} threshold={version.threshold?.threshold ?? null} />
            <Typography.Title level={5}>{t('preannotation:threshold.title')}</Typography.Title>
            <Typography.Paragraph type="secondary">{t('preannotation:threshold.help')}</Typography.Paragraph>
            <ThresholdPicker
              target={target}
              onTargetChange={setTarget}
              threshold={version.threshold}
              updating={metrics.isPlaceholderData}
            />
          </>
        )}
      </Space>
    );
  };

  return (
    <Card title={t('preannotation:metrics.title', { project: project.ls_project_id })} extra={pullButton}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        {canPull && !project.has_connection && (
          <Alert
            type="warning"
            showIcon
            title={t('preannotation:connection.missing')}
            description={t('preannotation:connection.missingHelp')}
          />
        )}
        <ServerError error={pull.error} extraHints={PULL_HINTS} />
        {body()}
      </Space>
    </Card>
  );
}

/** Every model_version of the project side by side, newest first (as the server lists them). */
function VersionsTable({ versions }: { versions: VersionMetrics[] }) {
  const { t } = useTranslation();
  return (
    <Table<VersionMetrics>
      size="small"
      pagination={false}
      scroll={{ x: 'max-content' }}
      rowKey="model_version"
      dataSource={versions}
      columns={[
        { title: t('preannotation:versions.version'), dataIndex: 'model_version', render: (v: string) => <code>{v}</code> },
        {
          title: t('preannotation:versions.firstPredicted'),
          dataIndex: 'first_predicted_at',
          render: (when: string) => formatDateTime(when),
        },
        {
          title: t('preannotation:versions.lastPredicted'),
          dataIndex: 'last_predicted_at',
          render: (when: string) => formatDateTime(when),
        },
        {
          title: t('preannotation:versions.predictions'),
          align: 'right',
          render: (_: unknown, v: VersionMetrics) => formatNumber(v.predictions.completed),
        },
        {
          title: t('preannotation:versions.annotations'),
          align: 'right',
          render: (_: unknown, v: VersionMetrics) => formatNumber(v.annotations.total),
        },
        {
          title: t('preannotation:versions.acceptance'),
          align: 'right',
          render: (_: unknown, v: VersionMetrics) => percent(v.annotations.acceptance_rate),
        },
        {
          title: t('preannotation:versions.ece'),
          align: 'right',
          render: (_: unknown, v: VersionMetrics) => score(v.calibration.ece_after ?? v.calibration.ece_before),
        },
      ]}
    />
  );
}
