import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SegmentConfig } from '../../../functions/core/config/config.ts';
import type { EventCandidate, ProtocolResult, Rejection } from '../../../functions/core/protocols/protocol.ts';
import { createSegmentAdapter, SEGMENT_ROUTES } from '../../../functions/core/protocols/segment.ts';
import { createSegmentPlan, SegmentPlanError } from '../../../functions/core/protocols/segment-plan.ts';
import { segmentWriteKey } from '../../../functions/core/protocols/segment-write-key.ts';
import { FIXED_RECEIVED_AT, inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const NO_PLAN: SegmentConfig = {
  write_keys: [],
  app_id: '',
  require_plan: false,
  tracking_plan: { track: {}, page: '', screen: '', identify: '', group: '', alias: '', context: {} },
};

const ORDER_SCHEMA = 'iglu:com.example/order_completed/jsonschema/1-0-0';

function config(overrides: Partial<SegmentConfig> = {}, plan: Partial<SegmentConfig['tracking_plan']> = {}) {
  return { ...NO_PLAN, ...overrides, tracking_plan: { ...NO_PLAN.tracking_plan, ...plan } };
}

function post(path: string, body: unknown, init: { headers?: Record<string, string>; receivedAt?: string } = {}) {
  return inboundRequest({
    method: 'POST',
    path,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...init.headers },
    ...(init.receivedAt ? { receivedAt: init.receivedAt } : {}),
  });
}

function handle(path: string, body: unknown, segment: SegmentConfig = NO_PLAN): ProtocolResult {
  const result = createSegmentAdapter(segment).handle(post(path, body));
  assertWellFormedResult(result);
  return result;
}

function only<T>(list: readonly T[]): T {
  assert.equal(list.length, 1, JSON.stringify(list));
  return list[0] as T;
}

describe('Segment adapter: routes', () => {
  const adapter = createSegmentAdapter(NO_PLAN);

  test('serves POST on every route the SDKs call, full and one-letter, and nothing else', () => {
    for (const path of ['/v1/batch', '/v1/b', '/v1/track', '/v1/t', '/v1/page', '/v1/p', '/v1/screen', '/v1/s']) {
      assert.ok(adapter.matches(post(path, {})), path);
    }
    for (const path of ['/v1/identify', '/v1/i', '/v1/group', '/v1/g', '/v1/alias', '/v1/a']) {
      assert.ok(adapter.matches(post(path, {})), path);
    }
    assert.equal(Object.keys(SEGMENT_ROUTES).length, 14);
    assert.ok(!adapter.matches(inboundRequest({ method: 'GET', path: '/v1/track' })));
    assert.ok(!adapter.matches(post('/v1/tracks', {})));
    assert.ok(!adapter.matches(post('/v1/constructor', {})));
    assert.ok(!adapter.matches(post('/v1/batch/', {})));
  });

  test('a single-call route gives the call its type; the answer is Segment\'s {"success":true}', () => {
    const result = handle('/v1/p', { anonymousId: 'a-1', name: 'Home', properties: { path: '/' } });
    const event = only(result.events);
    assert.equal(event.eventName, 'page');
    assert.equal(event.schema, 'iglu:dev.sluice/segment_page/jsonschema/1-0-0');
    assert.deepEqual(event.data, { path: '/' });
    assert.equal(result.response.status, 200);
    assert.equal(result.response.body, '{"success":true}');
    assert.match(String(result.response.headers?.['content-type']), /^application\/json/);
  });
});

describe('Segment adapter: what maps where', () => {
  test('messageId, userId, anonymousId, context page/userAgent/ip/app map to columns; the rest is kept in source', () => {
    const call = {
      type: 'track',
      event: 'Order Completed',
      messageId: 'm-1',
      userId: 'u-1',
      anonymousId: 'anon-1',
      properties: { order_id: 'A-1', total: 30 },
      context: {
        app: { name: 'shop-app', version: '2.0' },
        page: { url: 'https://shop.example/cart', title: 'Cart', referrer: 'https://search.example/' },
        userAgent: 'Mozilla/5.0 test',
        ip: '203.0.113.9',
        library: { name: 'analytics-node', version: '3.1.0' },
      },
      integrations: { All: true },
      writeKey: 'secret-key',
    };
    const event = only(handle('/v1/track', call).events);
    assert.equal(event.eventId, 'm-1');
    assert.equal(event.eventName, 'Order Completed');
    assert.equal(event.schema, 'iglu:dev.sluice/segment_track/jsonschema/1-0-0');
    assert.deepEqual(event.data, { order_id: 'A-1', total: 30 });
    assert.deepEqual(event.fields, {
      user_id: 'u-1',
      domain_userid: 'anon-1',
      app_id: 'shop-app',
      page_url: 'https://shop.example/cart',
      page_title: 'Cart',
      page_referrer: 'https://search.example/',
      useragent: 'Mozilla/5.0 test',
      user_ipaddress: '203.0.113.9',
    });
    const source = event.source as Record<string, unknown>;
    assert.equal(source.type, 'track');
    assert.equal(source.event, 'Order Completed');
    assert.deepEqual(source.context, call.context);
    assert.deepEqual(source.integrations, { All: true });
    assert.ok(!('properties' in source), 'properties are the payload, not repeated in source');
    assert.ok(!('writeKey' in source), 'the write key is a credential and is not stored');
  });

  test('segment.app_id names the app of calls whose context has none; numeric ids become text', () => {
    const event = only(
      handle('/v1/i', { userId: 42, anonymousId: 7, traits: { plan: 'pro' } }, config({ app_id: 'web' })).events,
    );
    assert.equal(event.eventName, 'identify');
    assert.deepEqual(event.data, { plan: 'pro' });
    assert.deepEqual(event.fields, { user_id: '42', domain_userid: '7', app_id: 'web' });
  });

  test('page calls read url, title and referrer from their properties when context.page lacks them', () => {
    const event = only(
      handle('/v1/page', {
        anonymousId: 'a',
        properties: { url: 'https://x.example/', title: 'X', referrer: 'https://r.example/' },
      }).events,
    );
    assert.equal(event.fields?.page_url, 'https://x.example/');
    assert.equal(event.fields?.page_title, 'X');
    assert.equal(event.fields?.page_referrer, 'https://r.example/');
  });

  test('identify and group validate traits, alias its two ids; a call without data has {}', () => {
    const group = only(handle('/v1/group', { userId: 'u', groupId: 'g-1', traits: { name: 'Acme' } }).events);
    assert.equal(group.eventName, 'group');
    assert.deepEqual(group.data, { name: 'Acme' });
    assert.equal((group.source as Record<string, unknown>).groupId, 'g-1');
    const alias = only(handle('/v1/alias', { userId: 'u-2', previousId: 'anon-9' }).events);
    assert.equal(alias.schema, 'iglu:dev.sluice/segment_alias/jsonschema/1-0-0');
    assert.deepEqual(alias.data, { previousId: 'anon-9', userId: 'u-2' });
    const screen = only(handle('/v1/screen', { userId: 'u', name: 'Home', properties: null }).events);
    assert.equal(screen.eventName, 'screen');
    assert.deepEqual(screen.data, {});
  });

  test("event_tstamp is corrected for the device's clock: timestamp + (received - sentAt)", () => {
    // The device's clock is 10 minutes behind: it says it sent at 09:50, the collector got it at 10:00.
    const request = post('/v1/track', {
      event: 'Clicked',
      timestamp: '2026-01-15T09:49:58.500Z',
      sentAt: '2026-01-15T09:50:00.000Z',
    });
    assert.equal(request.receivedAt, FIXED_RECEIVED_AT);
    const event = only(createSegmentAdapter(NO_PLAN).handle(request).events);
    assert.equal(event.eventTstamp, '2026-01-15T09:59:58.500Z');
    // Without sentAt the time is taken as sent; originalTimestamp stands in for a missing timestamp.
    const plain = only(handle('/v1/track', { event: 'E', originalTimestamp: '2026-01-15T08:00:00+01:00' }).events);
    assert.equal(plain.eventTstamp, '2026-01-15T07:00:00.000Z');
    // A correction that would leave BigQuery's range keeps the time as sent; a bad time is no time.
    const wild = only(
      handle('/v1/track', { event: 'E', timestamp: '9999-12-31T00:00:00Z', sentAt: '0001-01-01T00:00:00Z' }).events,
    );
    assert.equal(wild.eventTstamp, '9999-12-31T00:00:00.000Z');
    const bad = only(handle('/v1/track', { event: 'E', timestamp: 'yesterday' }).events);
    assert.equal(bad.eventTstamp, undefined);
    assert.equal((bad.source as Record<string, unknown>).timestamp, 'yesterday');
  });

  test('a batch: each call says its type; the batch context, integrations and sentAt apply to every call', () => {
    const result = handle('/v1/batch', {
      batch: [
        { type: 'track', event: 'A', messageId: '1', timestamp: '2026-01-15T09:59:00.000Z', context: { locale: 'fr' } },
        {
          type: 'identify',
          userId: 'u',
          messageId: '2',
          traits: { x: 1 },
          sentAt: '2026-01-15T10:00:00.000Z',
          timestamp: '2026-01-15T09:59:00.000Z',
        },
      ],
      context: { library: { name: 'analytics-node' }, locale: 'en' },
      integrations: { All: false },
      sentAt: '2026-01-15T09:00:00.000Z',
      writeKey: 'k',
    });
    assert.equal(result.rejections.length, 0);
    const [track, identify] = result.events as [EventCandidate, EventCandidate];
    assert.equal(track.eventName, 'A');
    assert.equal(identify.eventName, 'identify');
    const trackSource = track.source as Record<string, unknown>;
    assert.deepEqual(trackSource.context, { library: { name: 'analytics-node' }, locale: 'fr' });
    assert.deepEqual(trackSource.integrations, { All: false });
    // The batch's sentAt (an hour behind) corrects the first call; the second has its own.
    assert.equal(track.eventTstamp, '2026-01-15T10:59:00.000Z');
    assert.equal(identify.eventTstamp, '2026-01-15T09:59:00.000Z');
    assert.equal(result.response.status, 200);
  });
});

describe('Segment adapter: tracking plan', () => {
  test("planned events and types use the plan's schemas; the others the built-in ones", () => {
    const segment = config(
      {},
      { track: { 'Order Completed': ORDER_SCHEMA }, identify: 'iglu:com.example/user/jsonschema/1-0-0' },
    );
    const result = handle(
      '/v1/batch',
      {
        batch: [
          { type: 'track', event: 'Order Completed', properties: { order_id: 'A' } },
          { type: 'track', event: 'Other' },
          { type: 'identify', userId: 'u', traits: {} },
          { type: 'page', name: 'Home' },
        ],
      },
      segment,
    );
    assert.deepEqual(
      result.events.map((event) => event.schema),
      [
        ORDER_SCHEMA,
        'iglu:dev.sluice/segment_track/jsonschema/1-0-0',
        'iglu:com.example/user/jsonschema/1-0-0',
        'iglu:dev.sluice/segment_page/jsonschema/1-0-0',
      ],
    );
  });

  test('require_plan: a call the plan does not name is schema_not_found, keeping its data and saying what to set', () => {
    const segment = config({ require_plan: true }, { track: { 'Order Completed': ORDER_SCHEMA } });
    const result = handle(
      '/v1/batch',
      {
        batch: [
          { type: 'track', event: 'Order Completed', properties: {} },
          { type: 'track', event: 'constructor', messageId: 'm-2', userId: 'u', properties: { a: 1 } },
          { type: 'page', name: 'Home' },
        ],
      },
      segment,
    );
    assert.equal(only(result.events).schema, ORDER_SCHEMA);
    const [track, page] = result.rejections as [Rejection, Rejection];
    assert.equal(track.errorType, 'schema_not_found');
    assert.equal(track.eventName, 'constructor');
    assert.equal(track.eventId, 'm-2');
    assert.deepEqual(track.payload, { a: 1 });
    assert.equal(track.fields?.user_id, 'u');
    assert.match(
      track.issues[0]?.message ?? '',
      /segment\.require_plan is on: set segment\.tracking_plan\.track\["constructor"\]/,
    );
    assert.equal(page.errorType, 'schema_not_found');
    assert.match(page.issues[0]?.message ?? '', /segment\.tracking_plan\.page/);
    assert.equal(result.response.status, 200, 'the request was well formed: the plan decides validity, not the sender');
  });

  test('context entities the plan names are attached for validation; others stay only in source', () => {
    const segment = config({}, { context: { page: 'iglu:com.example/page_context/jsonschema/1-0-0' } });
    const event = only(
      handle('/v1/t', { event: 'E', context: { page: { url: 'https://x.example/' }, locale: 'en' } }, segment).events,
    );
    assert.deepEqual(event.contexts, [
      { schema: 'iglu:com.example/page_context/jsonschema/1-0-0', data: { url: 'https://x.example/' } },
    ]);
  });

  test('a plan entry that is not an Iglu URI stops the collector, naming it', () => {
    assert.throws(
      () => createSegmentPlan(config({}, { track: { Signup: 'com.example/signup' } })),
      (error: unknown) => error instanceof SegmentPlanError && /tracking_plan\.track\["Signup"\]/.test(error.message),
    );
  });
});

describe('Segment adapter: what cannot be read', () => {
  test('a body that is not JSON, not an object, or a batch without "batch" is a 400 with the reason, and a row', () => {
    for (const [path, body, type, pattern] of [
      ['/v1/track', '{"event":', 'unparseable', /not valid JSON/],
      ['/v1/track', '[1,2]', 'protocol_violation', /must be a JSON object/],
      ['/v1/batch', '{"events":[],"writeKey":"k"}', 'protocol_violation', /needs "batch"/],
      ['/v1/batch', '', 'unparseable', /empty/],
    ] as const) {
      const result = handle(path, body);
      const rejection = only(result.rejections);
      assert.equal(rejection.errorType, type);
      assert.match(rejection.issues[0]?.message ?? '', pattern);
      assert.equal(result.response.status, 400, `${path} ${body}`);
      assert.match(String(result.response.body), /"success":false/);
      assert.doesNotMatch(rejection.raw ?? '', /writeKey/, 'a body read as JSON is kept without its write key');
    }
  });

  test('bad calls in a batch are rejected alone; the others are kept and the answer is 200', () => {
    const result = handle('/v1/batch', {
      batch: [{ type: 'track', event: 'Good' }, 5, { type: 'shout' }, { type: 'track', properties: { a: 1 } }],
    });
    assert.equal(only(result.events).eventName, 'Good');
    assert.deepEqual(
      result.rejections.map((rejection) => [rejection.errorType, rejection.issues[0]?.path]),
      [
        ['protocol_violation', '$.batch[1]'],
        ['protocol_violation', '$.batch[2].type'],
        ['protocol_violation', '$.batch[3].event'],
      ],
    );
    assert.equal(result.response.status, 200);
    // Every call that could not be read is all bad: 400, still with a row per call.
    const none = handle('/v1/batch', { batch: [1, 'two'] });
    assert.equal(none.rejections.length, 2);
    assert.equal(none.response.status, 400);
    // An empty batch carries nothing to lose.
    assert.equal(handle('/v1/batch', { batch: [] }).response.status, 200);
  });

  test('a member named __proto__ stays data, in source and in payload', () => {
    const event = only(
      handle('/v1/track', '{"event":"E","__proto__":{"polluted":1},"properties":{"__proto__":{"x":1}}}').events,
    );
    assert.ok(Object.hasOwn(event.source as object, '__proto__'));
    assert.ok(Object.hasOwn(event.data as object, '__proto__'));
  });
});

describe('Segment write key', () => {
  test('HTTP Basic user first (what the SDKs send), else writeKey in the body', () => {
    const basic = `Basic ${Buffer.from('key-1:').toString('base64')}`;
    assert.equal(
      segmentWriteKey(post('/v1/batch', { writeKey: 'other' }, { headers: { authorization: basic } }), 1024),
      'key-1',
    );
    assert.equal(segmentWriteKey(post('/v1/batch', { writeKey: 'key-2' }), 1024), 'key-2');
    assert.equal(
      segmentWriteKey(post('/v1/batch', { writeKey: 'key-2' }), 4),
      undefined,
      'a body over the bound is not parsed',
    );
    assert.equal(segmentWriteKey(post('/v1/batch', 'not json'), 1024), undefined);
    assert.equal(segmentWriteKey(post('/v1/batch', {}, { headers: { authorization: 'Bearer x' } }), 1024), undefined);
    // Without the colon, as some clients encode it, the whole decoded text is the key.
    const bare = `basic ${Buffer.from('key-3').toString('base64')}`;
    assert.equal(segmentWriteKey(post('/v1/batch', {}, { headers: { authorization: bare } }), 1024), 'key-3');
  });
});
