import { infiniteQueryOptions, useInfiniteQuery } from '@tanstack/react-query';
import { listJobs } from '../../../client/sdk.gen';
import type { JobList, JobPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export interface JobFilters {
  status: JobPublic['status'] | null;
  kind: string | null;
}

const PAGE_SIZE = 50;
// While some job is still going, the list refreshes counts of those not followed live.
const BUSY_POLL_MS = 5_000;

export function isFinished(job: Pick<JobPublic, 'status'>): boolean {
  return job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
}

export async function fetchJobs(filters: JobFilters, before: string | null): Promise<JobList> {
  return unwrap(
    listJobs({
      query: {
        status: filters.status ?? undefined,
        kind: filters.kind ?? undefined,
        limit: PAGE_SIZE,
        before: before ?? undefined,
      },
    }),
  );
}

export const jobsQuery = (filters: JobFilters) =>
  infiniteQueryOptions({
    queryKey: ['jobs', 'list', filters],
    queryFn: ({ pageParam }) => fetchJobs(filters, pageParam),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.next_cursor ?? undefined,
    refetchInterval: (query) =>
      query.state.data?.pages.some((page) => page.data.some((job) => !isFinished(job)))
        ? BUSY_POLL_MS
        : false,
  });

/** The tenant's jobs, newest first, one page of 50 at a time. */
export function useJobs(filters: JobFilters) {
  return useInfiniteQuery(jobsQuery(filters));
}
