import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COLUMNS, ERROR_TYPES, METADATA_FIELDS, tableSchema } from '../../../functions/core/contract/index.ts';

test('both tables come from the one column list, in its order, the metadata columns after replayed_at', () => {
  for (const kind of ['valid', 'invalid'] as const) {
    const names = tableSchema(kind).map((f) => f.name);
    const metadata = METADATA_FIELDS.map((f) => f.name);
    assert.deepEqual(
      names.filter((name) => !metadata.includes(name)),
      COLUMNS.filter((c) => c[kind]).map((c) => c.name),
    );
    const start = names.indexOf('subscription_name');
    assert.deepEqual(names.slice(start, start + 4), ['subscription_name', 'message_id', 'publish_time', 'attributes']);
    assert.equal(names[start - 1], 'replayed_at');
  }
  assert.equal(tableSchema('valid', { withMetadata: false }).length, tableSchema('valid').length - 4);
});

test("the issue's required columns have the specified types and modes", () => {
  const expected: Array<[string, string, string | null, string | null]> = [
    ['event_id', 'STRING', 'REQUIRED', 'REQUIRED'],
    ['collector_tstamp', 'TIMESTAMP', 'REQUIRED', 'REQUIRED'],
    ['event_tstamp', 'TIMESTAMP', 'NULLABLE', 'NULLABLE'],
    ['protocol', 'STRING', 'REQUIRED', 'REQUIRED'],
    ['event_name', 'STRING', 'REQUIRED', 'NULLABLE'],
    ['schema', 'STRING', 'REQUIRED', 'NULLABLE'],
    ['schema_vendor', 'STRING', 'REQUIRED', 'NULLABLE'],
    ['schema_name', 'STRING', 'REQUIRED', 'NULLABLE'],
    ['schema_version', 'STRING', 'REQUIRED', 'NULLABLE'],
    ['app_id', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['platform', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['user_id', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['domain_userid', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['network_userid', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['session_id', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['session_index', 'INT64', 'NULLABLE', 'NULLABLE'],
    ['page_url', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['page_title', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['page_referrer', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['useragent', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['user_ipaddress', 'STRING', 'NULLABLE', 'NULLABLE'],
    ['payload', 'JSON', 'REQUIRED', 'NULLABLE'],
    ['contexts', 'JSON', 'NULLABLE', 'NULLABLE'],
    ['source', 'JSON', 'NULLABLE', 'NULLABLE'],
    ['collector', 'STRING', 'REQUIRED', 'REQUIRED'],
    ['error_type', 'STRING', null, 'REQUIRED'],
    ['errors', 'JSON', null, 'REQUIRED'],
    ['raw', 'STRING', null, 'NULLABLE'],
    ['request', 'JSON', null, 'NULLABLE'],
    ['replay_count', 'INT64', 'NULLABLE', 'NULLABLE'],
    ['replayed_at', 'TIMESTAMP', 'NULLABLE', 'NULLABLE'],
  ];
  for (const [name, type, validMode, invalidMode] of expected) {
    const inValid = tableSchema('valid').find((field) => field.name === name);
    const inInvalid = tableSchema('invalid').find((field) => field.name === name);
    assert.deepEqual(
      [inValid?.type ?? inInvalid?.type, inValid?.mode ?? null, inInvalid?.mode ?? null],
      [type, validMode, invalidMode],
      name,
    );
  }
  assert.ok(ERROR_TYPES.includes('schema_not_found') && ERROR_TYPES.includes('unauthorized'));
});

test('column names are unique, BigQuery-legal and described', () => {
  for (const kind of ['valid', 'invalid'] as const) {
    const names = tableSchema(kind).map((field) => field.name);
    assert.equal(new Set(names).size, names.length, `${kind}: duplicate column`);
    for (const field of tableSchema(kind)) {
      // Pub/Sub BigQuery subscriptions require column names of letters, digits and underscores.
      assert.match(field.name, /^[A-Za-z_][A-Za-z0-9_]{0,299}$/);
      assert.ok(field.description.length > 10, `${field.name} needs a description`);
    }
  }
});
