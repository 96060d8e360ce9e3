import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { listAnnotationProjects, updateAnnotationProject } from '../../../client/sdk.gen';
import type { AnnotationProjectPublic, AnnotationProjectUpdate } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

/** The Label Studio projects Turnout has seen (by a run or by Label Studio's model setup). */
export async function fetchProjects(): Promise<AnnotationProjectPublic[]> {
  return (await unwrap(listAnnotationProjects())).projects;
}

export const projectsQuery = queryOptions({
  queryKey: ['preannotation', 'projects'],
  queryFn: fetchProjects,
});

export function useProjects() {
  return useQuery(projectsQuery);
}

/** The project Turnout keeps for this Label Studio (its URL) and project id, if any. */
export function projectAt(
  projects: AnnotationProjectPublic[],
  url: string,
  lsProjectId: number,
): AnnotationProjectPublic | undefined {
  const origin = url.trim().replace(/\/+$/, '');
  return projects.find((p) => p.origin === origin && p.ls_project_id === lsProjectId);
}

/** PUT /api/v1/preannotation/projects/{id} (admin): the project's provider, model, instructions. */
export async function saveProject(
  projectId: string,
  choices: AnnotationProjectUpdate,
): Promise<AnnotationProjectPublic> {
  return unwrap(updateAnnotationProject({ path: { project_id: projectId }, body: choices }));
}

export function useSaveProject() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ projectId, choices }: { projectId: string; choices: AnnotationProjectUpdate }) =>
      saveProject(projectId, choices),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['preannotation'] }),
  });
}
