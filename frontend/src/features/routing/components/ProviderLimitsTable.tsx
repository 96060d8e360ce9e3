import { App, Button, InputNumber, Space, Switch, Table, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProviderPublic } from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { useUpdateProviderOptions } from '../api/updateProviderOptions';

type Options = Record<string, unknown>;

// The catalog's option fields (providers/catalog_fields.py): bounds as Turnout checks them.
const NUMBER_OPTIONS = [
  { key: 'rpm', titleKey: 'routing:limits.rpm', min: 0, max: 10_000_000, placeholderKey: 'routing:limits.unlimited' },
  { key: 'tpm', titleKey: 'routing:limits.tpm', min: 0, max: 1_000_000_000, placeholderKey: 'routing:limits.unlimited' },
  { key: 'timeout_s', titleKey: 'routing:limits.timeout', min: 0.1, max: 600, placeholderKey: 'routing:limits.default' },
  { key: 'max_retries', titleKey: 'routing:limits.retries', min: 0, max: 10, placeholderKey: 'routing:limits.default' },
  { key: 'hedge_delay_ms', titleKey: 'routing:limits.hedgeDelay', min: 1, max: 600_000, placeholderKey: 'routing:limits.auto' },
] as const;

function withoutBlanks(options: Options): Options {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== null && value !== undefined));
}

/** Per provider: hedging on or off, its delay, request and token limits, timeout and retries. */
export function ProviderLimitsTable({ providers }: { providers: ProviderPublic[] }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [drafts, setDrafts] = useState<Record<string, Options>>({});
  const update = useUpdateProviderOptions();

  const valueOf = (row: ProviderPublic, key: string) =>
    key in (drafts[row.id] ?? {}) ? drafts[row.id]?.[key] : row.options[key];
  const edit = (row: ProviderPublic, key: string, value: unknown) =>
    setDrafts((all) => ({ ...all, [row.id]: { ...all[row.id], [key]: value } }));
  const save = (row: ProviderPublic) => {
    const options = withoutBlanks({ ...row.options, ...drafts[row.id] });
    update.mutate(
      { id: row.id, options },
      {
        onSuccess: () => {
          setDrafts(({ [row.id]: _saved, ...rest }) => rest);
          void message.success(t('routing:limits.saved', { name: row.name }));
        },
        onError: (error) => void message.error(error.message),
      },
    );
  };

  const columns = [
    {
      title: t('routing:limits.provider'),
      key: 'name',
      fixed: 'left' as const,
      render: (_: unknown, row: ProviderPublic) => (
        <Space>
          <ProviderTypeIcon type={row.provider_type} />
          <Typography.Text strong>{row.name}</Typography.Text>
        </Space>
      ),
    },
    {
      title: t('routing:limits.hedging'),
      key: 'hedging',
      render: (_: unknown, row: ProviderPublic) => (
        <Switch
          checked={valueOf(row, 'hedging') !== false}
          onChange={(on) => edit(row, 'hedging', on)}
          aria-label={t('routing:limits.hedgingNamed', { name: row.name })}
        />
      ),
    },
    ...NUMBER_OPTIONS.map((option) => ({
      title: t(option.titleKey),
      key: option.key,
      render: (_: unknown, row: ProviderPublic) => {
        const value = valueOf(row, option.key);
        return (
          <InputNumber
            style={{ width: 120 }}
            min={option.min}
            max={option.max}
            value={typeof value === 'number' ? value : null}
            placeholder={t(option.placeholderKey)}
            disabled={option.key === 'hedge_delay_ms' && valueOf(row, 'hedging') === false}
            onChange={(next) => edit(row, option.key, next)}
            aria-label={`${t(option.titleKey)} · ${row.name}`}
          />
        );
      },
    })),
    {
      title: t('routing:limits.actions'),
      key: 'save',
      render: (_: unknown, row: ProviderPublic) => (
        <Button
          type="primary"
          size="small"
          disabled={!drafts[row.id]}
          loading={update.isPending && update.variables?.id === row.id}
          onClick={() => save(row)}
          aria-label={t('routing:limits.saveNamed', { name: row.name })}
        >
          {t('common:actions.save')}
        </Button>
      ),
    },
  ];

  return (
    <Table<ProviderPublic>
      rowKey="id"
      columns={columns}
      dataSource={providers}
      pagination={false}
      scroll={{ x: true }}
      size="middle"
    />
  );
}
