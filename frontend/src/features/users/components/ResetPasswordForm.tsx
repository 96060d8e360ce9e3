import { Alert, Form, Input, Modal, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { UserPublic } from '../../../client/types.gen';
import { SubmitOnEnter } from '../../../components/SubmitOnEnter';
import { ApiError } from '../../../lib/apiError';
import { showFieldErrors } from '../../../lib/fieldErrors';
import { useUpdateUser } from '../api/updateUser';
import { MIN_PASSWORD } from './roles';

interface Values {
  password: string;
  confirm: string;
}

interface Props {
  user: UserPublic | null;
  self: boolean; // the signed-in user's own password
  onClose: () => void;
  onDone: (user: UserPublic) => void;
}

/** A new password for `user`, typed twice; their open sessions end when it is saved. */
export function ResetPasswordForm({ user, self, onClose, onDone }: Props) {
  const { t } = useTranslation();
  const [form] = Form.useForm<Values>();
  const [refusal, setRefusal] = useState<ApiError | null>(null);
  const update = useUpdateUser();

  useEffect(() => {
    if (!user) return;
    setRefusal(null);
    form.resetFields();
  }, [user, form]);

  const submit = async (values: Values) => {
    if (!user) return;
    setRefusal(null);
    try {
      await update.mutateAsync({ id: user.id, change: { password: values.password } });
      onDone(user);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (showFieldErrors(form, error, ['password'])) setRefusal(error);
    }
  };

  return (
    <Modal
      open={user !== null}
      title={t('users:reset.title', { name: user?.username ?? '' })}
      okText={t('users:reset.submit')}
      cancelText={t('common:actions.cancel')}
      onOk={() => form.submit()}
      onCancel={onClose}
      confirmLoading={update.isPending}
      destroyOnHidden
    >
      <Typography.Paragraph type="secondary">
        {self ? t('users:reset.detailSelf') : t('users:reset.detail')}
      </Typography.Paragraph>
      {refusal && <Alert type="error" showIcon style={{ marginBottom: 16 }} title={refusal.message} />}
      <Form<Values> name="resetPassword" form={form} layout="vertical" onFinish={(values) => void submit(values)}>
        <Form.Item
          name="password"
          label={t('users:reset.password')}
          extra={t('users:form.passwordHelp')}
          rules={[
            { required: true, message: t('users:form.passwordRequired') },
            { min: MIN_PASSWORD, message: t('users:form.passwordTooShort') },
          ]}
        >
          <Input.Password autoComplete="new-password" autoFocus />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={t('users:reset.confirm')}
          dependencies={['password']}
          rules={[
            { required: true, message: t('users:reset.confirmRequired') },
            ({ getFieldValue }) => ({
              validator: (_, value) =>
                !value || getFieldValue('password') === value
                  ? Promise.resolve()
                  : Promise.reject(new Error(t('users:reset.mismatch'))),
            }),
          ]}
        >
          <Input.Password autoComplete="new-password" />
        </Form.Item>
        <SubmitOnEnter />
      </Form>
    </Modal>
  );
}
