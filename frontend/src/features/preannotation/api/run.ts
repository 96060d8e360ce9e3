import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createPreannotationJob, estimatePreannotation } from '../../../client/sdk.gen';
import type {
  JobPublic,
  PreannotationEstimate,
  PreannotationJobCreate,
  PreannotationSelection,
} from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** POST /api/v1/preannotation/estimate: tasks, tokens and cost before anything is sent. */
export async function estimate(selection: PreannotationSelection): Promise<PreannotationEstimate> {
  return unwrap(estimatePreannotation({ body: selection }));
}

/** POST /api/v1/preannotation/jobs: the durable job that writes the predictions. */
export async function startJob(body: PreannotationJobCreate): Promise<JobPublic> {
  return unwrap(createPreannotationJob({ body }));
}

// Both read the project from Label Studio and keep its choices, so the project list changes.
export function useEstimate() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: estimate,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['preannotation', 'projects'] }),
  });
}

export function useStartJob() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: startJob,
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['preannotation', 'projects'] }),
        queryClient.invalidateQueries({ queryKey: ['jobs'] }),
      ]);
    },
  });
}
