import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';

// The rules of src/features (see STYLE.md): a feature is imported by the app, never by another
// feature; modules are imported by their own path, never through an index (barrel) file.
const SOURCE_ROOT = resolve(__dirname, '..');

function sources(folder: string): string[] {
  return readdirSync(folder).flatMap((name) => {
    const path = join(folder, name);
    if (statSync(path).isDirectory()) return name === 'client' ? [] : sources(path);
    return /\.tsx?$/.test(name) ? [path] : [];
  });
}

function featureOf(path: string): string | null {
  const parts = relative(SOURCE_ROOT, path).split('/');
  return parts[0] === 'features' ? (parts[1] ?? null) : null;
}

function relativeImports(path: string): string[] {
  const text = readFileSync(path, 'utf-8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.[^'"]+)['"]/g)].map(([, target]) =>
    resolve(dirname(path), target ?? ''),
  );
}

test('no feature imports another feature', () => {
  const crossings = sources(SOURCE_ROOT).flatMap((path) => {
    const own = featureOf(path);
    if (own === null) return [];
    return relativeImports(path)
      .filter((target) => featureOf(target) !== null && featureOf(target) !== own)
      .map((target) => `${relative(SOURCE_ROOT, path)} → ${relative(SOURCE_ROOT, target)}`);
  });
  expect(crossings).toEqual([]);
});

test('there are no barrel files', () => {
  const barrels = sources(SOURCE_ROOT).filter((path) => /^index\.tsx?$/.test(basename(path)));
  expect(barrels.map((path) => relative(SOURCE_ROOT, path))).toEqual([]);
});

test('the code only imports the generated client by its files, not through an index', () => {
  const viaIndex = sources(SOURCE_ROOT).flatMap((path) =>
    relativeImports(path)
      .filter((target) => target.endsWith('/client') || target.endsWith('/client/client'))
      .map((target) => `${relative(SOURCE_ROOT, path)} → ${relative(SOURCE_ROOT, target)}`),
  );
  expect(viaIndex).toEqual([]);
});
