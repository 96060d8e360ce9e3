import { useMutation, useQueryClient } from '@tanstack/react-query';
import { replaceAlertWebhook } from '../../../client/sdk.gen';
import type { AlertWebhookPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { alertWebhookQuery } from './alertWebhook';

/** Sets the webhook (the server checks it may call the URL) or, with null, removes it. */
export async function saveAlertWebhook(url: string | null): Promise<AlertWebhookPublic> {
  return unwrap(replaceAlertWebhook({ body: { url } }));
}

export function useSaveAlertWebhook() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: saveAlertWebhook,
    onSuccess: (saved) => queryClient.setQueryData(alertWebhookQuery.queryKey, saved),
  });
}
