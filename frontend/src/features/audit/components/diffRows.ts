/** One field of an audit entry's before/after images, nested objects flattened to dotted paths. */
export interface DiffRow {
  field: string;
  before: unknown;
  after: unknown;
  changed: boolean;
}

type Image = Record<string, unknown> | null | undefined;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function flatten(image: Image, prefix = '', into = new Map<string, unknown>()): Map<string, unknown> {
  for (const [name, value] of Object.entries(image ?? {})) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (isPlainObject(value) && Object.keys(value).length > 0) flatten(value, path, into);
    else into.set(path, value);
  }
  return into;
}

/**
 * Every field of either image, changed ones first (in field order), then the rest. A created
 * target has no before image and a deleted one no after image: their set fields count as changed.
 */
export function diffRows(before: Image, after: Image): DiffRow[] {
  const old = flatten(before);
  const fresh = flatten(after);
  const fields = [...new Set([...old.keys(), ...fresh.keys()])].sort();
  const rows = fields.map((field) => {
    const was = old.get(field);
    const is = fresh.get(field);
    // As the server's diff counts them: a field absent on one side and null on the other is unchanged.
    const changed = JSON.stringify(was ?? null) !== JSON.stringify(is ?? null);
    return { field, before: was, after: is, changed };
  });
  return [...rows.filter((row) => row.changed), ...rows.filter((row) => !row.changed)];
}

/** Whether a value is a secret as Turnout masks it (`sk-…a1b2`). */
export function isMasked(value: unknown): boolean {
  return typeof value === 'string' && value.includes('…');
}
