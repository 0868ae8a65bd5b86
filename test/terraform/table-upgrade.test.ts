import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { METADATA_FIELDS, tableSchema } from '../../functions/core/contract/table-schema.ts';
import { resource, synthStack } from '../support/synth-stack.ts';
import { inPlaceUpgradeProblems, type SchemaField } from '../support/table-upgrade.ts';

/** The tables as the previous contract (before the enrichment columns) deployed them. */
const previous = JSON.parse(
  readFileSync(new URL('../core/contract/golden/tables-before-enrichment.json', import.meta.url), 'utf8'),
) as Record<'valid' | 'invalid', SchemaField[]>;

const synth = synthStack();

for (const [kind, id] of [
  ['valid', 'table_events'],
  ['invalid', 'table_invalid_events'],
] as const) {
  test(`${id}: the synthesized schema upgrades a table of the previous contract in place, no replacement`, () => {
    const table = resource(synth, 'google_bigquery_table', id);
    const schema = JSON.parse(String(table.schema)) as SchemaField[];
    assert.deepEqual(inPlaceUpgradeProblems(previous[kind], schema), []);
    assert.ok(schema.length > previous[kind].length, 'the new contract adds columns');
    assert.equal(table.deletion_protection, true, 'a replacement would have been refused, not silently done');
  });
}

test('the check catches what would replace a table: columns before the metadata, a REQUIRED addition, a type change', () => {
  const deployed = previous.valid;
  // The naive schema: new columns appended to the contract's columns, metadata last again.
  const naive = tableSchema('valid', { withMetadata: false });
  const naiveWithMetadata = [...naive, ...METADATA_FIELDS];
  assert.match(
    inPlaceUpgradeProblems(deployed, naiveWithMetadata).join('\n'),
    /subscription_name: was column 28, would be column \d+/,
  );
  const required = [...deployed, { name: 'new_required', type: 'STRING', mode: 'REQUIRED' }];
  assert.match(inPlaceUpgradeProblems(deployed, required).join('\n'), /new_required: .* must be NULLABLE/);
  const retyped = deployed.map((field) => (field.name === 'session_index' ? { ...field, type: 'STRING' } : field));
  assert.match(inPlaceUpgradeProblems(deployed, retyped).join('\n'), /session_index: type INT64 -> STRING/);
  const dropped = deployed.filter((field) => field.name !== 'page_title');
  assert.ok(inPlaceUpgradeProblems(deployed, dropped).length > 0);
});
