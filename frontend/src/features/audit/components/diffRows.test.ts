import { diffRows } from './diffRows';

test('nested settings become dotted fields, the changed ones first', () => {
  const rows = diffRows(
    { name: 'main', options: { rpm: 60, hedging: true }, models: ['a'] },
    { name: 'main', options: { rpm: 120, hedging: true }, models: ['a', 'b'] },
  );
  expect(rows).toEqual([
    { field: 'models', before: ['a'], after: ['a', 'b'], changed: true },
    { field: 'options.rpm', before: 60, after: 120, changed: true },
    { field: 'name', before: 'main', after: 'main', changed: false },
    { field: 'options.hedging', before: true, after: true, changed: false },
  ]);
});

test('a created target changes the fields it sets; those left empty are not changes', () => {
  const rows = diffRows(null, { name: 'ci', role: 'member', revoked_at: null });
  expect(rows.filter((row) => row.changed).map((row) => row.field)).toEqual(['name', 'role']);
  expect(rows.find((row) => row.field === 'revoked_at')).toEqual({
    field: 'revoked_at',
    before: undefined,
    after: null,
    changed: false,
  });
});

test('a field added or removed on one side is a change', () => {
  const rows = diffRows({ role: 'member' }, { role: 'member', password: '…' });
  expect(rows[0]).toEqual({ field: 'password', before: undefined, after: '…', changed: true });
});
