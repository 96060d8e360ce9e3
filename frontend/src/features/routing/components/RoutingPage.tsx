import { Alert, Button, Card, Empty, Flex, Select, Skeleton, Space, Switch, Typography } from 'antd';
import { App } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { RoutingBody } from '../../../client/types.gen';
import { useProviders } from '../../../api/providers';
import { useRouting } from '../../../api/routing';
import { useSaveRouting } from '../api/replaceRouting';
import { FallbackList } from './FallbackList';
import { ProviderLimitsTable } from './ProviderLimitsTable';

const EMPTY: RoutingBody = { active_provider_id: null, fallback_provider_ids: [], fallback_for_pinned: false };

export function RoutingPage() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const providers = useProviders();
  const routing = useRouting();
  const save = useSaveRouting();
  const [draft, setDraft] = useState<RoutingBody>(EMPTY);

  useEffect(() => {
    if (routing.data) setDraft(routing.data);
  }, [routing.data]);

  if (providers.isPending || routing.isPending) return <Skeleton active />;
  const failed = providers.error ?? routing.error;
  if (failed) return <Alert type="error" showIcon title={t('common:loadFailed', { message: failed.message })} />;
  const all = providers.data ?? [];
  if (all.length === 0) {
    return <Empty description={t('routing:noProviders')} />;
  }

  const fallbacks = draft.fallback_provider_ids ?? [];
  const candidates = all.filter((p) => p.id !== draft.active_provider_id && !fallbacks.includes(p.id));
  const changed = JSON.stringify(draft) !== JSON.stringify({ ...EMPTY, ...routing.data });
  const submit = () =>
    save.mutate(draft, {
      onSuccess: () => void message.success(t('routing:saved')),
      onError: (error) => void message.error(error.message),
    });

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('routing:title')}
        </Typography.Title>
        <Space>
          <Button disabled={!changed} onClick={() => routing.data && setDraft(routing.data)}>
            {t('routing:discard')}
          </Button>
          <Button type="primary" disabled={!changed} loading={save.isPending} onClick={submit}>
            {t('routing:save')}
          </Button>
        </Space>
      </Flex>
      <Card title={t('routing:active.title')}>
        <Typography.Paragraph type="secondary">{t('routing:active.help')}</Typography.Paragraph>
        <Select
          style={{ minWidth: 280 }}
          aria-label={t('routing:active.title')}
          placeholder={t('routing:active.none')}
          allowClear
          value={draft.active_provider_id ?? undefined}
          onChange={(id?: string) =>
            setDraft({
              ...draft,
              active_provider_id: id ?? null,
              fallback_provider_ids: fallbacks.filter((other) => other !== id),
            })
          }
          options={all.map((p) => ({ value: p.id, label: p.name, disabled: !p.enabled }))}
        />
      </Card>
      <Card title={t('routing:fallbacks.title')}>
        <Typography.Paragraph type="secondary">{t('routing:fallbacks.help')}</Typography.Paragraph>
        <FallbackList
          ids={fallbacks}
          providers={all}
          onChange={(ids) => setDraft({ ...draft, fallback_provider_ids: ids })}
        />
        <Space style={{ marginTop: 8 }} wrap>
          <Select
            style={{ minWidth: 240 }}
            aria-label={t('routing:fallbacks.add')}
            placeholder={t('routing:fallbacks.add')}
            value={null}
            disabled={candidates.length === 0}
            onChange={(id: string) => setDraft({ ...draft, fallback_provider_ids: [...fallbacks, id] })}
            options={candidates.map((p) => ({ value: p.id, label: p.name }))}
          />
        </Space>
        <Flex align="center" gap={8} style={{ marginTop: 16 }}>
          <Switch
            checked={draft.fallback_for_pinned ?? false}
            onChange={(on) => setDraft({ ...draft, fallback_for_pinned: on })}
            aria-label={t('routing:pinned.label')}
          />
          <Typography.Text>{t('routing:pinned.label')}</Typography.Text>
        </Flex>
        <Typography.Paragraph type="secondary" style={{ marginTop: 4 }}>
          {t('routing:pinned.help')}
        </Typography.Paragraph>
      </Card>
      <Card title={t('routing:limits.title')}>
        <Typography.Paragraph type="secondary">{t('routing:limits.help')}</Typography.Paragraph>
        <ProviderLimitsTable providers={all} />
      </Card>
    </Space>
  );
}
