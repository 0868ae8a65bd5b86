import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MAX_BATCH_ELEMENTS } from '../../../functions/core/limits.ts';
import type { ProtocolResult } from '../../../functions/core/protocols/protocol.ts';
import { createSelfDescribingAdapter } from '../../../functions/core/protocols/self-describing.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const adapter = createSelfDescribingAdapter();
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const USER = 'iglu:com.acme/user/jsonschema/1-0-0';

function post(body: string | Buffer): ProtocolResult {
  const result = adapter.handle(
    inboundRequest({ method: 'POST', path: '/self-describing', headers: { 'content-type': 'application/json' }, body }),
  );
  assertWellFormedResult(result);
  return result;
}

describe('self-describing adapter', () => {
  test('matches POST /self-describing only', () => {
    assert.equal(adapter.protocol, 'self_describing');
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/self-describing' })), true);
    assert.equal(adapter.matches(inboundRequest({ method: 'GET', path: '/self-describing' })), false);
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/self-describing/x' })), false);
  });

  test('one {schema, data} is one event, answered 200 ok', () => {
    const result = post(JSON.stringify({ schema: CHECKOUT, data: { order_id: 'A-1', total: 30, currency: 'EUR' } }));
    assert.deepEqual(result.events, [{ schema: CHECKOUT, data: { order_id: 'A-1', total: 30, currency: 'EUR' } }]);
    assert.deepEqual(result.rejections, []);
    assert.equal(result.response.status, 200);
    assert.equal(result.response.body, 'ok');
    assert.equal(result.response.headers?.['content-type'], 'text/plain; charset=utf-8');
  });

  test("contexts are passed on, bare or in Snowplow's contexts envelope", () => {
    const entity = { schema: USER, data: { id: 'u1' } };
    const bare = post(JSON.stringify({ schema: CHECKOUT, data: {}, contexts: [entity] }));
    assert.deepEqual(bare.events[0]?.contexts, [entity]);
    const wrapped = post(
      JSON.stringify({
        schema: CHECKOUT,
        data: {},
        contexts: { schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1', data: [entity] },
      }),
    );
    assert.deepEqual(wrapped.events[0]?.contexts, [entity]);
  });

  test('contexts that are neither are a protocol violation naming the expected shape', () => {
    const rejection = post(JSON.stringify({ schema: CHECKOUT, data: {}, contexts: { schema: USER, data: {} } }))
      .rejections[0];
    assert.equal(rejection?.errorType, 'protocol_violation');
    assert.equal(rejection?.schema, CHECKOUT);
    assert.equal(rejection?.issues[0]?.path, '$.contexts');
    assert.match(rejection?.issues[0]?.message ?? '', /must be an array of \{"schema", "data"\}/);
  });

  test('other members are kept in source', () => {
    const result = post(
      JSON.stringify({ schema: CHECKOUT, data: {}, event_id: 'e-1', sent_at: '2026-01-01T00:00:00Z' }),
    );
    assert.deepEqual(result.events[0]?.source, { event_id: 'e-1', sent_at: '2026-01-01T00:00:00Z' });
  });

  test('an array is one event per element; a bad element is rejected alone with its text as raw', () => {
    const good = JSON.stringify({ schema: CHECKOUT, data: { n: 1 } });
    const result = post(`[${good}, {"schema": "${CHECKOUT}"}, {"data": 1}, 42, {oops}, ${good}]`);
    assert.equal(result.events.length, 2);
    assert.deepEqual(
      result.rejections.map((rejection) => [rejection.errorType, rejection.raw, rejection.issues[0]?.path]),
      [
        ['protocol_violation', `{"schema": "${CHECKOUT}"}`, '$[1].data'],
        ['protocol_violation', '{"data": 1}', '$[2].schema'],
        ['protocol_violation', '42', '$[3]'],
        ['unparseable', '{oops}', '$[4]'],
      ],
    );
    assert.equal(result.rejections[0]?.schema, CHECKOUT);
  });

  test('a schema that is not a string is passed on for the collector to reject', () => {
    assert.deepEqual(post(JSON.stringify({ schema: 42, data: {} })).events, [{ schema: 42, data: {} }]);
  });

  test('invalid JSON, an empty body and non-UTF-8 bytes are unparseable, kept as raw', () => {
    const broken = post('{"schema": "iglu:');
    assert.deepEqual(
      broken.rejections.map((rejection) => [rejection.errorType, rejection.raw]),
      [['unparseable', '{"schema": "iglu:']],
    );
    assert.equal(post('').rejections[0]?.errorType, 'unparseable');
    assert.equal(post('   ').rejections[0]?.errorType, 'unparseable');
    assert.equal(post(Buffer.from([0xc3, 0x28])).rejections[0]?.errorType, 'unparseable');
  });

  test('a byte order mark is ignored', () => {
    assert.equal(post(`\uFEFF${JSON.stringify({ schema: CHECKOUT, data: {} })}`).events.length, 1);
  });

  test('__proto__, constructor and prototype members stay plain data', () => {
    const body = `{"schema": "${CHECKOUT}", "data": {"__proto__": {"polluted": 1}, "constructor": {"prototype": {"polluted": 2}}}, "__proto__": {"isAdmin": true}}`;
    const [event] = post(body).events;
    assert.ok(event);
    assert.deepEqual(Object.getOwnPropertyNames(event.data), ['__proto__', 'constructor']);
    assert.deepEqual(Object.getOwnPropertyNames(event.source), ['__proto__']);
    assert.equal(Object.getPrototypeOf(event.source), Object.prototype);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });

  test('nesting 10,000 levels deep is refused as size_exceeded without a RangeError', () => {
    const deep = `{"schema": "${CHECKOUT}", "data": ${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`;
    const result = post(deep);
    assert.equal(result.rejections[0]?.errorType, 'size_exceeded');
    assert.match(result.rejections[0]?.issues[0]?.message ?? '', /10001 levels deep; at most 500/);
    const inArray = post(`[${deep}, {"schema": "${CHECKOUT}", "data": {}}]`);
    assert.deepEqual([inArray.events.length, inArray.rejections[0]?.errorType], [1, 'size_exceeded']);
  });

  test('an array of MAX_BATCH_ELEMENTS (10,000) events is taken; one more and the batch is refused whole, unread', () => {
    const batch = (length: number) =>
      `[${Array.from({ length }, (_, index) => `{"schema":"${CHECKOUT}","data":{"i":${index}}}`).join(',')}]`;
    const result = post(batch(MAX_BATCH_ELEMENTS));
    assert.equal(result.events.length, MAX_BATCH_ELEMENTS);
    assert.deepEqual(result.events[MAX_BATCH_ELEMENTS - 1]?.data, { i: MAX_BATCH_ELEMENTS - 1 });
    const over = post(batch(MAX_BATCH_ELEMENTS + 1));
    assert.deepEqual(
      [over.events.length, over.rejections.length, over.rejections[0]?.errorType],
      [0, 1, 'size_exceeded'],
    );
  });
});
