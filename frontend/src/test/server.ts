import { setupServer } from 'msw/node';

/** The HTTP side of component tests: each test registers the answers it needs. */
export const server = setupServer();
