import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createRegistry } from '../../../functions/adapters/registry/registry-from-url.ts';
import { MAX_BATCH_ELEMENTS } from '../../../functions/core/limits.ts';
import type { ProtocolResult } from '../../../functions/core/protocols/protocol.ts';
import { createWebhookAdapter, DEFAULT_WEBHOOK_SCHEMA } from '../../../functions/core/protocols/webhook.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const adapter = createWebhookAdapter();
const PATH = '/webhook/com.github/push/jsonschema/1-0-0';
const SCHEMA = 'iglu:com.github/push/jsonschema/1-0-0';

function post(
  path: string,
  body: string | Buffer,
  headers: Record<string, string> = { 'content-type': 'application/json' },
  query = '',
): ProtocolResult {
  const result = adapter.handle(inboundRequest({ method: 'POST', path, headers, body, query }));
  assertWellFormedResult(result);
  return result;
}

/** What GitHub sends for a push (trimmed), headers included. */
const GITHUB_HEADERS = {
  'content-type': 'application/json',
  'user-agent': 'GitHub-Hookshot/abc123',
  'x-github-event': 'push',
  'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
  'x-github-hook-id': '292430182',
  'x-hub-signature-256': 'sha256=d57c68ca6f92289e6987922ff26938930f6e66a2d161ef06abdf1859230aa23c',
  'x-forwarded-for': '140.82.115.1',
  'x-cloud-trace-context': '105445aa7843bc8bf206b12000100000/1;o=1',
};
const GITHUB_PUSH = {
  ref: 'refs/heads/main',
  before: '6113728f',
  after: '0d1a26e6',
  repository: { id: 186853002, full_name: 'acme/shop' },
  pusher: { name: 'octocat' },
  commits: [],
};

describe('webhook adapter', () => {
  test('matches POST /webhook and below', () => {
    assert.equal(adapter.protocol, 'webhook');
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/webhook' })), true);
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: PATH })), true);
    assert.equal(adapter.matches(inboundRequest({ method: 'GET', path: PATH })), false);
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: '/webhooks' })), false);
  });

  test('a JSON object posted to a named schema is one event of that schema, answered 200 ok', () => {
    const result = post(PATH, JSON.stringify(GITHUB_PUSH), GITHUB_HEADERS);
    assert.equal(result.events.length, 1);
    assert.equal(result.events[0]?.schema, SCHEMA);
    assert.deepEqual(result.events[0]?.data, GITHUB_PUSH);
    assert.deepEqual(result.response, {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' },
      body: 'ok',
    });
  });

  test('keeps the vendor x-* headers in source, without infrastructure headers or signatures', () => {
    const source = post(PATH, JSON.stringify(GITHUB_PUSH), GITHUB_HEADERS).events[0]?.source;
    assert.deepEqual(source, {
      headers: {
        'x-github-event': 'push',
        'x-github-delivery': '72d3162e-cc78-11e3-81ab-4c9367dc0958',
        'x-github-hook-id': '292430182',
      },
    });
  });

  test('keeps query parameters in source, except ones named like credentials', () => {
    const source = post(
      '/webhook',
      '{}',
      { 'content-type': 'application/json' },
      'source=stripe&env=live&token=s3cret&api_key=k&tag=a&tag=b',
    ).events[0]?.source;
    assert.deepEqual(source, { query: { source: 'stripe', env: 'live', tag: ['a', 'b'] } });
  });

  test('POST /webhook uses the built-in schema that accepts any object', () => {
    assert.equal(DEFAULT_WEBHOOK_SCHEMA, 'iglu:dev.sluice/webhook/jsonschema/1-0-0');
    assert.deepEqual(post('/webhook', '{"anything": [1, {"goes": true}]}').events, [
      { schema: DEFAULT_WEBHOOK_SCHEMA, data: { anything: [1, { goes: true }] } },
    ]);
  });

  test('the built-in schema shipped in schemas/ accepts any object, so nothing posted to /webhook is lost', async () => {
    const { validator } = createValidationEngine({
      registry: createRegistry(pathToFileURL(fileURLToPath(new URL('../../../schemas', import.meta.url))).href),
      ttlMs: 60_000,
      negativeTtlMs: 0,
      errorTtlMs: 0,
      maxEntries: 10,
      allErrors: true,
      maxErrors: 5,
    });
    for (const data of [{}, GITHUB_PUSH, { nested: { deeply: [1, 'two', null] } }]) {
      assert.equal((await validator.validate(DEFAULT_WEBHOOK_SCHEMA, data)).valid, true);
    }
    assert.equal((await validator.validate(DEFAULT_WEBHOOK_SCHEMA, [1])).valid, false);
  });

  test('an array is one event per element; elements that are not objects are rejected alone', () => {
    const result = post(PATH, '[{"a":1}, 2, {"b":2}, [3], null, {bad}]');
    assert.deepEqual(
      result.events.map((event) => event.data),
      [{ a: 1 }, { b: 2 }],
    );
    assert.deepEqual(
      result.rejections.map((rejection) => [
        rejection.errorType,
        rejection.raw,
        rejection.issues[0]?.path,
        rejection.schema,
      ]),
      [
        ['protocol_violation', '2', '$[1]', SCHEMA],
        ['protocol_violation', '[3]', '$[3]', SCHEMA],
        ['protocol_violation', 'null', '$[4]', SCHEMA],
        ['unparseable', '{bad}', '$[5]', SCHEMA],
      ],
    );
    assert.match(
      result.rejections[0]?.issues[0]?.message ?? '',
      /each element of a webhook array must be a JSON object \(one event\), got a number/,
    );
  });

  const notObjects: Array<[string, string]> = [
    ['a string', '"hello"'],
    ['a number', '42'],
    ['null', 'null'],
    ['a boolean', 'true'],
  ];
  for (const [name, body] of notObjects) {
    test(`a body that is ${name} is a protocol violation`, () => {
      const rejection = post(PATH, body).rejections[0];
      assert.equal(rejection?.errorType, 'protocol_violation');
      assert.equal(rejection?.raw, body);
      assert.match(rejection?.issues[0]?.message ?? '', /a webhook body must be a JSON object/);
    });
  }

  test('invalid JSON and form-encoded bodies are unparseable, kept as raw with the schema', () => {
    for (const body of ['{"a":', 'payload=%7B%22a%22%3A1%7D', '']) {
      const rejection = post(PATH, body, { 'content-type': 'application/x-www-form-urlencoded' }).rejections[0];
      assert.equal(rejection?.errorType, 'unparseable');
      assert.equal(rejection?.raw, body);
      assert.equal(rejection?.schema, SCHEMA);
    }
  });

  const badPaths: Array<[string, RegExp]> = [
    ['/webhook/', /1 segments/],
    ['/webhook/com.github/push', /2 segments/],
    ['/webhook/com.github/push/jsonschema/1-0-0/x', /5 segments/],
    ['/webhook/../../etc/passwd', /4 segments|"\.\." segment/],
    ['/webhook/com.github/..%2F..%2Fx/jsonschema/1-0-0', /percent-escape/],
    ['/webhook/com.github/%2e%2e/jsonschema/1-0-0', /percent-escape/],
    ['/webhook/../x/jsonschema/1-0-0', /"\.\." segment/],
  ];
  for (const [path, reason] of badPaths) {
    test(`${path} is a protocol violation that also points to POST /webhook`, () => {
      const result = post(path, '{"a":1}');
      assert.deepEqual(result.events, []);
      const rejection = result.rejections[0];
      assert.equal(rejection?.errorType, 'protocol_violation');
      assert.match(rejection?.issues[0]?.message ?? '', reason);
      assert.match(
        rejection?.issues[0]?.message ?? '',
        /or post to \/webhook to use iglu:dev\.sluice\/webhook\/jsonschema\/1-0-0/,
      );
      assert.equal(rejection?.raw, '{"a":1}');
    });
  }

  test('__proto__, constructor and prototype keys stay plain data', () => {
    const body = '{"__proto__": {"polluted": true}, "constructor": {"prototype": {"polluted": true}}, "prototype": 1}';
    const data = post('/webhook', body).events[0]?.data as object;
    assert.deepEqual(Object.getOwnPropertyNames(data), ['__proto__', 'constructor', 'prototype']);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    const source = post('/webhook', '{}', { 'x-__proto__': 'p' }, '__proto__=1').events[0]?.source as Record<
      string,
      Record<string, unknown>
    >;
    assert.deepEqual(Object.getOwnPropertyNames(source.headers), ['x-__proto__']);
    assert.deepEqual(Object.getOwnPropertyNames(source.query), ['__proto__']);
  });

  test('nesting 10,000 levels deep is size_exceeded, without a RangeError', () => {
    const deep = `{"a":${'['.repeat(10_000)}${']'.repeat(10_000)}}`;
    assert.equal(post('/webhook', deep).rejections[0]?.errorType, 'size_exceeded');
    const result = post('/webhook', `[{"ok":1}, ${deep}]`);
    assert.deepEqual(
      [result.events.length, result.rejections[0]?.errorType, result.rejections[0]?.raw],
      [1, 'size_exceeded', deep],
    );
  });

  test('an array of MAX_BATCH_ELEMENTS (10,000) events is taken; one more and the batch is refused whole, unread', () => {
    const batch = (length: number) => JSON.stringify(Array.from({ length }, (_, index) => ({ index })));
    assert.equal(post('/webhook', batch(MAX_BATCH_ELEMENTS)).events.length, MAX_BATCH_ELEMENTS);
    const over = post('/webhook', batch(MAX_BATCH_ELEMENTS + 1));
    assert.deepEqual(
      [over.events.length, over.rejections.length, over.rejections[0]?.errorType],
      [0, 1, 'size_exceeded'],
    );
  });
});
