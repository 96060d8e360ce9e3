import { CalculatorOutlined, PlayCircleOutlined, SaveOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  AutoComplete,
  Button,
  Card,
  Checkbox,
  Col,
  Collapse,
  Form,
  Input,
  InputNumber,
  Row,
  Select,
  Space,
  Typography,
} from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { useHealth } from '../../../api/health';
import type {
  AnnotationProjectPublic,
  JobPublic,
  PreannotationEstimate,
} from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { ApiError } from '../../../lib/apiError';
import { formatNumber } from '../../../lib/format';
import { hasRole, useSession } from '../../../lib/session';
import { useModels } from '../../../api/models';
import { projectAt, useSaveProject } from '../api/projects';
import { useEstimate, useStartJob } from '../api/run';
import { EstimateView } from './EstimateView';
import { choicesOf, EMPTY_RUN, placeIssues, selectionOf, type RunFields } from './runFields';
import { ServerError } from './ServerError';

/** Fields to put in the form, when the user picks a known project (`nonce` tells picks apart). */
export interface Prefill {
  fields: Partial<RunFields>;
  nonce: number;
}

interface Estimated {
  key: string; // the selection it was made for
  estimate: PreannotationEstimate;
  clientKey: string; // starting twice from one estimate is one job
}

function newClientKey(): string {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

/**
 * Connect a Label Studio project, choose provider, model and instructions, see the estimate,
 * then start the job. `onProjectSeen` is told where the project is once the server has read it.
 */
export function RunCard({
  prefill,
  projects,
  onProjectSeen,
}: {
  prefill: Prefill | null;
  projects: AnnotationProjectPublic[];
  onProjectSeen: (url: string, lsProjectId: number) => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const session = useSession();
  const isAdmin = session !== null && hasRole(session.role, 'admin');
  const [form] = Form.useForm<RunFields>();
  const watched = Form.useWatch((all: RunFields) => all, form);
  const fields: RunFields = { ...EMPTY_RUN, ...watched };
  const providers = useHealth().data ?? [];
  const provider = providers.find((p) => p.provider_id === fields.providerId) ?? null;
  const models = useModels(provider?.provider_type ?? null).data ?? [];
  const estimate = useEstimate();
  const start = useStartJob();
  const save = useSaveProject();
  const [estimated, setEstimated] = useState<Estimated | null>(null);
  const [started, setStarted] = useState<{ job: JobPublic; clientKey: string } | null>(null);

  useEffect(() => {
    if (prefill) form.setFieldsValue({ ...EMPTY_RUN, ...prefill.fields, token: form.getFieldValue('token') as string });
  }, [prefill, form]);

  const selection = selectionOf(fields);
  const selectionKey = JSON.stringify(selection);
  const current = estimated?.key === selectionKey ? estimated : null;
  const known = fields.lsProjectId ? projectAt(projects, fields.url, fields.lsProjectId) : undefined;
  const startedNow = started !== null && current !== null && started.clientKey === current.clientKey;

  // The server's message (above the buttons) names every field; those the form has are marked too.
  const showRefusal = (error: Error) => {
    if (error instanceof ApiError) form.setFields(placeIssues(error.fields));
  };

  const runEstimate = async () => {
    const values = { ...EMPTY_RUN, ...(await form.validateFields()) };
    const body = selectionOf(values);
    start.reset();
    estimate.mutate(body, {
      onSuccess: (answer) => {
        setEstimated({ key: JSON.stringify(body), estimate: answer, clientKey: newClientKey() });
        onProjectSeen(body.label_studio_url, body.project_id);
      },
      onError: showRefusal,
    });
  };

  const runStart = () => {
    if (!current) return;
    start.mutate(
      { ...selection, client_key: current.clientKey },
      {
        onSuccess: (job) => {
          setStarted({ job, clientKey: current.clientKey });
          onProjectSeen(selection.label_studio_url, selection.project_id);
        },
        onError: showRefusal,
      },
    );
  };

  const runSave = () => {
    if (!known) return;
    save.mutate(
      { projectId: known.id, choices: choicesOf(fields) },
      {
        onSuccess: () => void message.success(t('preannotation:run.saved')),
        onError: showRefusal,
      },
    );
  };

  const settingsPanel = (
    <Row gutter={16}>
      <Col xs={24} md={12}>
        <Form.Item name="examples" label={t('preannotation:run.examples')} extra={t('preannotation:run.examplesHelp')}>
          <InputNumber min={0} max={10} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item
          name="agreementSamples"
          label={t('preannotation:run.agreementSamples')}
          extra={t('preannotation:run.agreementSamplesHelp')}
        >
          <InputNumber min={0} max={10} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item name="maxTokens" label={t('preannotation:run.maxTokens')}>
          <InputNumber min={1} max={100_000} precision={0} style={{ width: '100%' }} />
        </Form.Item>
      </Col>
      <Col xs={24} md={12}>
        <Form.Item name="allOccurrences" valuePropName="checked" label={t('preannotation:run.allOccurrencesTitle')}>
          <Checkbox>{t('preannotation:run.allOccurrences')}</Checkbox>
        </Form.Item>
      </Col>
    </Row>
  );

  return (
    <Card title={t('preannotation:run.title')}>
      <Form<RunFields>
        form={form}
        layout="vertical"
        initialValues={EMPTY_RUN}
        onFinish={() => void runEstimate()}
      >
        <Typography.Title level={5}>{t('preannotation:run.connection')}</Typography.Title>
        <Row gutter={16}>
          <Col xs={24} lg={10}>
            <Form.Item
              name="url"
              label={t('preannotation:run.url')}
              rules={[
                { required: true, message: t('preannotation:run.urlRequired') },
                { pattern: /^https?:\/\/\S+$/, message: t('preannotation:run.urlInvalid') },
              ]}
            >
              <Input placeholder="http://labelstudio:8080" autoComplete="url" />
            </Form.Item>
          </Col>
          <Col xs={24} lg={8}>
            <Form.Item
              name="token"
              label={t('preannotation:run.token')}
              extra={t('preannotation:run.tokenHelp')}
              rules={[
                { required: true, message: t('preannotation:run.tokenRequired') },
                { min: 8, message: t('preannotation:run.tokenShort') },
              ]}
            >
              <Input.Password autoComplete="off" />
            </Form.Item>
          </Col>
          <Col xs={24} lg={6}>
            <Form.Item
              name="lsProjectId"
              label={t('preannotation:run.projectId')}
              extra={t('preannotation:run.projectIdHelp')}
              rules={[{ required: true, message: t('preannotation:run.projectIdRequired') }]}
            >
              <InputNumber min={1} precision={0} style={{ width: '100%' }} />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="onlyUnlabeled" valuePropName="checked">
          <Checkbox>{t('preannotation:run.onlyUnlabeled')}</Checkbox>
        </Form.Item>

        <Typography.Title level={5}>{t('preannotation:run.choices')}</Typography.Title>
        <Typography.Paragraph type="secondary">
          {isAdmin ? t('preannotation:run.choicesHelpAdmin') : t('preannotation:run.choicesHelp')}
        </Typography.Paragraph>
        <Row gutter={16}>
          <Col xs={24} md={12}>
            <Form.Item name="providerId" label={t('preannotation:run.provider')}>
              <Select<string>
                allowClear
                placeholder={t('preannotation:run.providerDefault')}
                onChange={() => form.setFieldValue('model', '')}
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
            </Form.Item>
          </Col>
          <Col xs={24} md={12}>
            <Form.Item name="model" label={t('preannotation:run.model')}>
              <AutoComplete
                placeholder={t('preannotation:run.modelDefault')}
                options={models.filter((entry) => entry.kind !== 'embedding').map((entry) => ({ value: entry.model }))}
                filterOption={(input, option) =>
                  String(option?.value ?? '').toLowerCase().includes(input.toLowerCase())
                }
              />
            </Form.Item>
          </Col>
        </Row>
        <Form.Item name="instructions" label={t('preannotation:run.instructions')} extra={t('preannotation:run.instructionsHelp')}>
          <Input.TextArea autoSize={{ minRows: 2, maxRows: 8 }} maxLength={20_000} />
        </Form.Item>
        <Collapse
          size="small"
          style={{ marginBottom: 16 }}
          items={[{ key: 'settings', label: t('preannotation:run.settings'), forceRender: true, children: settingsPanel }]}
        />

        <Space wrap>
          <Button type="primary" htmlType="submit" icon={<CalculatorOutlined />} loading={estimate.isPending}>
            {t('preannotation:run.estimate')}
          </Button>
          <Button
            icon={<PlayCircleOutlined />}
            disabled={!current || current.estimate.tasks === 0 || startedNow}
            loading={start.isPending}
            onClick={runStart}
          >
            {t('preannotation:run.start')}
          </Button>
          {isAdmin && (
            <Button icon={<SaveOutlined />} disabled={!known} loading={save.isPending} onClick={runSave}>
              {t('preannotation:run.save')}
            </Button>
          )}
        </Space>
      </Form>

      <Space orientation="vertical" style={{ width: '100%', marginTop: 16 }}>
        {!current && estimated && (
          <Typography.Text type="secondary">{t('preannotation:run.estimateStale')}</Typography.Text>
        )}
        {!estimated && <Typography.Text type="secondary">{t('preannotation:run.estimateFirst')}</Typography.Text>}
        <ServerError error={estimate.error ?? start.error ?? save.error} />
        {current && <EstimateView estimate={current.estimate} providers={providers} />}
        {startedNow && (
          <Alert
            type="success"
            showIcon
            title={t('preannotation:run.started', { total: formatNumber(started.job.total) })}
            description={<Link to="/jobs">{t('preannotation:run.openJobs')}</Link>}
          />
        )}
      </Space>
    </Card>
  );
}
