import { Space, Tag, Tooltip, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderLastTest } from '../../../client/types.gen';
import { formatDateTime, formatNumber } from '../../../lib/format';

/** The provider's last connection test, as Turnout keeps it: latency, models found, error. */
export function LastTestResult({ id, test }: { id: string; test: ProviderLastTest | null | undefined }) {
  const { t } = useTranslation();
  if (!test) return <Typography.Text type="secondary">{t('providers:lastTest.none')}</Typography.Text>;
  const latency = `${formatNumber(test.latency_ms)} ms`;
  return (
    <Tooltip title={t('providers:lastTest.at', { time: formatDateTime(test.tested_at) })}>
      <Space orientation="vertical" size={0} data-testid={`last-test-${id}`}>
        {test.ok ? (
          <Tag color="success">{t('providers:lastTest.ok', { latency })}</Tag>
        ) : (
          <Tag color="error">{t('providers:lastTest.failed', { latency })}</Tag>
        )}
        {test.models && (
          <Typography.Text type="secondary">
            {t('providers:lastTest.models', { count: test.models.length })}
          </Typography.Text>
        )}
        {!test.ok && (
          <Typography.Text type="danger">
            {test.error_code && <Typography.Text code>{test.error_code}</Typography.Text>} {test.message}
          </Typography.Text>
        )}
      </Space>
    </Tooltip>
  );
}
