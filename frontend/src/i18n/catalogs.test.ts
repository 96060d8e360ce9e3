import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { LANGUAGES, namespaceOf } from './i18n';

// Keys are written in full wherever the code names them: 'namespace:dotted.key'.
const SOURCE_ROOT = join(__dirname, '..');

function walk(folder: string, keep: (path: string) => boolean): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'client' ? [] : walk(path, keep);
    return keep(path) ? [path] : [];
  });
}

function flatten(value: unknown, prefix = ''): string[] {
  if (typeof value !== 'object' || value === null) return [prefix];
  return Object.entries(value).flatMap(([key, inner]) =>
    flatten(inner, prefix ? `${prefix}.${key}` : key),
  );
}

function catalogKeys(language: string): Set<string> {
  const files = walk(SOURCE_ROOT, (path) => path.endsWith(`/locales/${language}.json`));
  return new Set(
    files.flatMap((path) => {
      const namespace = namespaceOf(relative(SOURCE_ROOT, path));
      return flatten(JSON.parse(readFileSync(path, 'utf-8'))).map((key) => `${namespace}:${key}`);
    }),
  );
}

function keysUsedInCode(namespaces: Set<string>): Map<string, string> {
  const used = new Map<string, string>();
  const code = walk(SOURCE_ROOT, (path) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path));
  for (const path of code) {
    const text = readFileSync(path, 'utf-8');
    for (const match of text.matchAll(/['"`]([a-zA-Z]+):([a-zA-Z0-9_.]+)['"`]/g)) {
      const [, namespace, key] = match;
      if (namespace && key && namespaces.has(namespace)) {
        used.set(`${namespace}:${key}`, relative(SOURCE_ROOT, path));
      }
    }
  }
  return used;
}

const catalogs = Object.fromEntries(LANGUAGES.map((language) => [language, catalogKeys(language)]));

test.each(LANGUAGES.flatMap((a) => LANGUAGES.filter((b) => b !== a).map((b) => [a, b])))(
  'every key of %s is translated in %s',
  (from, to) => {
    const missing = [...(catalogs[from] ?? [])].filter((key) => !catalogs[to]?.has(key));
    expect(missing).toEqual([]);
  },
);

test('every key the code names exists in both languages', () => {
  const namespaces = new Set([...(catalogs['en-US'] ?? [])].map((key) => key.split(':')[0] ?? ''));
  const used = keysUsedInCode(namespaces);
  expect(used.size).toBeGreaterThan(20);
  for (const language of LANGUAGES) {
    const missing = [...used].filter(([key]) => !catalogs[language]?.has(key));
    expect(missing.map(([key, file]) => `${language} ${key} (${file})`)).toEqual([]);
  }
});

test('t() is only ever given a full literal key, so the check above sees every use', () => {
  const code = walk(SOURCE_ROOT, (path) => /\.tsx?$/.test(path) && !/\.test\.tsx?$/.test(path));
  const loose = code.flatMap((path) =>
    [...readFileSync(path, 'utf-8').matchAll(/\bt\(\s*(['"`])([^'"`]*)\1/g)]
      .filter(([, , key]) => !/^[a-zA-Z]+:[a-zA-Z0-9_.]+$/.test(key ?? ''))
      .map(([call]) => `${relative(SOURCE_ROOT, path)}: ${call}`),
  );
  expect(loose).toEqual([]);
});
