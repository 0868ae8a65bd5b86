import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildRows, type RequestContext } from '../../../functions/core/collector/event-rows.ts';
import { rowProblems } from '../../../functions/core/contract/row-check.ts';
import { MAX_EVENT_ID_LENGTH } from '../../../functions/core/limits.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { igluSchema, MemoryRegistry } from '../../support/memory-registry.ts';

const CHECKOUT = 'iglu:com.acme/checkout/jsonschema/1-0-0';
const USER = 'iglu:com.acme/user/jsonschema/1-0-0';
const registry = new MemoryRegistry({
  [CHECKOUT]: igluSchema(CHECKOUT, { type: 'object', properties: { total: { type: 'number' } }, required: ['total'] }),
  [USER]: igluSchema(USER, { type: 'object', properties: { tier: { enum: ['gold', 'silver'] } } }),
});
const { validator } = createValidationEngine({
  registry,
  ttlMs: 60_000,
  negativeTtlMs: 1_000,
  errorTtlMs: 1_000,
  maxEntries: 100,
  allErrors: true,
  maxErrors: 20,
});

const context: RequestContext = {
  protocol: 'self_describing',
  receivedAt: '2026-11-26T04:15:27.123Z',
  collector: 'sluice/test',
  fields: { useragent: 'curl/8', user_ipaddress: '203.0.113.9' },
  suppressed: new Set(),
  request: () => ({ method: 'POST', path: '/self-describing' }),
  maxRawBytes: 16,
};

function checked(batch: Awaited<ReturnType<typeof buildRows>>) {
  for (const row of batch.valid) assert.deepEqual(rowProblems('valid', row), [], JSON.stringify(row));
  for (const row of batch.invalid) assert.deepEqual(rowProblems('invalid', row), [], JSON.stringify(row));
  return batch;
}

describe('buildRows', () => {
  test('a valid event becomes a valid row with schema parts, fields and contexts', async () => {
    const contexts = [{ schema: USER, data: { tier: 'gold' } }];
    const { valid, invalid } = checked(
      await buildRows(
        [
          {
            schema: CHECKOUT,
            data: { total: 5 },
            eventId: 'e-1',
            eventTstamp: '2026-11-26T05:15:00+01:00',
            contexts,
            fields: { app_id: 'shop', useragent: 'tracker-ua' },
            source: { type: 'x' },
          },
        ],
        [],
        validator,
        context,
      ),
    );
    assert.equal(invalid.length, 0);
    assert.deepEqual(valid[0], {
      event_id: 'e-1',
      collector_tstamp: '2026-11-26T04:15:27.123Z',
      event_tstamp: '2026-11-26T04:15:00.000Z',
      protocol: 'self_describing',
      useragent: 'tracker-ua',
      user_ipaddress: '203.0.113.9',
      app_id: 'shop',
      contexts,
      source: { type: 'x' },
      collector: 'sluice/test',
      event_name: 'checkout',
      schema: CHECKOUT,
      schema_vendor: 'com.acme',
      schema_name: 'checkout',
      schema_version: '1-0-0',
      payload: { total: 5 },
    });
  });

  test('invalid data keeps the payload, schema and reasons so that replay can retry it', async () => {
    const { valid, invalid } = checked(
      await buildRows([{ schema: CHECKOUT, data: { total: 'five' }, eventName: 'buy' }], [], validator, context),
    );
    assert.equal(valid.length, 0);
    const row = invalid[0];
    assert.equal(row?.error_type, 'validation_failed');
    assert.equal(row?.schema, CHECKOUT);
    assert.equal(row?.event_name, 'buy');
    assert.deepEqual(row?.payload, { total: 'five' });
    assert.deepEqual(row?.errors, [{ schema: CHECKOUT, path: '$.total', keyword: 'type', message: 'must be number' }]);
    assert.deepEqual(row?.request, context.request());
  });

  test('one failing context makes the event invalid and says which context failed', async () => {
    const { invalid } = checked(
      await buildRows(
        [
          {
            schema: CHECKOUT,
            data: { total: 1 },
            contexts: [{ schema: USER, data: { tier: 'bronze' } }, 'not an entity'],
          },
        ],
        [],
        validator,
        context,
      ),
    );
    assert.equal(invalid[0]?.error_type, 'validation_failed');
    const messages = (invalid[0]?.errors as Array<{ message: string }>).map((issue) => issue.message);
    assert.match(
      messages[0] ?? '',
      /^context iglu:com\.acme\/user\/jsonschema\/1-0-0: must be one of \["gold","silver"\]/,
    );
    assert.match(messages[1] ?? '', /each context entity must be an object with "schema" and "data"/);
  });

  test('unknown and malformed schema references become schema_not_found and protocol_violation', async () => {
    const { invalid } = checked(
      await buildRows(
        [
          { schema: 'iglu:com.acme/refund/jsonschema/1-0-0', data: {} },
          { schema: '../../etc/passwd', data: {} },
        ],
        [],
        validator,
        context,
      ),
    );
    assert.deepEqual(
      invalid.map((row) => [row.error_type, row.schema ?? null]),
      [
        ['schema_not_found', 'iglu:com.acme/refund/jsonschema/1-0-0'],
        ['protocol_violation', null],
      ],
    );
  });

  test('rejections become invalid rows with raw cut to max_raw_bytes at a character boundary', async () => {
    const { invalid } = checked(
      await buildRows(
        [],
        [
          {
            errorType: 'unparseable',
            issues: [{ schema: null, path: '$', keyword: 'json', message: 'bad JSON' }],
            raw: '{"a":"ééééééééééé',
            schema: CHECKOUT,
            eventId: 'r-1',
          },
        ],
        validator,
        context,
      ),
    );
    assert.equal(invalid[0]?.raw, '{"a":"ééééé');
    assert.equal(Buffer.byteLength(invalid[0]?.raw ?? ''), 16);
    assert.equal(invalid[0]?.schema_name, 'checkout');
    assert.equal(invalid[0]?.event_id, 'r-1');
  });

  test("event ids: the sender's is kept, a missing or oversized one is replaced by a UUID", async () => {
    const { valid } = await buildRows(
      [
        { schema: CHECKOUT, data: { total: 1 } },
        { schema: CHECKOUT, data: { total: 1 }, eventId: 'x'.repeat(MAX_EVENT_ID_LENGTH + 1) },
      ],
      [],
      validator,
      context,
    );
    for (const row of valid) assert.match(row.event_id, /^[0-9a-f-]{36}$/);
    assert.notEqual(valid[0]?.event_id, valid[1]?.event_id);
  });

  test('suppressed fields stay empty even when the sender sets them (SP-Anonymous)', async () => {
    const anonymous = {
      ...context,
      fields: { useragent: 'ua', network_userid: 'n' },
      suppressed: new Set(['user_ipaddress', 'network_userid'] as const),
    };
    const { valid } = await buildRows(
      [{ schema: CHECKOUT, data: { total: 1 }, fields: { user_ipaddress: '198.51.100.7' } }],
      [],
      validator,
      anonymous,
    );
    assert.equal(valid[0]?.user_ipaddress, undefined);
    assert.equal(valid[0]?.network_userid, undefined);
    assert.equal(valid[0]?.useragent, 'ua');
  });

  test('one row per candidate and per rejection, nothing dropped', async () => {
    const events = Array.from({ length: 30 }, (_, i) => ({
      schema: CHECKOUT,
      data: { total: i % 3 === 0 ? 'bad' : i },
    }));
    const rejections = [{ errorType: 'protocol_violation' as const, issues: [] }];
    const { valid, invalid } = await buildRows(events, rejections, validator, context);
    assert.equal(valid.length, 20);
    assert.equal(invalid.length, 11);
  });

  test('a context entity shared by the events of a request is judged the same for each; others on their own', async () => {
    const gold = { schema: USER, data: { tier: 'gold' } };
    const bronze = { schema: USER, data: { tier: 'bronze' } };
    const events = [
      { schema: CHECKOUT, data: { total: 1 }, eventId: 'a', contexts: [gold] },
      { schema: CHECKOUT, data: { total: 2 }, eventId: 'b', contexts: [bronze] },
      { schema: CHECKOUT, data: { total: 3 }, eventId: 'c', contexts: [gold, bronze] },
      { schema: CHECKOUT, data: { total: 4 }, eventId: 'd', contexts: [gold] },
      // Equal to bronze but another object: judged on its own, with the same outcome.
      { schema: CHECKOUT, data: { total: 5 }, eventId: 'e', contexts: [{ schema: USER, data: { tier: 'bronze' } }] },
      { schema: CHECKOUT, data: { total: 'bad' }, eventId: 'f', contexts: [gold] },
    ];
    const { valid, invalid } = checked(await buildRows(events, [], validator, context));
    assert.deepEqual(
      valid.map((row) => row.event_id),
      ['a', 'd'],
    );
    const firstIssue = (row: (typeof invalid)[number]) => (row.errors as Array<{ message: string }>)[0]?.message ?? '';
    assert.deepEqual(
      invalid.map((row) => [row.event_id, row.error_type, firstIssue(row).startsWith(`context ${USER}:`)]),
      [
        ['b', 'validation_failed', true],
        ['c', 'validation_failed', true],
        ['e', 'validation_failed', true],
        ['f', 'validation_failed', false],
      ],
    );
    assert.equal(firstIssue(invalid[1]!), firstIssue(invalid[0]!), 'the shared entity fails the same way in each row');
  });
});
