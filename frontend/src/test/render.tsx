import { render } from '@testing-library/react';
import { App } from '../app/App';
import { createQueryClient } from '../app/queryClient';

/** The whole console at `path`, with a fresh query cache, as a user would open it. */
export function renderConsole(path: string) {
  window.history.pushState({}, '', path);
  const queryClient = createQueryClient();
  return { queryClient, ...render(<App queryClient={queryClient} />) };
}
