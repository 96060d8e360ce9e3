import type { FormInstance } from 'antd';
import type { ApiError } from './apiError';

/**
 * Puts the server's field issues of `error` next to the form's own fields (those named in
 * `fields`), in the language the server answered in. Whether something is left to say above the
 * form: issues about other fields, or a refusal that names no field at all.
 */
export function showFieldErrors(
  form: FormInstance,
  error: ApiError,
  fields: readonly string[],
): boolean {
  const inline = error.fields.filter((issue) => fields.includes(issue.field));
  form.setFields(inline.map((issue) => ({ name: issue.field, errors: [issue.message] })));
  return inline.length === 0 || inline.length < error.fields.length;
}
