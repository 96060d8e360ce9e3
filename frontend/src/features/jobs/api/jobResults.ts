import { useMutation } from '@tanstack/react-query';
import { jobResults } from '../../../client/sdk.gen';
import { ApiError } from '../../../lib/apiError';

const PAGE_LINES = 10_000;

/**
 * Every result line of a job, read page by page (X-Next-Cursor names the next page's first
 * position), as one JSONL Blob.
 */
export async function downloadResults(jobId: string): Promise<Blob> {
  const pages: string[] = [];
  let cursor: number | null = 0;
  while (cursor !== null) {
    const page: { data?: unknown; error?: unknown; response?: Response } = await jobResults({
      path: { job_id: jobId },
      query: { cursor, limit: PAGE_LINES },
      parseAs: 'text',
    });
    const { data, error, response } = page;
    if (!response?.ok) throw new ApiError(response?.status ?? 0, error);
    pages.push(String(data ?? ''));
    const next: string | null = response.headers.get('X-Next-Cursor');
    cursor = next === null ? null : Number(next);
  }
  return new Blob(pages, { type: 'application/x-ndjson' });
}

function saveAs(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.click();
  URL.revokeObjectURL(url);
}

/** Downloads a job's results and hands them to the browser as job-<id>.jsonl. */
export function useDownloadResults() {
  return useMutation({
    mutationFn: async (jobId: string) => {
      const blob = await downloadResults(jobId);
      saveAs(blob, `job-${jobId}.jsonl`);
      return blob;
    },
  });
}
