import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Input, Select, Skeleton, Space, Typography } from 'antd';
import { useMemo, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMethods } from '../../../api/methods';
import { hasRole, useSession } from '../../../lib/session';
import { useModelRegistry } from '../api/modelRegistry';
import { AddModelForm } from './AddModelForm';
import { ModelsTable } from './ModelsTable';

/** The model registry: what Turnout knows of each model (context window, prices), built-in or the tenant's own. */
export function ModelsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const admin = session !== null && hasRole(session.role, 'admin');
  const registry = useModelRegistry();
  const methods = useMethods();
  const [adding, setAdding] = useState(false);
  const [providerType, setProviderType] = useState<string | null>(null);
  const [search, setSearch] = useState('');

  const typeNames = useMemo(
    () => new Map((methods.data ?? []).map((method) => [method.type, method.name])),
    [methods.data],
  );
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    const matching = (registry.data ?? []).filter(
      (entry) =>
        (providerType === null || entry.provider_type === providerType) &&
        (needle === '' || entry.model.toLowerCase().includes(needle)),
    );
    // The tenant's own entries first: they are the ones an admin added and may change.
    return [...matching.filter((entry) => !entry.builtin), ...matching.filter((entry) => entry.builtin)];
  }, [registry.data, providerType, search]);
  const filtered = providerType !== null || search.trim() !== '';

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('models:title')}
        </Typography.Title>
        {admin && (
          <Button type="primary" icon={<PlusOutlined />} onClick={() => setAdding(true)}>
            {t('models:add')}
          </Button>
        )}
      </Flex>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('models:intro')}
      </Typography.Paragraph>
      {registry.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: registry.error.message })}
          action={
            <Button size="small" onClick={() => void registry.refetch()}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      <Flex wrap gap={8}>
        <Select<string>
          allowClear
          aria-label={t('models:filter.providerType')}
          placeholder={t('models:filter.allTypes')}
          style={{ minWidth: 220 }}
          value={providerType ?? undefined}
          onChange={(value) => setProviderType(value ?? null)}
          options={[...typeNames].map(([type, name]) => ({ value: type, label: name }))}
        />
        <Input.Search
          allowClear
          aria-label={t('models:filter.search')}
          placeholder={t('models:filter.search')}
          style={{ maxWidth: 280 }}
          value={search}
          onChange={(event) => setSearch(event.target.value)}
        />
      </Flex>
      {registry.isPending ? (
        <Skeleton active />
      ) : (
        registry.data && (
          <ModelsTable
            entries={shown}
            typeNames={typeNames}
            admin={admin}
            filtered={filtered}
            onAdd={() => setAdding(true)}
            onClearFilter={() => {
              setProviderType(null);
              setSearch('');
            }}
          />
        )
      )}
      {admin && (
        <AddModelForm
          open={adding}
          providerType={providerType}
          onClose={() => setAdding(false)}
        />
      )}
    </Space>
  );
}
