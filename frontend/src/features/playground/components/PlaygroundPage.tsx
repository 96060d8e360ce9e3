import { SendOutlined, StopOutlined } from '@ant-design/icons';
import { Button, Col, Input, Row, Space, Switch, Typography } from 'antd';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useHealth } from '../../../api/health';
import { useGenerateStream, type PlaygroundRequest } from '../api/generateStream';
import { RunOutput } from './RunOutput';
import { TargetPicker, type Target } from './TargetPicker';

function requestFor(prompt: string, target: Target): PlaygroundRequest {
  return {
    prompt,
    provider_id: target.providerId ?? undefined,
    model: target.model.trim() || undefined,
  };
}

/** Send a prompt to one provider and model, or two side by side, and watch the answers stream. */
export function PlaygroundPage() {
  const { t } = useTranslation();
  const providers = useHealth().data ?? [];
  const [prompt, setPrompt] = useState('');
  const [compare, setCompare] = useState(false);
  const [targets, setTargets] = useState<[Target, Target]>([
    { providerId: null, model: '' },
    { providerId: null, model: '' },
  ]);
  const left = useGenerateStream();
  const right = useGenerateStream();
  const runs = compare ? [left, right] : [left];
  const running = runs.some((run) => run.isPending);
  const canSend = prompt.trim().length > 0 && !running;

  const send = () => {
    if (!canSend) return;
    runs.forEach((run, index) => run.mutate(requestFor(prompt, targets[index] ?? targets[0])));
  };
  const panel = (index: 0 | 1) => {
    const title = compare
      ? index === 0 ? t('playground:panelA') : t('playground:panelB')
      : t('playground:answer');
    return (
      <RunOutput
        run={index === 0 ? left : right}
        providers={providers}
        title={title}
        picker={
          <TargetPicker
            label={title}
            providers={providers}
            value={targets[index]}
            onChange={(target) =>
              setTargets((old) => (index === 0 ? [target, old[1]] : [old[0], target]))
            }
          />
        }
      />
    );
  };

  return (
    <Space orientation="vertical" size="large" style={{ width: '100%' }}>
      <Typography.Title level={3}>{t('playground:title')}</Typography.Title>
      <Typography.Paragraph type="secondary">{t('playground:intro')}</Typography.Paragraph>
      <Input.TextArea
        aria-label={t('playground:prompt')}
        placeholder={t('playground:promptPlaceholder')}
        autoSize={{ minRows: 3, maxRows: 12 }}
        value={prompt}
        onChange={(event) => setPrompt(event.target.value)}
        onKeyDown={(event) => {
          if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) send();
        }}
      />
      <Space wrap>
        <Button type="primary" icon={<SendOutlined />} disabled={!canSend} onClick={send}>
          {t('playground:send')}
        </Button>
        <Button
          icon={<StopOutlined />}
          disabled={!running}
          onClick={() => runs.forEach((run) => run.stop())}
        >
          {t('playground:stop')}
        </Button>
        <Space>
          <Switch
            aria-label={t('playground:compare')}
            checked={compare}
            disabled={running}
            onChange={setCompare}
          />
          <Typography.Text>{t('playground:compare')}</Typography.Text>
        </Space>
        <Typography.Text type="secondary">{t('playground:shortcut')}</Typography.Text>
      </Space>
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={compare ? 12 : 24}>
          {panel(0)}
        </Col>
        {compare && (
          <Col xs={24} xl={12}>
            {panel(1)}
          </Col>
        )}
      </Row>
    </Space>
  );
}
