import { Alert, Card, Empty, Spin, Typography } from 'antd';
import type { ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { ProviderHealthPublic } from '../../../client/types.gen';
import { ApiError } from '../../../lib/apiError';
import { GenerationStopped, type useGenerateStream } from '../api/generateStream';
import { RunFigures } from './RunFigures';

type Run = ReturnType<typeof useGenerateStream>;

function RunError({ error }: { error: Error }) {
  const { t } = useTranslation();
  if (error instanceof GenerationStopped) {
    return <Alert type="info" showIcon title={t('playground:stopped')} />;
  }
  if (error instanceof ApiError && error.status > 0) {
    // The server's message, already in the console's language (sent as Accept-Language).
    return (
      <Alert
        type="error"
        showIcon
        title={error.message}
        description={
          <>
            {error.attempts.length > 0 && (
              <ul aria-label={t('playground:attempts')} style={{ paddingInlineStart: 20, margin: '0 0 8px' }}>
                {error.attempts.map((attempt, index) => (
                  <li key={index}>
                    {t('playground:attempt', {
                      provider: attempt.provider,
                      model: attempt.model ?? t('common:none'),
                      message: attempt.message ?? attempt.code ?? attempt.status,
                    })}
                  </li>
                ))}
              </ul>
            )}
            {t('playground:errorCode', { code: error.code, requestId: error.requestId || '—' })}
          </>
        }
      />
    );
  }
  return <Alert type="error" showIcon title={t('playground:networkError')} />;
}

/** One panel's answer: the text as it streams, then its figures, or what went wrong. */
export function RunOutput({
  run,
  providers,
  title,
  picker,
}: {
  run: Run;
  providers: ProviderHealthPublic[];
  title: string;
  picker: ReactNode;
}) {
  const { t } = useTranslation();
  const started = !run.isIdle;
  return (
    <Card title={title} extra={run.isPending && <Spin size="small" />} style={{ height: '100%' }}>
      {picker}
      <div
        role="log"
        aria-live="polite"
        aria-label={t('playground:outputOf', { panel: title })}
        style={{ whiteSpace: 'pre-wrap', minHeight: 120, margin: '16px 0' }}
      >
        {started ? (
          <Typography.Paragraph>{run.text}</Typography.Paragraph>
        ) : (
          <Empty description={t('playground:idle')} />
        )}
      </div>
      {run.error && <RunError error={run.error} />}
      {run.data && <RunFigures done={run.data} providers={providers} />}
    </Card>
  );
}
