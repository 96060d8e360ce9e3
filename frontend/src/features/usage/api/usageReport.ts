import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { usageReport } from '../../../client/sdk.gen';
import type { UsageReport } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** What the report covers: [from, to) as ISO 8601 instants, optionally one provider. */
export interface UsageWindow {
  from: string;
  to: string;
  providerId: string | null;
}

export async function fetchUsage(window: UsageWindow): Promise<UsageReport> {
  return unwrap(
    usageReport({
      query: { from: window.from, to: window.to, provider_id: window.providerId ?? undefined },
    }),
  );
}

export const usageQuery = (window: UsageWindow) =>
  queryOptions({
    queryKey: ['llm', 'usage', window],
    queryFn: () => fetchUsage(window),
    // The charts keep the last report on screen while another range loads.
    placeholderData: keepPreviousData,
  });

export function useUsage(window: UsageWindow) {
  return useQuery(usageQuery(window));
}
