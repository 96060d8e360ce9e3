import { queryOptions, useQuery } from '@tanstack/react-query';
import { readAlertWebhook } from '../../../client/sdk.gen';
import type { AlertWebhookPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** Whether the tenant has a health-alert webhook, and its URL masked (it often holds a secret). */
export async function fetchAlertWebhook(): Promise<AlertWebhookPublic> {
  return unwrap(readAlertWebhook());
}

export const alertWebhookQuery = queryOptions({
  queryKey: ['llm', 'alerts', 'webhook'],
  queryFn: fetchAlertWebhook,
});

export function useAlertWebhook() {
  return useQuery(alertWebhookQuery);
}
