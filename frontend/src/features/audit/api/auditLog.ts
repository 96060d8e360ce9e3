import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { listAudit } from '../../../client/sdk.gen';
import type { AuditPage } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** What GET /api/v1/audit filters on, each an exact match; null leaves it out. */
export interface AuditFilters {
  target_type: string | null;
  action: string | null;
  target_id: string | null;
}

export const NO_FILTERS: AuditFilters = { target_type: null, action: null, target_id: null };

export interface AuditPageRequest {
  filters: AuditFilters;
  page: number; // from 1
  pageSize: number;
}

export async function fetchAudit({ filters, page, pageSize }: AuditPageRequest): Promise<AuditPage> {
  return unwrap(
    listAudit({
      query: {
        target_type: filters.target_type ?? undefined,
        action: filters.action ?? undefined,
        target_id: filters.target_id ?? undefined,
        limit: pageSize,
        offset: (page - 1) * pageSize,
      },
    }),
  );
}

export const auditQuery = (request: AuditPageRequest) =>
  queryOptions({
    queryKey: ['audit', request],
    queryFn: () => fetchAudit(request),
    // The table keeps the page it shows while the next one loads.
    placeholderData: keepPreviousData,
  });

/** One page of the tenant's audit trail, newest first, with the total for the pager. */
export function useAudit(request: AuditPageRequest) {
  return useQuery(auditQuery(request));
}
