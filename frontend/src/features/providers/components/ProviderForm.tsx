import { Alert, Divider, Form, Input, Modal, Radio, Select, Space, Switch, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProviderFieldPublic, ProviderPublic, ProviderTypePublic } from '../../../client/types.gen';
import { ProviderTypeIcon } from '../../../components/ProviderTypeIcon';
import { ApiError, type FieldIssue } from '../../../lib/apiError';
import { useCreateProvider } from '../api/createProvider';
import { useUpdateProvider } from '../api/updateProvider';
import { CatalogField } from './CatalogField';
import { fieldPath, initialValues, payloadFrom, type ProviderFormValues } from './providerValues';

export const MODE_LABELS: Record<string, string> = {
  cloud: 'providers:modes.cloud',
  local: 'providers:modes.local',
  private: 'providers:modes.private',
};

const SECTIONS = [
  { prefix: 'options.', titleKey: 'providers:form.sections.limits' },
  { prefix: 'extra.', titleKey: 'providers:form.sections.extra' },
];

interface Props {
  open: boolean;
  catalog: ProviderTypePublic[];
  provider?: ProviderPublic; // editing this one; else adding
  onClose: () => void;
}

/** Server field issues the form can show next to a field; the rest go above the form. */
function splitIssues(issues: FieldIssue[], fields: ProviderFieldPublic[]) {
  const known = new Set(['name', 'provider_type', 'deployment_mode', 'enabled', ...fields.map((f) => f.name)]);
  return {
    inline: issues.filter((issue) => known.has(issue.field)),
    general: issues.filter((issue) => !known.has(issue.field)),
  };
}

export function ProviderForm({ open, catalog, provider, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<ProviderFormValues>();
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const create = useCreateProvider();
  const update = useUpdateProvider();
  const typeName = Form.useWatch('provider_type', form) ?? provider?.provider_type;
  const type = catalog.find((entry) => entry.type === typeName);
  const editing = provider !== undefined;

  useEffect(() => {
    if (!open) return;
    setRefusal(null);
    form.resetFields();
    form.setFieldsValue(initialValues(catalog.find((e) => e.type === provider?.provider_type) ?? catalog[0], provider));
  }, [open, provider, catalog, form]);

  const chooseType = (name: string) => {
    const chosen = catalog.find((entry) => entry.type === name);
    const kept = form.getFieldValue('name') as string | undefined;
    form.resetFields();
    form.setFieldsValue({ ...initialValues(chosen, undefined), name: kept });
  };

  const submit = async (values: ProviderFormValues) => {
    if (!type) return;
    setRefusal(null);
    const payload = payloadFrom(values, type.fields);
    try {
      if (provider) await update.mutateAsync({ id: provider.id, payload });
      else await create.mutateAsync(payload);
      onClose();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      const { inline, general } = splitIssues(error.fields, type.fields);
      form.setFields(inline.map((issue) => ({ name: fieldPath(issue.field), errors: [issue.message] })));
      if (inline.length === 0 || general.length > 0) setRefusal(error);
    }
  };

  const sectionOf = (field: ProviderFieldPublic) => SECTIONS.find((s) => field.name.startsWith(s.prefix));
  const connection = type?.fields.filter((field) => !sectionOf(field)) ?? [];

  return (
    <Modal
      open={open}
      title={editing ? t('providers:form.editTitle', { name: provider.name }) : t('providers:form.addTitle')}
      okText={t('common:actions.save')}
      cancelText={t('common:actions.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={create.isPending || update.isPending}
      width={640}
      destroyOnHidden
    >
      {refusal && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          title={refusal.message}
          description={
            refusal.fields.length > 0 ? (
              <ul style={{ margin: 0, paddingInlineStart: 20 }}>
                {refusal.fields.map((issue) => (
                  <li key={issue.field}>
                    <Typography.Text code>{issue.field}</Typography.Text> {issue.message}
                  </li>
                ))}
              </ul>
            ) : undefined
          }
        />
      )}
      <Form<ProviderFormValues> form={form} layout="vertical" onFinish={(values) => void submit(values)}>
        <Form.Item name="provider_type" label={t('providers:form.type')} rules={[{ required: true }]}>
          <Select
            disabled={editing}
            onChange={chooseType}
            options={catalog.map((entry) => ({
              value: entry.type,
              label: (
                <Space>
                  <ProviderTypeIcon type={entry.type} />
                  {entry.name}
                </Space>
              ),
            }))}
          />
        </Form.Item>
        {type && <Typography.Paragraph type="secondary">{type.description}</Typography.Paragraph>}
        <Form.Item
          name="name"
          label={t('providers:form.name')}
          extra={t('providers:form.nameHelp')}
          rules={[{ required: true, whitespace: true }, { max: 64 }]}
        >
          <Input autoComplete="off" />
        </Form.Item>
        {type && (
          <Form.Item name="deployment_mode" label={t('providers:form.mode')} extra={t('providers:form.modeHelp')}>
            <Radio.Group
              optionType="button"
              options={type.deployment_modes.map((mode) => ({
                value: mode,
                label: MODE_LABELS[mode] ? t(MODE_LABELS[mode]) : mode,
              }))}
            />
          </Form.Item>
        )}
        <Form.Item name="enabled" label={t('providers:form.enabled')} valuePropName="checked">
          <Switch />
        </Form.Item>
        {type &&
          connection.map((field) => (
            <CatalogField key={field.name} field={field} type={type} editing={editing} maskedKey={provider?.api_key ?? null} />
          ))}
        {type &&
          SECTIONS.map((section) => {
            const fields = type.fields.filter((field) => field.name.startsWith(section.prefix));
            if (fields.length === 0) return null;
            return (
              <div key={section.prefix}>
                <Divider titlePlacement="start">{t(section.titleKey)}</Divider>
                {fields.map((field) => (
                  <CatalogField key={field.name} field={field} type={type} editing={editing} maskedKey={provider?.api_key ?? null} />
                ))}
              </div>
            );
          })}
      </Form>
    </Modal>
  );
}
