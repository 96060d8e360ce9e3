import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Built into the Python package, so that Turnout (and a wheel of it) serves the console.
const OUT_DIR = '../src/turnout/console/dist';
// Everything the dev server does not serve itself goes to a Turnout on the default port.
const API_PREFIXES = ['/api', '/v1', '/admin', '/ml', '/docs', '/openapi.json', '/metrics', '/healthz', '/readyz'];

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: OUT_DIR,
    emptyOutDir: true,
    chunkSizeWarningLimit: 2048,
  },
  server: {
    proxy: Object.fromEntries(API_PREFIXES.map((prefix) => [prefix, 'http://127.0.0.1:8000'])),
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./src/test/setup.ts'],
    css: false,
    // An upper bound for a slow, shared machine; no test measures time.
    testTimeout: 120_000,
  },
});
