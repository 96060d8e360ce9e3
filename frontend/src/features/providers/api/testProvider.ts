import { useMutation, useQueryClient } from '@tanstack/react-query';
import { providersQuery } from '../../../api/providers';
import { testConfig } from '../../../client/sdk.gen';
import type { ConnectionTestResult, ProviderPublic } from '../../../client/types.gen';
import { unwrap } from '../../../lib/apiError';

export async function testProvider(id: string): Promise<ConnectionTestResult> {
  return unwrap(testConfig({ path: { config_id: id } }));
}

/**
 * Runs Turnout's connection test. Its result shows in the table at once, then the list is read
 * again: Turnout keeps each provider's last test and answers it as `last_test`.
 */
export function useTestProvider(id: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => testProvider(id),
    onSuccess: async (result) => {
      const tested_at = new Date().toISOString();
      queryClient.setQueryData<ProviderPublic[]>(providersQuery.queryKey, (rows) =>
        rows?.map((row) => (row.id === id ? { ...row, last_test: { ...result, tested_at } } : row)),
      );
      await queryClient.invalidateQueries({ queryKey: providersQuery.queryKey });
    },
  });
}
