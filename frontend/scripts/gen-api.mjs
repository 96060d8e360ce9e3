// Dumps Turnout's OpenAPI document from the app (no server needed) into openapi.json and
// generates src/client from it. With --check, generates into a scratch folder and fails when
// either differs from what is checked in: the backend changed under the console.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from '@hey-api/openapi-ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const check = process.argv.includes('--check');
const scratch = mkdtempSync(join(tmpdir(), 'turnout-api-'));

const DUMP = `
import json, sys
from turnout.app import create_app
with open(sys.argv[1], "w", encoding="utf-8") as out:
    json.dump(create_app().openapi(), out, indent=2, ensure_ascii=False)
    out.write("\\n")
`;

function dumpSchema(target) {
  execFileSync('uv', ['run', '--frozen', '--quiet', 'python', '-c', DUMP, target], {
    cwd: resolve(root, '..'),
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, TURNOUT_LOG_LEVEL: 'WARNING' },
  });
}

async function generate(schemaPath, outputPath) {
  await createClient({
    input: schemaPath,
    // No entry file: the console imports sdk.gen and types.gen directly (no barrel files).
    output: { path: outputPath, entryFile: false },
    plugins: ['@hey-api/client-fetch', '@hey-api/typescript', '@hey-api/sdk'],
    logs: { level: 'silent' },
  });
}

function files(folder) {
  const found = new Map();
  const walk = (dir) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else found.set(relative(folder, path), readFileSync(path, 'utf-8'));
    }
  };
  walk(folder);
  return found;
}

function differences(expected, actual) {
  const names = new Set([...expected.keys(), ...actual.keys()]);
  return [...names].filter((name) => expected.get(name) !== actual.get(name)).sort();
}

try {
  const schemaPath = check ? join(scratch, 'openapi.json') : join(root, 'openapi.json');
  const clientPath = check ? join(scratch, 'client') : join(root, 'src/client');
  dumpSchema(schemaPath);
  if (!check) rmSync(clientPath, { recursive: true, force: true });
  await generate(schemaPath, clientPath);
  if (check) {
    const stale = [];
    if (readFileSync(schemaPath, 'utf-8') !== readFileSync(join(root, 'openapi.json'), 'utf-8')) {
      stale.push('openapi.json');
    }
    stale.push(...differences(files(clientPath), files(join(root, 'src/client'))).map(
      (name) => `src/client/${name}`,
    ));
    if (stale.length > 0) {
      console.error(
        `The console's API client is out of date with Turnout's OpenAPI document:\n  ${stale.join('\n  ')}\n` +
          'Run `npm run gen:api` in frontend/, fix the console where it no longer type-checks, and commit.',
      );
      process.exitCode = 1;
    } else {
      console.log('API client matches the OpenAPI document.');
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
