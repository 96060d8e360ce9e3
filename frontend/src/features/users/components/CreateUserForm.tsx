import { Alert, App, Form, Input, Modal, Radio } from 'antd';
import { useTranslation } from 'react-i18next';
import type { Role } from '../../../client/types.gen';
import { SubmitOnEnter } from '../../../components/SubmitOnEnter';
import { useFormRefusal } from '../../../lib/formRefusal';
import { useCreateUser } from '../api/createUser';
import { MIN_PASSWORD, ROLE_LABELS, ROLES, USERNAME_PATTERN } from './roles';

interface Values {
  username: string;
  role: Role;
  password: string;
}

const FIELDS = ['username', 'role', 'password'] as const;

/** Username, role and first password of a new user; the server's field errors by their fields. */
export function CreateUserForm({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const create = useCreateUser();
  const { refusal, attempt } = useFormRefusal(form, FIELDS, open);

  const submit = (values: Values) =>
    attempt(async () => {
      const user = await create.mutateAsync({
        username: values.username,
        role: values.role,
        password: values.password,
      });
      void message.success(t('users:created', { name: user.username }));
      onClose();
    });

  return (
    <Modal
      open={open}
      title={t('users:form.title')}
      okText={t('users:form.submit')}
      cancelText={t('common:actions.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={create.isPending}
      destroyOnHidden
    >
      {refusal && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={refusal.message} />}
      <Form<Values>
        name="createUser"
        form={form}
        layout="vertical"
        initialValues={{ role: 'member' }}
        onFinish={(values) => void submit(values)}
      >
        <Form.Item
          name="username"
          label={t('users:form.username')}
          extra={t('users:form.usernameHelp')}
          rules={[
            { required: true, message: t('users:form.usernameRequired') },
            { max: 64, message: t('users:form.usernameTooLong') },
            { pattern: USERNAME_PATTERN, message: t('users:form.usernamePattern') },
          ]}
        >
          <Input autoComplete="off" autoFocus />
        </Form.Item>
        <Form.Item name="role" label={t('users:form.role')} extra={t('users:form.roleHelp')}>
          <Radio.Group
            optionType="button"
            options={ROLES.map((role) => ({ value: role, label: t(ROLE_LABELS[role]) }))}
          />
        </Form.Item>
        <Form.Item
          name="password"
          label={t('users:form.password')}
          extra={t('users:form.passwordHelp')}
          rules={[
            { required: true, message: t('users:form.passwordRequired') },
            { min: MIN_PASSWORD, message: t('users:form.passwordTooShort') },
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <SubmitOnEnter />
      </Form>
    </Modal>
  );
}
