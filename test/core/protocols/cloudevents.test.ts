import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { CloudEvent, emitterFor, HTTP, httpTransport, type Message, Mode } from 'cloudevents';
import type { CloudEventsConfig } from '../../../functions/core/config/config.ts';
import { createCloudEventsAdapter } from '../../../functions/core/protocols/cloudevents.ts';
import type {
  EventCandidate,
  InboundRequest,
  ProtocolResult,
  Rejection,
} from '../../../functions/core/protocols/protocol.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const SCHEMA = 'iglu:com.acme/order_placed/jsonschema/1-0-0';
const FALLBACK = 'iglu:com.acme/any_cloudevent/jsonschema/1-0-0';
const config: CloudEventsConfig = {
  path: '/cloudevents',
  type_schemas: {},
  dataschema_schemas: {},
  fallback_schema: '',
};
const adapter = createCloudEventsAdapter(config);
const withFallback = createCloudEventsAdapter({ ...config, fallback_schema: FALLBACK });

/** An adapter input from what the SDK would put on the wire (header values become strings, as on HTTP). */
function fromMessage(message: Message): InboundRequest {
  const headers = Object.fromEntries(
    Object.entries(message.headers).map(([name, value]) => [name.toLowerCase(), String(value)]),
  );
  const body = message.body;
  return inboundRequest({
    method: 'POST',
    path: '/cloudevents',
    headers,
    body: typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body),
  });
}

function post(headers: Record<string, string>, body: string | Buffer, handler = adapter): ProtocolResult {
  const result = handler.handle(inboundRequest({ method: 'POST', path: '/cloudevents', headers, body }));
  assertWellFormedResult(result);
  return result;
}

function structured(event: Record<string, unknown>, handler = adapter): ProtocolResult {
  return post({ 'content-type': 'application/cloudevents+json' }, JSON.stringify(event), handler);
}

function onlyEvent(result: ProtocolResult): EventCandidate {
  assert.deepEqual(result.rejections, []);
  assert.equal(result.events.length, 1);
  return result.events[0] as EventCandidate;
}

function onlyRejection(result: ProtocolResult): Rejection {
  assert.deepEqual(result.events, []);
  assert.equal(result.rejections.length, 1);
  return result.rejections[0] as Rejection;
}

const BASE = { id: 'evt-1', source: '/shop/checkout', type: 'com.acme.order.placed', specversion: '1.0' } as const;

/** Starts a local server that records the one request it gets, as the SDK's httpTransport sends it. */
async function captureOneRequest(send: (url: string) => Promise<unknown>): Promise<InboundRequest> {
  let captured: InboundRequest | undefined;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      captured = inboundRequest({
        method: request.method ?? 'GET',
        path: url.pathname,
        headers: flatten(request.headers),
        body: Buffer.concat(chunks),
      });
      response.writeHead(202).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await send(`http://127.0.0.1:${(server.address() as AddressInfo).port}/cloudevents`);
  } finally {
    server.close();
  }
  assert.ok(captured, 'the server received a request');
  return captured;
}

function flatten(headers: IncomingHttpHeaders): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).flatMap(([name, value]) =>
      value === undefined ? [] : [[name, Array.isArray(value) ? value.join(', ') : value]],
    ),
  );
}

describe('CloudEvents adapter: routing and answer', () => {
  test('matches POST on the configured path only', () => {
    assert.equal(adapter.protocol, 'cloudevents');
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/cloudevents' })), true);
    assert.equal(adapter.matches(inboundRequest({ method: 'GET', path: '/cloudevents' })), false);
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/cloudevents/x' })), false);
    const custom = createCloudEventsAdapter({
      path: '/events/ce',
      type_schemas: {},
      dataschema_schemas: {},
      fallback_schema: '',
    });
    assert.equal(custom.matches(inboundRequest({ method: 'POST', path: '/events/ce' })), true);
  });

  test('answers 202 Accepted with an empty body', () => {
    const result = structured({ ...BASE, dataschema: SCHEMA, data: {} });
    assert.deepEqual(result.response, { status: 202 });
    assert.equal(result.trackerFacing, undefined);
  });
});

describe('CloudEvents adapter: binary mode', () => {
  test('reads what HTTP.binary produces: dataschema, id, time, JSON data, extensions in source', () => {
    const event = new CloudEvent({
      ...BASE,
      time: '2026-01-15T09:59:58.123Z',
      subject: 'order/42',
      dataschema: SCHEMA,
      data: { order_id: 'A-42', total: 30 },
      tenant: 'acme',
      attempt: 3,
      retried: true,
    });
    const candidate = onlyEvent(adapter.handle(fromMessage(HTTP.binary(event))));
    assert.deepEqual(candidate, {
      schema: SCHEMA,
      data: { order_id: 'A-42', total: 30 },
      eventId: 'evt-1',
      eventTstamp: '2026-01-15T09:59:58.123Z',
      source: {
        // Binary mode carries every attribute as a header string, extensions included.
        specversion: '1.0',
        source: '/shop/checkout',
        type: 'com.acme.order.placed',
        subject: 'order/42',
        dataschema: SCHEMA,
        tenant: 'acme',
        attempt: '3',
        retried: 'true',
        datacontenttype: 'application/json; charset=utf-8',
      },
      // No eventName: it defaults to the schema's name downstream.
    });
  });

  test('reads exactly what the SDK emitter sends over HTTP in binary mode', async () => {
    const emit = (url: string) =>
      emitterFor(httpTransport(url), { mode: Mode.BINARY })(
        new CloudEvent({ ...BASE, dataschema: SCHEMA, data: { order_id: 'A-7' }, region: 'eu' }),
      );
    const request = await captureOneRequest(emit);
    assert.equal(adapter.matches(request), true);
    assert.equal(request.headers['ce-id'], 'evt-1');
    const candidate = onlyEvent(adapter.handle(request));
    assert.equal(candidate.schema, SCHEMA);
    assert.deepEqual(candidate.data, { order_id: 'A-7' });
    assert.equal(candidate.eventId, 'evt-1');
    assert.equal((candidate.source as Record<string, unknown>).region, 'eu');
  });

  test('parses a JSON body of any JSON type (the SDK would turn 123 into the string "123")', () => {
    const headers = {
      'ce-id': '1',
      'ce-source': 's',
      'ce-type': 't',
      'ce-specversion': '1.0',
      'ce-dataschema': SCHEMA,
      'content-type': 'application/json',
    };
    assert.equal(onlyEvent(post(headers, '123')).data, 123);
    assert.deepEqual(onlyEvent(post(headers, '[1,"two"]')).data, [1, 'two']);
    assert.deepEqual(onlyEvent(post({ ...headers, 'content-type': 'application/vnd.acme+json' }, '{"a":1}')).data, {
      a: 1,
    });
  });

  test('keeps a non-JSON body as text, and bytes that are not text as base64 marked in source', () => {
    const headers = {
      'ce-id': '1',
      'ce-source': 's',
      'ce-type': 't',
      'ce-specversion': '1.0',
      'ce-dataschema': SCHEMA,
    };
    assert.equal(
      onlyEvent(post({ ...headers, 'content-type': 'text/plain' }, '{"not": "parsed"}')).data,
      '{"not": "parsed"}',
    );
    const image = new CloudEvent({
      ...BASE,
      dataschema: SCHEMA,
      datacontenttype: 'application/octet-stream',
      data: new Uint8Array([0xff, 0x00, 0x10]),
    });
    const candidate = onlyEvent(adapter.handle(fromMessage(HTTP.binary(image))));
    assert.equal(candidate.data, Buffer.from([0xff, 0x00, 0x10]).toString('base64'));
    assert.equal((candidate.source as Record<string, unknown>).data_encoding, 'base64');
  });

  test('an empty body is an event without data (null)', () => {
    const headers = {
      'ce-id': '1',
      'ce-source': 's',
      'ce-type': 't',
      'ce-specversion': '1.0',
      'ce-dataschema': SCHEMA,
    };
    assert.equal(onlyEvent(post(headers, '')).data, null);
  });

  test('percent-decodes header values, as the HTTP binding requires; keeps malformed escapes as sent', () => {
    const headers = {
      'ce-id': '1',
      'ce-source': 's',
      'ce-type': 't',
      'ce-specversion': '1.0',
      'ce-dataschema': SCHEMA,
      'ce-subject': 'caf%C3%A9',
      'ce-note': '100%',
    };
    const source = onlyEvent(post(headers, '{}')).source as Record<string, unknown>;
    assert.equal(source.subject, 'café');
    assert.equal(source.note, '100%');
  });

  test('a body declared JSON that is not JSON is unparseable, with the body kept as raw and the attributes in source', () => {
    const headers = {
      'ce-id': 'e-9',
      'ce-source': 's',
      'ce-type': 't',
      'ce-specversion': '1.0',
      'ce-dataschema': SCHEMA,
      'content-type': 'application/json',
    };
    const rejection = onlyRejection(post(headers, '{"order": '));
    assert.equal(rejection.errorType, 'unparseable');
    assert.equal(rejection.raw, '{"order": ');
    assert.equal(rejection.eventId, 'e-9');
    assert.equal(rejection.schema, SCHEMA);
    assert.equal((rejection.source as Record<string, unknown>).type, 't');
    assert.match(rejection.issues[0]?.message ?? '', /not valid JSON/);
  });

  test('a binary request without ce-id is rejected (the SDK would invent an id)', () => {
    const rejection = onlyRejection(
      post(
        {
          'ce-source': 's',
          'ce-type': 't',
          'ce-specversion': '1.0',
          'ce-dataschema': SCHEMA,
          'content-type': 'application/json',
        },
        '{}',
      ),
    );
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.deepEqual(
      rejection.issues.map((issue) => [issue.path, issue.message]),
      [['$.id', 'the required attribute id is missing']],
    );
  });
});

describe('CloudEvents adapter: structured mode', () => {
  test('reads what HTTP.structured produces; typed extensions stay typed', () => {
    const event = new CloudEvent({
      ...BASE,
      time: '2026-01-15T11:59:58+02:00',
      dataschema: SCHEMA,
      data: { total: 30 },
      attempt: 3,
      retried: true,
    });
    const candidate = onlyEvent(adapter.handle(fromMessage(HTTP.structured(event))));
    assert.deepEqual(candidate, {
      schema: SCHEMA,
      data: { total: 30 },
      eventId: 'evt-1',
      eventTstamp: '2026-01-15T09:59:58.000Z',
      source: {
        specversion: '1.0',
        source: '/shop/checkout',
        type: 'com.acme.order.placed',
        dataschema: SCHEMA,
        attempt: 3,
        retried: true,
      },
    });
  });

  test('reads exactly what the SDK emitter sends over HTTP in structured mode', async () => {
    const emit = (url: string) =>
      emitterFor(httpTransport(url), { mode: Mode.STRUCTURED })(
        new CloudEvent({ ...BASE, dataschema: SCHEMA, data: { n: 1 } }),
      );
    const request = await captureOneRequest(emit);
    assert.match(request.headers['content-type'] ?? '', /^application\/cloudevents\+json/);
    const candidate = onlyEvent(adapter.handle(request));
    assert.deepEqual([candidate.schema, candidate.data, candidate.eventId], [SCHEMA, { n: 1 }, 'evt-1']);
  });

  test('decodes data_base64: parsed when JSON, text when text, base64 kept when bytes', () => {
    const json = new CloudEvent({
      ...BASE,
      dataschema: SCHEMA,
      datacontenttype: 'application/json',
      data_base64: Buffer.from('{"a":[1,2]}').toString('base64'),
    });
    assert.deepEqual(onlyEvent(adapter.handle(fromMessage(HTTP.structured(json)))).data, { a: [1, 2] });
    const text = structured({
      ...BASE,
      dataschema: SCHEMA,
      datacontenttype: 'text/csv',
      data_base64: Buffer.from('a,b\n1,2').toString('base64'),
    });
    assert.equal(onlyEvent(text).data, 'a,b\n1,2');
    const implied = structured({
      ...BASE,
      dataschema: SCHEMA,
      data_base64: Buffer.from('{"x":true}').toString('base64'),
    });
    assert.deepEqual(onlyEvent(implied).data, { x: true }, 'without datacontenttype the JSON format implies JSON');
    const bytes = structured({
      ...BASE,
      dataschema: SCHEMA,
      datacontenttype: 'image/png',
      data_base64: Buffer.from([0x89, 0x50, 0xff]).toString('base64'),
    });
    const candidate = onlyEvent(bytes);
    assert.equal(candidate.data, Buffer.from([0x89, 0x50, 0xff]).toString('base64'));
    assert.equal((candidate.source as Record<string, unknown>).data_encoding, 'base64');
    assert.equal(
      (candidate.source as Record<string, unknown>).data_base64,
      undefined,
      'the data is not duplicated in source',
    );
  });

  test('refuses data_base64 that is not base64, and data next to data_base64', () => {
    const bad = onlyRejection(structured({ ...BASE, dataschema: SCHEMA, data_base64: 'not base64!' }));
    assert.equal(bad.errorType, 'unparseable');
    assert.equal(bad.issues[0]?.path, '$.data_base64');
    const both = onlyRejection(structured({ ...BASE, dataschema: SCHEMA, data: {}, data_base64: 'e30=' }));
    assert.equal(both.errorType, 'protocol_violation');
    assert.match(both.issues[0]?.message ?? '', /both data and data_base64/);
  });

  test('an unreadable time keeps the event, without event time, with the time as sent in source', () => {
    for (const time of ['yesterday', '2026-01-15T10:00:00', '2026-13-01T00:00:00Z', 1768471200]) {
      const candidate = onlyEvent(structured({ ...BASE, dataschema: SCHEMA, time, data: {} }));
      assert.equal(candidate.eventTstamp, undefined);
      assert.equal((candidate.source as Record<string, unknown>).time, time);
    }
  });

  test('an array under the structured content type points to batch mode', () => {
    const rejection = onlyRejection(
      post({ 'content-type': 'application/cloudevents+json' }, JSON.stringify([{ ...BASE, dataschema: SCHEMA }])),
    );
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.match(rejection.issues[0]?.message ?? '', /application\/cloudevents-batch\+json/);
  });

  test('invalid JSON and non-UTF-8 bodies are unparseable, kept as raw', () => {
    const rejection = onlyRejection(
      post({ 'content-type': 'application/cloudevents+json; charset=utf-8' }, '{"id": "1",'),
    );
    assert.equal(rejection.errorType, 'unparseable');
    assert.equal(rejection.raw, '{"id": "1",');
    assert.equal(
      onlyRejection(post({ 'content-type': 'application/cloudevents+json' }, Buffer.from([0x7b, 0xff, 0x7d])))
        .errorType,
      'unparseable',
    );
    assert.equal(onlyRejection(post({ 'content-type': 'application/cloudevents+json' }, '')).errorType, 'unparseable');
  });
});

describe('CloudEvents adapter: which schema an event is validated against', () => {
  const PUSH = 'iglu:com.github/push/jsonschema/1-0-0';
  const GITHUB = 'iglu:com.github/any_event/jsonschema/1-0-0';
  const STORAGE = 'iglu:com.google.cloud/storage_object/jsonschema/1-0-0';
  const ORDER_URL = 'https://schemas.acme.com/order.json';
  const mapped = createCloudEventsAdapter({
    ...config,
    type_schemas: {
      'com.github.push': PUSH,
      'com.github.*': GITHUB,
      'google.cloud.storage.object.v1.*': STORAGE,
      'google.cloud.*': FALLBACK,
    },
    dataschema_schemas: { [ORDER_URL]: SCHEMA },
  });

  test('a spec-valid event without dataschema and with nothing mapped is schema_not_found (the whole event kept), not protocol_violation', () => {
    // As an Eventarc / Knative producer sends it, through the SDK in both modes.
    const event = new CloudEvent({
      id: 'evt-9',
      source: '//storage.googleapis.com/projects/_/buckets/shop',
      type: 'google.cloud.storage.object.v1.finalized',
      data: { bucket: 'shop', name: 'a.csv' },
    });
    for (const message of [HTTP.structured(event), HTTP.binary(event)]) {
      const rejection = onlyRejection(adapter.handle(fromMessage(message)));
      assert.equal(rejection.errorType, 'schema_not_found');
      assert.equal(rejection.eventId, 'evt-9');
      assert.equal(rejection.issues[0]?.path, '$.type');
      assert.match(
        rejection.issues[0]?.message ?? '',
        /it has no dataschema, its type "google\.cloud\.storage\.object\.v1\.finalized" matches no cloudevents\.type_schemas entry, and cloudevents\.fallback_schema is empty; map its type .* and replay this row/,
      );
      // Replay rebuilds the request from raw (the event or the body) and source (the other attributes).
      assert.ok(rejection.raw?.includes('"a.csv"'));
      assert.equal((rejection.source as Record<string, unknown>).type, 'google.cloud.storage.object.v1.finalized');
    }
  });

  test('type_schemas: an exact type wins, then the longest prefix ending in *; an unmapped type falls back', () => {
    const schemaOf = (type: string, handler = mapped) =>
      onlyEvent(handler.handle(fromMessage(HTTP.structured(new CloudEvent({ ...BASE, type, data: {} }))))).schema;
    assert.equal(schemaOf('com.github.push'), PUSH);
    assert.equal(schemaOf('com.github.pull_request'), GITHUB);
    assert.equal(schemaOf('google.cloud.storage.object.v1.finalized'), STORAGE);
    assert.equal(schemaOf('google.cloud.pubsub.topic.v1.messagePublished'), FALLBACK);
    assert.equal(
      onlyRejection(structured({ ...BASE, type: 'com.gitlab.push', data: {} }, mapped)).errorType,
      'schema_not_found',
    );
    const withBoth = createCloudEventsAdapter({
      ...config,
      type_schemas: { 'com.github.push': PUSH },
      fallback_schema: FALLBACK,
    });
    assert.equal(schemaOf('com.gitlab.push', withBoth), FALLBACK, 'cloudevents.fallback_schema stays the catch-all');
    assert.equal(schemaOf('com.github.push', withBoth), PUSH);
  });

  test('an https:// dataschema is not fetched: dataschema_schemas maps it, before type_schemas; unmapped, the type decides; it stays in source', () => {
    const byUrl = onlyEvent(
      mapped.handle(
        fromMessage(HTTP.binary(new CloudEvent({ ...BASE, type: 'com.github.push', dataschema: ORDER_URL, data: {} }))),
      ),
    );
    assert.equal(byUrl.schema, SCHEMA);
    assert.equal((byUrl.source as Record<string, unknown>).dataschema, ORDER_URL);
    const other = onlyEvent(
      structured(
        { ...BASE, type: 'com.github.push', dataschema: 'https://schemas.acme.com/other.json', data: {} },
        mapped,
      ),
    );
    assert.equal(other.schema, PUSH);
    const unmapped = onlyRejection(
      structured({ ...BASE, dataschema: 'https://schemas.acme.com/other.json', data: {} }),
    );
    assert.equal(unmapped.errorType, 'schema_not_found');
    assert.match(
      unmapped.issues[0]?.message ?? '',
      /dataschema "https:\/\/schemas\.acme\.com\/other\.json", which is not an Iglu URI and which cloudevents\.dataschema_schemas does not map \(it is not fetched\)/,
    );
  });

  test('an Iglu dataschema wins over every mapping, and is passed through unchecked: the collector validates schema keys', () => {
    assert.equal(
      onlyEvent(structured({ ...BASE, type: 'com.github.push', dataschema: SCHEMA, data: {} }, mapped)).schema,
      SCHEMA,
    );
    assert.equal(onlyEvent(structured({ ...BASE, data: {} }, withFallback)).schema, FALLBACK);
    assert.equal(
      onlyEvent(structured({ ...BASE, dataschema: 'iglu:com.acme/x/jsonschema/1-0', data: {} })).schema,
      'iglu:com.acme/x/jsonschema/1-0',
    );
  });

  test('an event that breaks the spec is still a protocol_violation, whatever is mapped', () => {
    const rejection = onlyRejection(
      structured({ id: 'x', source: 's', type: 'com.github.push', specversion: '0.3' }, mapped),
    );
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.equal(
      onlyRejection(structured({ ...BASE, source: 'a b', type: 'com.github.push' }, mapped)).errorType,
      'protocol_violation',
    );
  });
});

describe('CloudEvents adapter: spec conformance (the SDK validation)', () => {
  test('an event that breaks the spec is a protocol_violation keeping the event as sent, with its issues (conformance.ts)', () => {
    const event = { source: 's', type: 't', specversion: '1.0', data: { a: 1 } };
    const rejection = onlyRejection(structured(event, withFallback));
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.equal(rejection.raw, JSON.stringify(event));
    assert.deepEqual(
      rejection.issues.map((issue) => `${issue.path}: ${issue.message}`),
      ['$.id: the required attribute id is missing'],
    );
  });

  test('extensions named like SDK methods (validate, emit, constructor) are ordinary extensions', () => {
    const source = onlyEvent(
      structured({ ...BASE, dataschema: SCHEMA, validate: 'yes', emit: 1, constructor: 'c', data: {} }),
    ).source as Record<string, unknown>;
    assert.deepEqual([source.validate, source.emit, source.constructor], ['yes', 1, 'c']);
  });

  test('a __proto__ member is an attribute name the spec forbids, not a prototype', () => {
    const rejection = onlyRejection(
      post(
        { 'content-type': 'application/cloudevents+json' },
        `{"id":"1","source":"s","type":"t","specversion":"1.0","dataschema":"${SCHEMA}","__proto__":{"polluted":true},"data":{}}`,
      ),
    );
    assert.match(rejection.issues[0]?.message ?? '', /invalid attribute name: "__proto__"/);
    assert.equal(rejection.eventId, '1');
    assert.deepEqual(Object.getOwnPropertyNames(rejection.source), [
      'source',
      'type',
      'specversion',
      'dataschema',
      '__proto__',
    ]);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });
});

describe('CloudEvents adapter: batch mode', () => {
  test('one bad element costs only itself; each rejection keeps its element as sent', () => {
    const good1 = JSON.stringify({ ...BASE, id: 'a', dataschema: SCHEMA, data: { n: 1 } });
    const noId = JSON.stringify({ source: 's', type: 't', specversion: '1.0', dataschema: SCHEMA, data: {} });
    const broken = '{"id": "c", "source": }';
    const notObject = '"just a string"';
    const good2 = JSON.stringify({ ...BASE, id: 'e', dataschema: SCHEMA, data: { n: 2 } });
    const result = post(
      { 'content-type': 'application/cloudevents-batch+json' },
      `[${good1}, ${noId},\n ${broken}, ${notObject}, ${good2}]`,
    );
    assert.deepEqual(
      result.events.map((event) => [event.eventId, event.data]),
      [
        ['a', { n: 1 }],
        ['e', { n: 2 }],
      ],
    );
    assert.deepEqual(
      result.rejections.map((rejection) => [rejection.errorType, rejection.raw, rejection.issues[0]?.path]),
      [
        ['protocol_violation', noId, '$[1].id'],
        ['unparseable', broken, '$[2]'],
        ['protocol_violation', notObject, '$[3]'],
      ],
    );
  });

  test('an empty batch is accepted and yields nothing', () => {
    const result = post({ 'content-type': 'application/cloudevents-batch+json' }, '[]');
    assert.deepEqual([result.events, result.rejections, result.response.status], [[], [], 202]);
  });

  test('a batch body that is not an array is a protocol violation', () => {
    const rejection = onlyRejection(
      post({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify({ ...BASE, dataschema: SCHEMA })),
    );
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.match(rejection.issues[0]?.message ?? '', /must be a JSON array/);
  });

  test('takes 10,000 events in one batch', () => {
    const events = Array.from({ length: 10_000 }, (_, index) => ({
      ...BASE,
      id: `e${index}`,
      dataschema: SCHEMA,
      data: { index },
    }));
    const result = post({ 'content-type': 'application/cloudevents-batch+json' }, JSON.stringify(events));
    assert.equal(result.events.length, 10_000);
    assert.equal(result.events[9_999]?.eventId, 'e9999');
  });

  test('data nested 10,000 levels deep is refused as too large, its siblings kept, and nothing throws', () => {
    const deep = `{"id":"deep","source":"s","type":"t","specversion":"1.0","dataschema":"${SCHEMA}","data":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    const good = JSON.stringify({ ...BASE, dataschema: SCHEMA, data: {} });
    const result = post({ 'content-type': 'application/cloudevents-batch+json' }, `[${deep},${good}]`);
    assert.equal(result.events.length, 1);
    assert.equal(result.rejections[0]?.errorType, 'size_exceeded');
    assert.equal(result.rejections[0]?.raw, deep);
    assert.equal(
      onlyRejection(post({ 'content-type': 'application/cloudevents+json' }, deep)).errorType,
      'size_exceeded',
    );
  });
});

describe('CloudEvents adapter: requests that are no CloudEvent', () => {
  test('a body without ce-* headers and with another content type is a protocol violation naming the three modes', () => {
    const rejection = onlyRejection(post({ 'content-type': 'application/json' }, '{"a":1}'));
    assert.equal(rejection.errorType, 'protocol_violation');
    assert.match(
      rejection.issues[0]?.message ?? '',
      /ce-\* headers \(binary mode\).*application\/cloudevents\+json.*application\/cloudevents-batch\+json/,
    );
    assert.equal(rejection.raw, '{"a":1}');
    assert.match(onlyRejection(post({}, 'x')).issues[0]?.message ?? '', /got no Content-Type/);
  });

  test('an event format other than JSON is refused', () => {
    const rejection = onlyRejection(post({ 'content-type': 'application/cloudevents+xml' }, '<event/>'));
    assert.match(rejection.issues[0]?.message ?? '', /event format "application\/cloudevents\+xml" is not supported/);
  });
});
