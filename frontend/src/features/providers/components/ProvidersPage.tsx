import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProviderPublic } from '../../../client/types.gen';
import { useHealth } from '../../../api/health';
import { useMethods } from '../../../api/methods';
import { useProviders } from '../../../api/providers';
import { useRouting } from '../../../api/routing';
import { ProviderForm } from './ProviderForm';
import { ProvidersTable } from './ProvidersTable';

type Editing = { mode: 'closed' } | { mode: 'add' } | { mode: 'edit'; provider: ProviderPublic };

export function ProvidersPage() {
  const { t } = useTranslation();
  const providers = useProviders();
  const methods = useMethods();
  const health = useHealth();
  const routing = useRouting();
  const [editing, setEditing] = useState<Editing>({ mode: 'closed' });

  const failed = providers.error ?? methods.error;
  const header = (
    <Flex justify="space-between" align="center" wrap gap={8}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('providers:title')}
      </Typography.Title>
      <Button
        type="primary"
        icon={<PlusOutlined />}
        disabled={!methods.data}
        onClick={() => setEditing({ mode: 'add' })}
      >
        {t('providers:add')}
      </Button>
    </Flex>
  );

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      {header}
      {failed && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: failed.message })}
          action={
            <Button size="small" onClick={() => void Promise.all([providers.refetch(), methods.refetch()])}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      {providers.isPending || methods.isPending ? (
        <Skeleton active />
      ) : (
        providers.data &&
        methods.data && (
          <ProvidersTable
            providers={providers.data}
            catalog={methods.data}
            health={health.data ?? []}
            routing={routing.data}
            onAdd={() => setEditing({ mode: 'add' })}
            onEdit={(provider) => setEditing({ mode: 'edit', provider })}
          />
        )
      )}
      {methods.data && (
        <ProviderForm
          open={editing.mode !== 'closed'}
          catalog={methods.data}
          provider={editing.mode === 'edit' ? editing.provider : undefined}
          onClose={() => setEditing({ mode: 'closed' })}
        />
      )}
    </Space>
  );
}
