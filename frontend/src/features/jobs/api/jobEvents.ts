import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { client } from '../../../client/client.gen';
import type { JobPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { readServerEvents } from '../../../lib/sse';
import { isFinished } from './jobList';

/**
 * GET /api/v1/jobs/{id}/events: `progress` whenever the counts move, then `done`. Read from the
 * fetch body, since EventSource cannot send the session's Authorization header.
 */
export async function followJob(
  jobId: string,
  onUpdate: (job: JobPublic) => void,
  signal: AbortSignal,
): Promise<void> {
  const body = (await unwrap(
    client.get({ url: '/api/v1/jobs/{job_id}/events', path: { job_id: jobId }, parseAs: 'stream', signal }),
  )) as unknown as ReadableStream<Uint8Array>;
  for await (const event of readServerEvents(body)) {
    if (event.event === 'progress' || event.event === 'done') {
      onUpdate(JSON.parse(event.data) as JobPublic);
    }
    if (event.event === 'done') return;
  }
}

// Each stream holds a connection open, and a browser gives a host only six over HTTP/1.1:
// the newest few unfinished jobs are followed live, the rest by the list's polling.
export const MAX_FOLLOWED = 3;

function finishedCount(job: JobPublic): number {
  return job.completed + job.failed + job.cancelled + (isFinished(job) ? 1 : 0);
}

/**
 * The jobs with the newest unfinished ones as their event streams last described them. When a
 * stream says its job is done, the list is asked again.
 */
export function useLiveJobs(jobs: JobPublic[]): JobPublic[] {
  const queryClient = useQueryClient();
  const [latest, setLatest] = useState<ReadonlyMap<string, JobPublic>>(new Map());
  const followed = jobs
    .filter((job) => !isFinished(job))
    .slice(0, MAX_FOLLOWED)
    .map((job) => job.id)
    .join(' ');
  useEffect(() => {
    if (!followed) return;
    const controller = new AbortController();
    const update = (job: JobPublic) => setLatest((old) => new Map(old).set(job.id, job));
    for (const id of followed.split(' ')) {
      followJob(id, update, controller.signal)
        .then(() => queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] }))
        .catch(() => undefined); // the list's polling keeps the row current instead
    }
    return () => controller.abort();
  }, [followed, queryClient]);
  // Counts never go backwards: whichever of the two has seen more is shown.
  return jobs.map((job) => {
    const live = latest.get(job.id);
    return live && finishedCount(live) >= finishedCount(job) ? live : job;
  });
}
