import { useMutation, useQueryClient } from '@tanstack/react-query';
import { addModel as addModelCall } from '../../../client/sdk.gen';
import type { ModelEntryCreate, ModelEntryPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';
import { MODELS_KEY } from './modelRegistry';

/** A tenant entry; for a model the catalog also knows, it replaces the built-in figures. */
export async function addModel(entry: ModelEntryCreate): Promise<ModelEntryPublic> {
  return unwrap(addModelCall({ body: entry }));
}

export function useAddModel() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: addModel,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: MODELS_KEY }),
  });
}
