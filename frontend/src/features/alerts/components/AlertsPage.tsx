import { Alert, Button, Card, Skeleton, Space, Typography } from 'antd';
import { useTranslation } from 'react-i18next';
import { useAlertWebhook } from '../api/alertWebhook';
import { WebhookForm } from './WebhookForm';

/** Where the tenant's provider health alerts go. */
export function AlertsPage() {
  const { t } = useTranslation();
  const webhook = useAlertWebhook();

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3} style={{ margin: 0 }}>
        {t('alerts:title')}
      </Typography.Title>
      <Typography.Paragraph type="secondary" style={{ margin: 0 }}>
        {t('alerts:intro')}
      </Typography.Paragraph>
      {webhook.error && (
        <Alert
          type="error"
          showIcon
          title={t('common:loadFailed', { message: webhook.error.message })}
          action={
            <Button size="small" onClick={() => void webhook.refetch()}>
              {t('common:actions.retry')}
            </Button>
          }
        />
      )}
      <Card title={t('alerts:webhook.title')} style={{ maxWidth: 720 }}>
        {webhook.isPending ? <Skeleton active /> : webhook.data && <WebhookForm current={webhook.data} />}
      </Card>
    </Space>
  );
}
