import { Alert, Col, Descriptions, InputNumber, Row, Slider, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ThresholdPublic } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import { percent, score } from './figures';

const MIN_PERCENT = 50;
const MAX_PERCENT = 99;

/**
 * The target accuracy, picked with a slider or typed (in percent), and what the server found for
 * it: the lowest task score at which humans kept predictions at least that often, and the share
 * of tasks at or above it. The target is sent when the slider is let go or the number is entered,
 * not at every step.
 */
export function ThresholdPicker({
  target,
  onTargetChange,
  threshold,
  updating,
}: {
  target: number;
  onTargetChange: (target: number) => void;
  threshold: ThresholdPublic | null;
  updating: boolean;
}) {
  const { t } = useTranslation();
  const [draft, setDraft] = useState(Math.round(target * 100));
  useEffect(() => setDraft(Math.round(target * 100)), [target]);
  const commit = (value: number | null) => {
    if (value === null) return setDraft(Math.round(target * 100));
    const bounded = Math.min(MAX_PERCENT, Math.max(MIN_PERCENT, Math.round(value)));
    setDraft(bounded);
    if (bounded / 100 !== target) onTargetChange(bounded / 100);
  };

  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Row gutter={16} align="middle">
        <Col flex="auto">
          <Slider
            aria-label={t('preannotation:threshold.targetSlider')}
            min={MIN_PERCENT}
            max={MAX_PERCENT}
            value={draft}
            onChange={setDraft}
            onChangeComplete={commit}
            tooltip={{ formatter: (value) => `${formatNumber(value ?? 0)} %` }}
          />
        </Col>
        <Col>
          <Space>
            <label htmlFor="preannotation-target">{t('preannotation:threshold.target')}</label>
            <InputNumber
              id="preannotation-target"
              min={MIN_PERCENT}
              max={MAX_PERCENT}
              precision={0}
              suffix="%"
              value={draft}
              onChange={(value) => value !== null && setDraft(value)}
              onPressEnter={() => commit(draft)}
              onBlur={() => commit(draft)}
            />
          </Space>
        </Col>
      </Row>
      {updating && <Typography.Text type="secondary">{t('preannotation:threshold.updating')}</Typography.Text>}
      {threshold === null || threshold.threshold === null || threshold.threshold === undefined ? (
        <Alert
          type="info"
          showIcon
          title={t('preannotation:threshold.none', {
            target: percent(target, 0),
            tasks: formatNumber(threshold?.labelled_tasks ?? 0),
          })}
        />
      ) : (
        <Descriptions bordered size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t('preannotation:threshold.threshold')}>
            {score(threshold.threshold)}
          </Descriptions.Item>
          <Descriptions.Item label={t('preannotation:threshold.share')}>
            {t('preannotation:threshold.shareValue', {
              share: percent(threshold.task_coverage),
              tasks: formatNumber(threshold.tasks_above ?? 0),
            })}
          </Descriptions.Item>
          <Descriptions.Item label={t('preannotation:threshold.accuracy')}>
            {percent(threshold.accuracy)}
          </Descriptions.Item>
          <Descriptions.Item label={t('preannotation:threshold.labelled')}>
            {t('preannotation:threshold.labelledValue', {
              tasks: formatNumber(threshold.labelled_tasks),
              share: percent(threshold.labelled_coverage),
            })}
          </Descriptions.Item>
        </Descriptions>
      )}
    </Space>
  );
}
