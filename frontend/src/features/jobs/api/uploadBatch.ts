import { useMutation, useQueryClient } from '@tanstack/react-query';
import { createBatchJsonl } from '../../../client/sdk.gen';
import type { JobPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export interface BatchUpload {
  file: Blob;
  providerId: string | null;
  model: string | null;
}

/** POST /api/v1/llm/batch/jsonl: each line a generate body; provider and model fill gaps. */
export async function uploadBatch(upload: BatchUpload): Promise<JobPublic> {
  // The file's bytes, not the File: a byte buffer is a body every fetch accepts, whichever
  // realm made the File (a test's DOM does not share Node's fetch's Blob class).
  const bytes = await upload.file.arrayBuffer();
  return unwrap(
    createBatchJsonl({
      body: bytes as unknown as Blob,
      query: { provider_id: upload.providerId ?? undefined, model: upload.model ?? undefined },
    }),
  );
}

export function useUploadBatch() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: uploadBatch,
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['jobs', 'list'] }),
  });
}
