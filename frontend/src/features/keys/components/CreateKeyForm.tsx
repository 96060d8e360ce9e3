import { Alert, Form, Input, InputNumber, Modal, Radio } from 'antd';
import { useTranslation } from 'react-i18next';
import type { ApiKeyCreate, ApiKeyCreated, Role } from '../../../client/types.gen';
import { SubmitOnEnter } from '../../../components/SubmitOnEnter';
import { useFormRefusal } from '../../../lib/formRefusal';
import { useCreateKey } from '../api/createKey';
import { ROLE_LABELS, ROLES } from './roles';

interface Values {
  name: string;
  role: Role;
  rpm_limit?: number | null;
}

const FIELDS = ['name', 'role', 'rpm_limit'] as const;

interface Props {
  open: boolean;
  onClose: () => void;
  onCreated: (created: ApiKeyCreated) => void;
}

/** Name, role and an optional per-key request limit of a new key. */
export function CreateKeyForm({ open, onClose, onCreated }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const create = useCreateKey();
  const { refusal, attempt } = useFormRefusal(form, FIELDS, open);

  const submit = (values: Values) =>
    attempt(async () => {
      const payload: ApiKeyCreate = { name: values.name.trim(), role: values.role };
      if (values.rpm_limit != null) payload.rpm_limit = values.rpm_limit;
      const created = await create.mutateAsync(payload);
      // The plaintext goes to the one dialog that shows it, and is not kept in the mutation.
      create.reset();
      onCreated(created);
    });

  return (
    <Modal
      open={open}
      title={t('keys:form.title')}
      okText={t('keys:form.submit')}
      cancelText={t('common:actions.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      {refusal && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={refusal.message} />}
      <Form<Values>
        name="createKey"
        form={form}
        layout="vertical"
        initialValues={{ role: 'member' }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item
          name="name"
          label={t('keys:form.name')}
          extra={t('keys:form.nameHelp')}
          rules={[
            { required: true, whitespace: true, message: t('keys:form.nameRequired') },
            { max: 128, message: t('keys:form.nameTooLong') },
          ]}
        >
          <Input autoComplete="off" autoFocus />
        </Form.Item>
        <Form.Item name="role" label={t('keys:form.role')} extra={t('keys:form.roleHelp')}>
          <Radio.Group
            optionType="button"
            options={ROLES.map((role) => ({ value: role, label: t(ROLE_LABELS[role]) }))}
          />
        </Form.Item>
        <Form.Item name="rpm_limit" label={t('keys:form.rpm')} extra={t('keys:form.rpmHelp')}>
          <InputNumber min={1} max={1_000_000} precision={0} style={{ width: 200 }} />
        </Form.Item>
        <SubmitOnEnter />
      </Form>
    </Modal>
  );
}
