import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type TableField, useTableSchemaProblems } from './use-table-schema.ts';

// The checker must be able to fail: each documented rule, broken once.
const SCHEMA: TableField[] = [
  { name: 'id', type: 'STRING', mode: 'REQUIRED' },
  { name: 'at', type: 'TIMESTAMP', mode: 'REQUIRED' },
  { name: 'n', type: 'INT64', mode: 'NULLABLE' },
  { name: 'doc', type: 'JSON', mode: 'NULLABLE' },
  { name: 'tags', type: 'STRING', mode: 'REPEATED' },
  { name: 'geo', type: 'RECORD', mode: 'NULLABLE', fields: [{ name: 'lat', type: 'FLOAT64', mode: 'REQUIRED' }] },
  { name: 'message_id', type: 'STRING', mode: 'NULLABLE' },
];
const ON = { writeMetadata: true, dropUnknownFields: false };
const check = (message: unknown, settings = ON) => useTableSchemaProblems(JSON.stringify(message), SCHEMA, settings);

test('a message that follows every rule is writable', () => {
  assert.deepEqual(
    check({ id: 'a', at: 1764567890123456, n: 3, doc: '{"k":[1]}', tags: ['x'], geo: { lat: 1.5 } }),
    [],
  );
  assert.deepEqual(check({ id: 'a', at: '2026-01-01T00:00:00Z' }), []);
});

test('each broken rule is reported', () => {
  assert.match(useTableSchemaProblems('not json', SCHEMA, ON).join(), /not JSON/);
  assert.match(useTableSchemaProblems('[1]', SCHEMA, ON).join(), /not a JSON object/);
  assert.match(check({ at: 1 }).join(), /id: REQUIRED column missing/);
  assert.match(check({ id: null, at: 1 }).join(), /id: REQUIRED column missing or null/);
  assert.match(check({ id: 'a', at: 1, extra: 1 }).join(), /extra: no such column/);
  assert.deepEqual(check({ id: 'a', at: 1, extra: 1 }, { writeMetadata: true, dropUnknownFields: true }), []);
  assert.match(check({ id: 'a', at: 1, message_id: 'm' }).join(), /message_id: written by write_metadata/);
  assert.match(check({ id: 1, at: 1 }).join(), /id: STRING needs a JSON string/);
  assert.match(check({ id: 'a', at: 1.5 }).join(), /at: TIMESTAMP as a number must be integer microseconds/);
  assert.match(check({ id: 'a', at: 'yesterday' }).join(), /at: TIMESTAMP needs/);
  assert.match(check({ id: 'a', at: 1, n: '3' }).join(), /n: INT64 needs a JSON integer/);
  assert.match(check({ id: 'a', at: 1, doc: { k: 1 } }).join(), /doc: JSON column needs the JSON as text/);
  assert.match(check({ id: 'a', at: 1, doc: '' }).join(), /doc: JSON column got a string that is not valid JSON/);
  assert.match(check({ id: 'a', at: 1, tags: 'x' }).join(), /tags: REPEATED column needs a JSON array/);
  assert.match(check({ id: 'a', at: 1, tags: [1] }).join(), /tags\[0\]: STRING/);
  assert.match(check({ id: 'a', at: 1, geo: { lon: 1 } }).join(), /geo\.lon: no such column.*geo\.lat: REQUIRED/);
});
