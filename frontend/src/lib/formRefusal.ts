import type { FormInstance } from 'antd';
import { useEffect, useState } from 'react';
import { ApiError } from './apiError';
import { showFieldErrors } from './fieldErrors';

/**
 * A dialog form's refusal by the server: field issues go next to the form's own `fields`, the
 * rest is kept for the alert above the form. Opening the dialog clears both and the fields.
 */
export function useFormRefusal(form: FormInstance, fields: readonly string[], open: boolean) {
  const [refusal, setRefusal] = useState<ApiError | null>(null);

  useEffect(() => {
    if (!open) return;
    setRefusal(null);
    form.resetFields();
  }, [open, form]);

  /** Runs `send`; an ApiError it throws is shown on the form, anything else is thrown on. */
  const attempt = async (send: () => Promise<void>) => {
    setRefusal(null);
    try {
      await send();
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (showFieldErrors(form, error, fields)) setRefusal(error);
    }
  };

  return { refusal, attempt };
}
