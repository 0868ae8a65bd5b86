import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  encodeRow,
  fromEpochMicros,
  fromMessage,
  messageAttributes,
  normalizeTimestamp,
  rowProblems,
  toEpochMicros,
  toMessage,
  truncateUtf8,
} from '../../../functions/core/contract/index.ts';
import type { ValidRow } from '../../../functions/core/contract/rows.ts';
import { MAX_ATTRIBUTE_VALUE_BYTES } from '../../../functions/core/limits.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

describe('wire encoding for BigQuery subscriptions with use_table_schema', () => {
  test('JSON columns travel as JSON text, timestamps as epoch microseconds, nulls are left out', () => {
    const wire = encodeRow('valid', validRow);
    assert.equal(wire.payload, '{"title":"Home","nested":{"a":[1,"two",null]}}');
    assert.equal(typeof wire.contexts, 'string');
    assert.equal(wire.collector_tstamp, 1795666527123000);
    assert.equal(wire.event_tstamp, 1795666526999456);
    assert.equal(wire.session_index, 3);
    assert.ok(!('user_id' in wire), 'null columns are omitted');
    assert.ok(!('error_type' in wire));
  });

  test('a message round-trips to the same row and carries filterable attributes', () => {
    const valid = toMessage('valid', validRow);
    assert.deepEqual(valid.attributes, {
      protocol: 'snowplow',
      valid: 'true',
      schema: validRow.schema,
      event_name: 'page_view',
    });
    const { user_id: _dropped, ...withoutNulls } = validRow;
    assert.deepEqual(fromMessage(valid.data, valid.attributes), { kind: 'valid', row: withoutNulls });

    const invalid = toMessage('invalid', invalidRow);
    assert.deepEqual(invalid.attributes, { protocol: 'webhook', valid: 'false', error_type: 'validation_failed' });
    assert.deepEqual(fromMessage(invalid.data, invalid.attributes), { kind: 'invalid', row: invalidRow });
  });

  test("only the table's columns are sent, so no write can fail on an unknown field", () => {
    const sneaky = { ...validRow, error_type: 'x', extra: 1 } as unknown as ValidRow;
    assert.deepEqual(Object.keys(encodeRow('valid', sneaky)).sort(), Object.keys(encodeRow('valid', validRow)).sort());
  });

  test('an unparseable timestamp is refused rather than sent', () => {
    assert.throws(
      () => encodeRow('valid', { ...validRow, event_tstamp: 'yesterday' }),
      /column event_tstamp cannot hold "yesterday"/,
    );
  });

  test('fromMessage rejects bodies that are not rows', () => {
    assert.throws(() => fromMessage('not json', { valid: 'true' }), /message body is not JSON/);
    assert.throws(() => fromMessage('[1]', { valid: 'true' }), /not a JSON object/);
  });
});

describe('timestamps', () => {
  test('RFC 3339 with any fraction and offset converts to microseconds and back', () => {
    assert.equal(toEpochMicros('1970-01-01T00:00:00Z'), 0);
    assert.equal(toEpochMicros('1970-01-01T00:00:00.000001Z'), 1);
    assert.equal(toEpochMicros('1970-01-01T01:00:00.5+01:00'), 500000);
    assert.equal(toEpochMicros('2026-11-26T04:15:27.123456789Z'), 1795666527123456);
    assert.equal(fromEpochMicros(1795666527123456), '2026-11-26T04:15:27.123456Z');
    assert.equal(fromEpochMicros(1795666527123000), '2026-11-26T04:15:27.123Z');
    assert.equal(normalizeTimestamp('2026-11-26T05:15:27+01:00'), '2026-11-26T04:15:27.000Z');
  });

  test("non-timestamps and dates outside BigQuery's range are refused", () => {
    for (const text of [
      '',
      'now',
      '2026-11-26',
      '2026-13-01T00:00:00Z',
      '2026-11-26T04:15:27',
      '10000-01-01T00:00:00Z',
      '1756110000',
    ]) {
      assert.equal(toEpochMicros(text), undefined, text);
    }
  });
});

describe('attributes', () => {
  test("values are cut to Pub/Sub's limit without splitting a character", () => {
    const long = 'é'.repeat(2000);
    const cut = truncateUtf8(long, MAX_ATTRIBUTE_VALUE_BYTES);
    assert.equal(Buffer.byteLength(cut), 1024);
    assert.equal(truncateUtf8('€€', 4), '€');
    assert.equal(truncateUtf8('abc', 10), 'abc');
    const attributes = messageAttributes('invalid', { ...invalidRow, schema: `iglu:x/${'n'.repeat(3000)}` });
    assert.ok(Buffer.byteLength(attributes.schema ?? '') <= 1024);
  });
});

describe('rowProblems', () => {
  test('accepts well-formed rows', () => {
    assert.deepEqual(rowProblems('valid', validRow), []);
    assert.deepEqual(rowProblems('invalid', invalidRow), []);
  });

  test('names every broken column', () => {
    const broken = {
      ...validRow,
      event_id: undefined,
      session_index: 1.5,
      collector_tstamp: 'soon',
      payload: { n: Number.NaN },
      error_type: 'x',
    };
    assert.deepEqual(rowProblems('valid', broken).sort(), [
      'collector_tstamp: expected an RFC 3339 timestamp between years 0001 and 9999, got "soon"',
      'error_type: no such column in the valid table',
      'event_id: REQUIRED but missing',
      'payload: expected a JSON value (no undefined, functions, NaN or Infinity)',
      'session_index: expected a safe integer, got 1.5',
    ]);
    assert.deepEqual(rowProblems('invalid', { ...invalidRow, errors: null }), ['errors: REQUIRED but missing']);
  });
});
