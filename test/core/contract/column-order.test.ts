import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { METADATA_FIELDS, tableSchema } from '../../../functions/core/contract/index.ts';

// The column order of both tables is frozen: BigQuery adds columns only at the end of a table
// (see test/support/table-upgrade.ts), so a deployed table can only take a schema that keeps its
// columns where they are. golden/table-columns.json is the order; a new column is appended to
// COLUMNS and to the end of both lists here, never put anywhere else.
const golden = JSON.parse(readFileSync(new URL('golden/table-columns.json', import.meta.url), 'utf8')) as Record<
  'valid' | 'invalid',
  string[]
>;
/** The tables as the first release deployed them: the golden lists start with these, for good. */
const firstRelease = JSON.parse(
  readFileSync(new URL('golden/tables-before-enrichment.json', import.meta.url), 'utf8'),
) as Record<'valid' | 'invalid', Array<{ name: string }>>;

for (const kind of ['valid', 'invalid'] as const) {
  test(`${kind} table: the column order is exactly the golden list (append new columns at its end)`, () => {
    assert.deepEqual(
      tableSchema(kind).map((field) => field.name),
      golden[kind],
      'a column moved, was removed, or was added somewhere other than the end: append it to COLUMNS and to the end of golden/table-columns.json',
    );
  });

  test(`${kind} table: the golden list only grew at the end since the first release`, () => {
    const before = firstRelease[kind].map((field) => field.name);
    assert.deepEqual(golden[kind].slice(0, before.length), before);
  });
}

test('the write_metadata columns stay where the first release had them, before every later column', () => {
  for (const kind of ['valid', 'invalid'] as const) {
    const names = tableSchema(kind).map((field) => field.name);
    const start = names.indexOf('subscription_name');
    assert.equal(names[start - 1], 'replayed_at');
    assert.deepEqual(
      names.slice(start, start + METADATA_FIELDS.length),
      METADATA_FIELDS.map((field) => field.name),
    );
  }
});
