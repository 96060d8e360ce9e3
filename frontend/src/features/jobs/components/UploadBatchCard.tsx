import { InboxOutlined, UploadOutlined } from '@ant-design/icons';
import { App, Button, Card, Input, Select, Space, Typography, Upload } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useHealth } from '../../../api/health';
import { useUploadBatch } from '../api/uploadBatch';

/** Upload a JSONL file of generate bodies as one batch job. */
export function UploadBatchCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const providers = useHealth().data ?? [];
  const upload = useUploadBatch();
  const [file, setFile] = useState<File | null>(null);
  const [providerId, setProviderId] = useState<string | null>(null);
  const [model, setModel] = useState('');

  const send = () => {
    if (!file) return;
    upload.mutate(
      { file, providerId, model: model.trim() || null },
      {
        onSuccess: (job) => {
          void message.success(t('jobs:upload.created', { total: job.total }));
          setFile(null);
        },
      },
    );
  };

  return (
    <Card title={t('jobs:upload.title')}>
      <Space orientation="vertical" style={{ width: '100%' }}>
        <Typography.Paragraph type="secondary">{t('jobs:upload.help')}</Typography.Paragraph>
        <Upload.Dragger
          accept=".jsonl,.ndjson,application/x-ndjson"
          maxCount={1}
          fileList={file ? [{ uid: 'batch', name: file.name, status: 'done' }] : []}
          beforeUpload={(chosen) => {
            setFile(chosen);
            return false; // sent with the button, not by the Upload component
          }}
          onRemove={() => setFile(null)}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{t('jobs:upload.drop')}</p>
        </Upload.Dragger>
        <Space wrap>
          <Select<string>
            aria-label={t('jobs:upload.provider')}
            allowClear
            placeholder={t('jobs:upload.providerDefault')}
            style={{ minWidth: 220 }}
            value={providerId ?? undefined}
            onChange={(value) => setProviderId(value ?? null)}
            options={providers.map((p) => ({ value: p.provider_id, label: p.name }))}
          />
          <Input
            aria-label={t('jobs:upload.model')}
            placeholder={t('jobs:upload.modelDefault')}
            style={{ width: 240 }}
            value={model}
            onChange={(event) => setModel(event.target.value)}
          />
          <Button
            type="primary"
            icon={<UploadOutlined />}
            disabled={!file}
            loading={upload.isPending}
            onClick={send}
          >
            {t('jobs:upload.submit')}
          </Button>
        </Space>
        {upload.error && <Typography.Text type="danger">{upload.error.message}</Typography.Text>}
      </Space>
    </Card>
  );
}
