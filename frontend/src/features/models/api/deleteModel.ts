import { useMutation, useQueryClient } from '@tanstack/react-query';
import { deleteModel as deleteModelCall } from '../../../client/sdk.gen';
import { unwrap } from '../../../lib/apiError';
import { MODELS_KEY } from './modelRegistry';

/** Removes a tenant entry; a built-in entry of the same model applies again. */
export async function deleteModel(entryId: string): Promise<void> {
  await unwrap(deleteModelCall({ path: { entry_id: entryId } }));
}

export function useDeleteModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteModel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: MODELS_KEY }),
  });
}
