import { Alert } from 'antd';
import { useTranslation } from 'react-i18next';
import { ApiError } from '../../../lib/apiError';

// What to do next, per error code the pre-annotation routes answer with (the message says what).
const HINTS: Record<string, string> = {
  LABEL_STUDIO_REFUSED: 'preannotation:hints.LABEL_STUDIO_REFUSED',
  LABEL_STUDIO_REJECTED: 'preannotation:hints.LABEL_STUDIO_REJECTED',
  LABEL_STUDIO_UNREACHABLE: 'preannotation:hints.LABEL_STUDIO_UNREACHABLE',
  LABEL_STUDIO_ERROR: 'preannotation:hints.LABEL_STUDIO_ERROR',
  OUTBOUND_URL_BLOCKED: 'preannotation:hints.OUTBOUND_URL_BLOCKED',
  LABEL_CONFIG_INVALID: 'preannotation:hints.LABEL_CONFIG_INVALID',
  LABEL_CONFIG_UNSUPPORTED: 'preannotation:hints.LABEL_CONFIG_UNSUPPORTED',
  NO_PROVIDER_AVAILABLE: 'preannotation:hints.NO_PROVIDER_AVAILABLE',
  ALL_PROVIDERS_FAILED: 'preannotation:hints.ALL_PROVIDERS_FAILED',
  NOT_FOUND: 'preannotation:hints.NOT_FOUND',
};

/**
 * A refusal as the server worded it (in the console's language, sent as Accept-Language), with
 * what to do about it; `extraHints` adds hints that only hold where the error was met.
 */
export function ServerError({
  error,
  extraHints = {},
}: {
  error: Error | null;
  extraHints?: Record<string, string>;
}) {
  const { t } = useTranslation();
  if (!error) return null;
  const code = error instanceof ApiError ? error.code : '';
  const hint = extraHints[code] ?? HINTS[code];
  return (
    <Alert
      type="error"
      showIcon
      title={error.message}
      description={hint ? t(hint) : undefined}
    />
  );
}
