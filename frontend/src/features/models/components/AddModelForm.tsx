import { Alert, Form, Input, InputNumber, Modal, Radio, Select } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useMethods } from '../../../api/methods';
import type { ModelEntryCreate } from '../../../client/types.gen';
import { SubmitOnEnter } from '../../../components/SubmitOnEnter';
import { ApiError } from '../../../lib/apiError';
import { showFieldErrors } from '../../../lib/fieldErrors';
import { useAddModel } from '../api/addModel';

interface Values {
  provider_type: string;
  model: string;
  kind: 'chat' | 'embedding';
  context_window?: number | null;
  currency: string;
  input_price_per_1k?: number | null;
  output_price_per_1k?: number | null;
}

const FIELDS = [
  'provider_type',
  'model',
  'kind',
  'context_window',
  'currency',
  'input_price_per_1k',
  'output_price_per_1k',
] as const;

interface Props {
  open: boolean;
  /** The type the page is filtered on, to start from. */
  providerType: string | null;
  onClose: () => void;
}

/** A tenant entry of the registry: a model the catalog lacks, or other figures for one it has. */
export function AddModelForm({ open, providerType, onClose }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const methods = useMethods();
  const add = useAddModel();
  const firstType = providerType ?? methods.data?.[0]?.type;

  useEffect(() => {
    if (!open) return;
    setRefusal(null);
    form.resetFields();
    if (firstType) form.setFieldValue('provider_type', firstType);
  }, [open, form, firstType]);

  const submit = async (values: Values) => {
    setRefusal(null);
    const entry: ModelEntryCreate = {
      provider_type: values.provider_type,
      model: values.model.trim(),
      kind: values.kind,
      context_window: values.context_window ?? null,
      input_price_per_1k: values.input_price_per_1k ?? 0,
      output_price_per_1k: values.output_price_per_1k ?? 0,
      currency: values.currency.trim().toUpperCase(),
    };
    try {
      await add.mutateAsync(entry);
      onClose();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (showFieldErrors(form, error, FIELDS)) setRefusal(error);
    }
  };

  const price = (name: 'input_price_per_1k' | 'output_price_per_1k', label: string) => (
    <Form.Item name={name} label={label} extra={t('models:form.priceHelp')}>
      <InputNumber min={0} max={1_000_000} step={0.0001} style={{ width: 200 }} />
    </Form.Item>
  );

  return (
    <Modal
      open={open}
      title={t('models:form.title')}
      okText={t('models:form.submit')}
      cancelText={t('common:actions.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={add.isPending}
      destroyOnHidden
    >
      {refusal && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={refusal.message} />}
      <Form<Values>
        form={form}
        layout="vertical"
        initialValues={{ kind: 'chat', currency: 'USD' }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item
          name="provider_type"
          label={t('models:form.providerType')}
          rules={[{ required: true, message: t('models:form.providerTypeRequired') }]}
        >
          <Select
            loading={methods.isPending}
            showSearch={{ optionFilterProp: 'label' }}
            options={(methods.data ?? []).map((method) => ({ value: method.type, label: method.name }))}
          />
        </Form.Item>
        <Form.Item
          name="model"
          label={t('models:form.model')}
          extra={t('models:form.modelHelp')}
          rules={[
            { required: true, whitespace: true, message: t('models:form.modelRequired') },
            { max: 128, message: t('models:form.modelTooLong') },
          ]}
        >
          <Input autoComplete="off" autoFocus />
        </Form.Item>
        <Form.Item name="kind" label={t('models:form.kind')}>
          <Radio.Group
            optionType="button"
            options={[
              { value: 'chat', label: t('models:kind.chat') },
              { value: 'embedding', label: t('models:kind.embedding') },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="context_window"
          label={t('models:form.contextWindow')}
          extra={t('models:form.contextWindowHelp')}
        >
          <InputNumber min={1} max={100_000_000} precision={0} style={{ width: 200 }} />
        </Form.Item>
        <Form.Item
          name="currency"
          label={t('models:form.currency')}
          extra={t('models:form.currencyHelp')}
          rules={[{ required: true, pattern: /^[A-Za-z]{3}$/, message: t('models:form.currencyInvalid') }]}
        >
          <Input autoComplete="off" maxLength={3} style={{ width: 100 }} />
        </Form.Item>
        {price('input_price_per_1k', t('models:form.inputPrice'))}
        {price('output_price_per_1k', t('models:form.outputPrice'))}
        <SubmitOnEnter />
      </Form>
    </Modal>
  );
}
