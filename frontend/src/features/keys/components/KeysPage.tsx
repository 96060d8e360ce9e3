import { PlusOutlined } from '@ant-design/icons';
import { Alert, Button, Flex, Skeleton, Space, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ApiKeyCreated } from '../../../client/types.gen';
import { useKeys } from '../api/keyList';
import { CreateKeyForm } from './CreateKeyForm';
import { KeysTable } from './KeysTable';
import { NewKeyDialog } from './NewKeyDialog';

/** The tenant's API keys: create one (its plaintext shown once), revoke. */
export function KeysPage() {
  const { t } = useTranslation();
  const keys = useKeys();
  const [creating, setCreating] = useState(false);
  const [created, setCreated] = useState<ApiKeyCreated | null>(null);

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Flex justify="space-between" align="center" wrap gap={8}>
        <Typography.Title level={3} style={{ margin: 0 }}>
          {t('keys:title')}
        </Typography.Title>
        <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)}>
          {t('keys:create')}
        </Button>
      </Flex>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('keys:intro')}
      </Typography.Paragraph>
      {keys.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: keys.error.message })}
          action={
            <Button size="small" onClick={() => void keys.refetch()}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      {keys.isPending ? (
        <Skeleton active />
      ) : (
        keys.data && <KeysTable keys={keys.data} onCreate={() => setCreating(true)} />
      )}
      <CreateKeyForm
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(key) => {
          setCreating(false);
          setCreated(key);
        }}
      />
      <NewKeyDialog created={created} onClose={() => setCreated(null)} />
    </Space>
  );
}
