import { keepPreviousData, queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { preannotationMetrics, pullHumanAnnotations } from '../../../client/sdk.gen';
import type { VersionMetrics } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** Accuracy, calibration and the threshold reaching `targetAccuracy`, per model_version. */
export async function fetchMetrics(projectId: string, targetAccuracy: number): Promise<VersionMetrics[]> {
  const report = await unwrap(
    preannotationMetrics({ query: { project_id: projectId, target_accuracy: targetAccuracy } }),
  );
  return report.versions;
}

export const metricsQuery = (projectId: string, targetAccuracy: number) =>
  queryOptions({
    queryKey: ['preannotation', 'metrics', projectId, targetAccuracy],
    queryFn: () => fetchMetrics(projectId, targetAccuracy),
    // Another target keeps the last report on screen until the new one arrives.
    placeholderData: keepPreviousData,
  });

export function useMetrics(projectId: string, targetAccuracy: number) {
  return useQuery(metricsQuery(projectId, targetAccuracy));
}

/** POST …/projects/{id}/pull: read the humans' annotations from Label Studio; how many. */
export async function pullAnnotations(projectId: string): Promise<number> {
  const answer = await unwrap(pullHumanAnnotations({ path: { project_id: projectId } }));
  return answer.annotations ?? 0;
}

export function usePullAnnotations() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: pullAnnotations,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['preannotation', 'metrics'] }),
  });
}
