import { DeleteOutlined, SaveOutlined } from '@ant-design/icons';
import { Alert, App, Button, Descriptions, Flex, Form, Input, Popconfirm, Tag, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { AlertWebhookPublic } from '../../../client/types.gen';
import { ApiError } from '../../../lib/apiError';
import { showFieldErrors } from '../../../lib/fieldErrors';
import { useSaveAlertWebhook } from '../api/saveAlertWebhook';

interface Values {
  url: string;
}

/** The webhook as it is (masked), a field for a new URL, save and clear. */
export function WebhookForm({ current }: { current: AlertWebhookPublic }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const save = useSaveAlertWebhook();

  const send = async (url: string | null) => {
    setRefusal(null);
    try {
      const saved = await save.mutateAsync(url);
      form.resetFields();
      void message.success(
        saved.configured ? t('alerts:webhook.saved', { url: saved.url ?? '' }) : t('alerts:webhook.cleared'),
      );
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (showFieldErrors(form, error, ['url'])) setRefusal(error);
    }
  };

  return (
    <Flex vertical gap={16}>
      <Descriptions column={1} size="small">
        <Descriptions.Item label={t('alerts:webhook.status')}>
          {current.configured ? (
            <Tag color="green">{t('alerts:webhook.set')}</Tag>
          ) : (
            <Tag>{t('alerts:webhook.notSet')}</Tag>
          )}
        </Descriptions.Item>
        {current.configured && current.url && (
          <Descriptions.Item label={t('alerts:webhook.current')}>
            <Typography.Text code>{current.url}</Typography.Text>
          </Descriptions.Item>
        )}
      </Descriptions>
      {!current.configured && <Alert type="info" showIcon title={t('alerts:webhook.empty')} />}
      {refusal && (
        <Alert
          type="error"
          showIcon
          title={refusal.message}
          description={refusal.code === 'OUTBOUND_URL_BLOCKED' ? t('alerts:webhook.blockedHelp') : undefined}
        />
      )}
      <Form<Values> form={form} layout="vertical" onFinish={(values) => void send(values.url.trim())}>
        <Form.Item
          name="url"
          label={current.configured ? t('alerts:webhook.newUrl') : t('alerts:webhook.url')}
          extra={t('alerts:webhook.urlHelp')}
          rules={[
            { required: true, whitespace: true, message: t('alerts:webhook.urlRequired') },
            { max: 2048, message: t('alerts:webhook.urlTooLong') },
          ]}
        >
          <Input autoComplete="off" inputMode="url" placeholder="https://hooks.example.com/…" />
        </Form.Item>
        <Flex gap={8} wrap>
          <Button
            type="primary"
            htmlType="submit"
            icon={<SaveOutlined />}
            loading={save.isPending && save.variables !== null}
          >
            {t('alerts:webhook.save')}
          </Button>
          {current.configured && (
            <Popconfirm
              title={t('alerts:webhook.confirmClear.title')}
              description={t('alerts:webhook.confirmClear.detail')}
              okText={t('alerts:webhook.clear')}
              cancelText={t('common:actions.cancel')}
              okButtonProps={{ danger: true }}
              onConfirm={() => void send(null)}
            >
              <Button danger icon={<DeleteOutlined />} loading={save.isPending && save.variables === null}>
                {t('alerts:webhook.clear')}
              </Button>
            </Popconfirm>
          )}
        </Flex>
      </Form>
    </Flex>
  );
}
