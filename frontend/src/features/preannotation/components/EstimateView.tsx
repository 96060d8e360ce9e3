import { Alert, Descriptions, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { PreannotationEstimate, ProviderHealthPublic } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import { money } from './figures';

/** What a run would cost: tasks, tokens, calls and the price from the model registry, in its currency. */
export function EstimateView({
  estimate,
  providers,
}: {
  estimate: PreannotationEstimate;
  providers: ProviderHealthPublic[];
}) {
  const { t } = useTranslation();
  const provider = providers.find((p) => p.provider_id === estimate.provider_id)?.name;
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      {estimate.tasks === 0 && <Alert type="warning" showIcon title={t('preannotation:estimate.noTasks')} />}
      {estimate.unreadable_tasks > 0 && (
        <Alert
          type="warning"
          showIcon
          title={t('preannotation:estimate.unreadable', { tasks: formatNumber(estimate.unreadable_tasks) })}
        />
      )}
      <Descriptions bordered size="small" column={{ xs: 1, md: 2 }} title={t('preannotation:estimate.title')}>
        <Descriptions.Item label={t('preannotation:estimate.tasks')}>
          {formatNumber(estimate.tasks)}
        </Descriptions.Item>
        <Descriptions.Item label={t('preannotation:estimate.cost')}>
          {estimate.cost === null
            ? t('preannotation:estimate.costUnknown')
            : estimate.currency === null
              ? formatNumber(estimate.cost, 4)
              : money(estimate.cost, estimate.currency)}
        </Descriptions.Item>
        <Descriptions.Item label={t('preannotation:estimate.tokens')}>
          {t('preannotation:estimate.tokenSplit', {
            prompt: formatNumber(estimate.prompt_tokens),
            completion: formatNumber(estimate.completion_tokens),
            total: formatNumber(estimate.total_tokens),
          })}
        </Descriptions.Item>
        <Descriptions.Item label={t('preannotation:estimate.calls')}>
          {formatNumber(estimate.calls_per_task)}
        </Descriptions.Item>
        <Descriptions.Item label={t('preannotation:estimate.model')}>
          {[provider ?? (estimate.provider_id ? estimate.provider_id : t('preannotation:estimate.noProvider')), estimate.model]
            .filter(Boolean)
            .join(' / ')}
        </Descriptions.Item>
        <Descriptions.Item label={t('preannotation:estimate.modelVersion')}>
          <code>{estimate.model_version}</code>
        </Descriptions.Item>
      </Descriptions>
    </Space>
  );
}
