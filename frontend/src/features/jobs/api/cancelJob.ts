import { useMutation, useQueryClient } from '@tanstack/react-query';
import { cancelJob as cancelJobCall } from '../../../client/sdk.gen';
import type { JobPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export async function cancelJob(jobId: string): Promise<JobPublic> {
  return unwrap(cancelJobCall({ path: { job_id: jobId } }));
}

/** Stops a job: finished items are kept, the rest cancelled. */
export function useCancelJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: cancelJob,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] }),
  });
}
