import { Col, Row, Statistic, Tag, Tooltip, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { VersionMetrics } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import { percent, score } from './figures';

const METHOD_LABELS: Record<string, string> = {
  temperature: 'preannotation:calibration.methods.temperature',
  platt: 'preannotation:calibration.methods.platt',
  isotonic: 'preannotation:calibration.methods.isotonic',
};
const VALUE_STYLE = { content: { fontSize: 20 } };

/** One figure with its title, and a line under it that says what it counts. */
function Figure({ title, value, note }: { title: string; value: ReactNode; note?: string }) {
  return (
    <Col xs={12} md={8} xl={4}>
      <Statistic title={title} valueRender={() => value} styles={VALUE_STYLE} />
      {note && <Typography.Text type="secondary">{note}</Typography.Text>}
    </Col>
  );
}

/** One model_version at a glance: predictions, human labels, acceptance, ECE and Brier. */
export function VersionFigures({ version }: { version: VersionMetrics }) {
  const { t } = useTranslation();
  const { calibration, annotations, predictions } = version;
  const methodKey = calibration.method ? METHOD_LABELS[calibration.method] : undefined;
  const method = methodKey ? t(methodKey) : calibration.method;
  const beforeAfter = (before?: number | null, after?: number | null) =>
    calibration.fitted
      ? t('preannotation:calibration.beforeAfter', { before: score(before), after: score(after) })
      : score(before);
  return (
    <Row gutter={[24, 16]}>
      <Figure
        title={t('preannotation:figures.predictions')}
        value={formatNumber(predictions.completed)}
        note={predictions.failed > 0 ? t('preannotation:figures.failed', { failed: formatNumber(predictions.failed) }) : undefined}
      />
      <Figure title={t('preannotation:figures.annotations')} value={formatNumber(annotations.total)} />
      <Figure
        title={t('preannotation:figures.acceptance')}
        value={percent(annotations.acceptance_rate)}
        note={
          annotations.total > 0
            ? t('preannotation:figures.accepted', { accepted: formatNumber(annotations.accepted) })
            : undefined
        }
      />
      <Figure
        title={t('preannotation:figures.ece')}
        value={beforeAfter(calibration.ece_before, calibration.ece_after)}
        note={calibration.fitted ? t('preannotation:calibration.beforeAfterNote') : undefined}
      />
      <Figure
        title={t('preannotation:figures.brier')}
        value={beforeAfter(calibration.brier_before, calibration.brier_after)}
        note={calibration.fitted ? t('preannotation:calibration.beforeAfterNote') : undefined}
      />
      <Figure
        title={t('preannotation:figures.calibration')}
        value={
          calibration.fitted ? (
            <Tag color="blue">{method}</Tag>
          ) : (
            <Tooltip title={t('preannotation:calibration.notFittedHelp')}>
              <Tag>{t('preannotation:calibration.notFitted')}</Tag>
            </Tooltip>
          )
        }
        note={t('preannotation:calibration.samples', { samples: formatNumber(calibration.samples) })}
      />
    </Row>
  );
}
