import { AutoComplete, Select, Space } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { useModels } from '../../../api/models';

/** Where a prompt goes: a provider (none: Turnout's routing picks) and a model (none: its default). */
export interface Target {
  providerId: string | null;
  model: string;
}

export function TargetPicker({
  value,
  onChange,
  providers,
  label,
}: {
  value: Target;
  onChange: (target: Target) => void;
  providers: ProviderHealthPublic[];
  label: string;
}) {
  const { t } = useTranslation();
  const provider = providers.find((p) => p.provider_id === value.providerId) ?? null;
  const models = useModels(provider?.provider_type ?? null).data ?? [];
  const chatModels = models.filter((entry) => entry.kind !== 'embedding');
  return (
    <Space wrap>
      <Select<string>
        aria-label={t('playground:providerOf', { panel: label })}
        style={{ minWidth: 220 }}
        allowClear
        placeholder={t('playground:routingDefault')}
        value={value.providerId ?? undefined}
        onChange={(providerId) => onChange({ providerId: providerId ?? null, model: '' })}
        options={providers.map((p) => ({
          value: p.provider_id,
          label: (
            <Space>
              <ProviderTypeIcon type={p.provider_type} />
              {p.name}
            </Space>
          ),
        }))}
      />
      <AutoComplete
        aria-label={t('playground:modelOf', { panel: label })}
        style={{ minWidth: 240 }}
        placeholder={t('playground:modelDefault')}
        value={value.model}
        onChange={(model: string) => onChange({ ...value, model })}
        options={chatModels.map((entry) => ({ value: entry.model }))}
        filterOption={(input, option) =>
          String(option?.value ?? '').toLowerCase().includes(input.toLowerCase())
        }
      />
    </Space>
  );
}
