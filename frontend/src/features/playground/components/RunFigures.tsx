import { Descriptions, Tag } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { formatNumber } from '../../../lib/format';
import type { GenerateDone } from '../api/generateStream';
import { useModels } from '../../../api/models';
import { costOf } from '../api/modelPrices';

/** Latency, tokens and cost of a finished generation, and who answered it. */
export function RunFigures({
  done,
  providers,
}: {
  done: GenerateDone;
  providers: ProviderHealthPublic[];
}) {
  const { t } = useTranslation();
  const provider = providers.find((p) => p.provider_id === done.provider_id);
  const models = useModels(provider?.provider_type ?? null);
  const entry = models.data?.find((m) => m.model === done.model);
  const cost = () => {
    if (done.cached) return `${formatNumber(0, 6)} ${entry?.currency ?? ''}`.trim();
    if (!entry) return models.isPending && provider ? '…' : t('playground:costUnknown');
    return `${formatNumber(costOf(entry, done.usage), 6)} ${entry.currency ?? 'USD'}`;
  };
  return (
    <Descriptions size="small" column={{ xs: 1, sm: 2, lg: 3 }} bordered>
      <Descriptions.Item label={t('playground:figures.latency')}>
        {`${formatNumber(done.latency_ms, 0)} ms`}
        {done.cached && <Tag color="green" style={{ marginInlineStart: 8 }}>{t('playground:cached')}</Tag>}
      </Descriptions.Item>
      <Descriptions.Item label={t('playground:figures.tokens')}>
        {t('playground:figures.tokensValue', {
          prompt: formatNumber(done.usage.prompt_tokens),
          completion: formatNumber(done.usage.completion_tokens ?? 0),
          total: formatNumber(done.usage.total_tokens),
        })}
      </Descriptions.Item>
      <Descriptions.Item label={t('playground:figures.cost')}>{cost()}</Descriptions.Item>
      <Descriptions.Item label={t('playground:figures.provider')}>
        {provider?.name ?? done.provider_id}
      </Descriptions.Item>
      <Descriptions.Item label={t('playground:figures.model')}>{done.model}</Descriptions.Item>
      <Descriptions.Item label={t('playground:figures.finish')}>
        {done.finish_reason ?? t('common:none')}
      </Descriptions.Item>
    </Descriptions>
  );
}
