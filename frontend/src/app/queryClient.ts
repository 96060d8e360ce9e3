import { QueryClient } from '@tanstack/react-query';
import { ApiError } from '../lib/apiError';

/** Refusals (4xx) are answers, not hiccups: only network errors and 5xx are retried. */
function shouldRetry(failures: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status > 0 && error.status < 500) return false;
  return failures < 2;
}

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: { retry: shouldRetry, staleTime: 10_000, refetchOnWindowFocus: false },
      mutations: { retry: false },
    },
  });
}
