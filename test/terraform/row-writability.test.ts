import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import { ERROR_TYPES, PROTOCOLS, type RowKind } from '../../functions/core/contract/columns.ts';
import { toMessage } from '../../functions/core/contract/message.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import { type CorpusRows, collectCorpusRows } from '../support/collector-corpus.ts';
import { invalidRow, validRow } from '../support/sample-rows.ts';
import { resource, synthStack } from '../support/synth-stack.ts';
import { type SubscriptionSettings, type TableField, useTableSchemaProblems } from '../support/use-table-schema.ts';

/**
 * The contract between the collector and the stack: every row the collector produces, encoded as
 * it is published, can be written by the stack's BigQuery subscription into the stack's table,
 * following Google's documented use_table_schema rules (test/support/use-table-schema.ts).
 * The schema and the subscription settings are read from the synthesized Terraform JSON, not
 * from the contract module, so a stack that drifted from the encoder fails here.
 */
const synth = synthStack();
const targets = Object.fromEntries(
  (['valid', 'invalid'] as const).map((kind) => {
    const table = resource(synth, 'google_bigquery_table', kind === 'valid' ? 'table_events' : 'table_invalid_events');
    const config = resource(synth, 'google_pubsub_subscription', `subscription_${kind}_bigquery`)
      .bigquery_config as Record<string, boolean>;
    const settings: SubscriptionSettings = {
      writeMetadata: config.write_metadata === true,
      dropUnknownFields: config.drop_unknown_fields === true,
    };
    assert.equal(config.use_table_schema, true);
    return [kind, { schema: JSON.parse(String(table.schema)) as TableField[], settings }];
  }),
) as Record<RowKind, { schema: TableField[]; settings: SubscriptionSettings }>;

function problemsOf(kind: RowKind, row: ValidRow | InvalidRow): string[] {
  const { schema, settings } = targets[kind];
  return useTableSchemaProblems(toMessage(kind, row).data, schema, settings);
}

describe("every row the collector produces is writable by the stack's BigQuery subscriptions", () => {
  let rows: CorpusRows;
  before(async () => {
    rows = await collectCorpusRows();
  });

  test('the corpus covers every protocol in both tables and every error type the collector produces', () => {
    assert.deepEqual(rows.refused, [], 'requests the collector refused (no row can be checked for them)');
    assert.deepEqual([...new Set(rows.valid.map((row) => row.protocol))].sort(), [...PROTOCOLS].sort());
    assert.deepEqual([...new Set(rows.invalid.map((row) => row.protocol))].sort(), [...PROTOCOLS].sort());
    // unauthorized is reserved in the contract for an authenticated endpoint; nothing produces it yet.
    assert.deepEqual(
      [...new Set(rows.invalid.map((row) => row.error_type))].sort(),
      ERROR_TYPES.filter((type) => type !== 'unauthorized').sort(),
    );
    assert.ok(
      rows.valid.length >= 20 && rows.invalid.length >= 30,
      `${rows.valid.length} valid, ${rows.invalid.length} invalid`,
    );
  });

  test('valid rows into events', () => {
    const failures = rows.valid
      .map((row) => [row.event_id, problemsOf('valid', row)] as const)
      .filter(([, problems]) => problems.length > 0);
    assert.deepEqual(failures, []);
  });

  test('invalid rows into invalid_events', () => {
    const failures = rows.invalid
      .map((row) => [row.event_id, row.error_type, problemsOf('invalid', row)] as const)
      .filter(([, , problems]) => problems.length > 0);
    assert.deepEqual(failures, []);
  });

  test('rows with every column set, replay columns included', () => {
    const replayed = { replay_count: 2, replayed_at: '2026-11-27T01:02:03.456789Z' };
    assert.deepEqual(
      problemsOf('valid', { ...validRow, ...replayed, source: { tv: 'js-4' }, user_ipaddress: '203.0.113.0' }),
      [],
    );
    assert.deepEqual(
      problemsOf('invalid', {
        ...invalidRow,
        ...replayed,
        payload: { a: 1 },
        schema: 'iglu:com.acme/x/jsonschema/1-0-0',
      }),
      [],
    );
  });

  test('the check catches a row the encoder would not fix: a broken row is refused', () => {
    // A row typed as valid but lacking payload (REQUIRED in events) must be reported, proving the
    // check compares against the synthesized schema rather than passing everything.
    const { payload: _payload, ...withoutPayload } = validRow;
    assert.match(problemsOf('valid', withoutPayload as unknown as ValidRow).join(), /payload: REQUIRED column missing/);
  });
});
