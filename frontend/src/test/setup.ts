import '@testing-library/jest-dom/vitest';
import { cleanup, configure } from '@testing-library/react';
import { afterAll, afterEach, beforeAll } from 'vitest';
import i18n, { currentLanguage, setUpI18n } from '../i18n/i18n';
import { configureHttp } from '../lib/http';
import { endSession } from '../lib/session';
import { server } from './server';

// What jsdom lacks and Ant Design or recharts ask for.
Object.defineProperty(window, 'matchMedia', {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => undefined,
    removeListener: () => undefined,
    addEventListener: () => undefined,
    removeEventListener: () => undefined,
    dispatchEvent: () => false,
  }),
});
class NoResizeObserver {
  observe() {}
  unobserve() {}
  disconnect() {}
}
globalThis.ResizeObserver = NoResizeObserver as unknown as typeof ResizeObserver;
// jsdom cannot style pseudo-elements (Ant Design's scroll-bar measurement asks): answer for the element.
const computedStyle = window.getComputedStyle.bind(window);
window.getComputedStyle = (element: Element) => computedStyle(element);

// Upper bounds for waits on a slow, shared machine (Ant Design in jsdom is heavy); no test measures time.
configure({ asyncUtilTimeout: 15_000 });

setUpI18n();
configureHttp(currentLanguage);

beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(async () => {
  cleanup();
  server.resetHandlers();
  endSession('logout');
  window.localStorage.clear();
  window.sessionStorage.clear();
  await i18n.changeLanguage('en-US');
});
afterAll(() => server.close());
