import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { PixelConfig } from '../../../functions/core/config/config.ts';
import { createPixelAdapter } from '../../../functions/core/protocols/pixel.ts';
import type { ProtocolResult } from '../../../functions/core/protocols/protocol.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const config: PixelConfig = { redirect_allowed_domains: ['acme.com', '*.shop.example'] };
const adapter = createPixelAdapter(config);
const PATH = '/pixel/com.acme/email_open/jsonschema/1-0-0';
const SCHEMA = 'iglu:com.acme/email_open/jsonschema/1-0-0';
/** Snowplow's collector pixel: a complete 1×1 transparent GIF89a. */
const GIF = Buffer.from('R0lGODlhAQABAPAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');

function get(path: string, query = '', method = 'GET', handler = adapter): ProtocolResult {
  const result = handler.handle(inboundRequest({ method, path, query, headers: { 'user-agent': 'Mozilla/5.0' } }));
  assertWellFormedResult(result);
  return result;
}

function b64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('pixel adapter: routing and the GIF', () => {
  test('matches GET and HEAD under /pixel', () => {
    assert.equal(adapter.protocol, 'pixel');
    assert.equal(adapter.matches(inboundRequest({ method: 'GET', path: PATH })), true);
    assert.equal(adapter.matches(inboundRequest({ method: 'HEAD', path: PATH })), true);
    assert.equal(
      adapter.matches(inboundRequest({ method: 'GET', path: '/pixel' })),
      true,
      'so that a bare /pixel gets a reason, not a 404',
    );
    assert.equal(adapter.matches(inboundRequest({ method: 'POST', path: PATH })), false);
    assert.equal(adapter.matches(inboundRequest({ method: 'GET', path: '/pixels/x' })), false);
  });

  test('the path names the schema and the query parameters are the data; the answer is the 43-byte GIF, never cached', () => {
    const result = get(PATH, 'campaign=spring&user=42&empty=');
    assert.deepEqual(result.events, [{ schema: SCHEMA, data: { campaign: 'spring', user: '42', empty: '' } }]);
    assert.deepEqual(result.rejections, []);
    assert.equal(result.trackerFacing, true);
    assert.equal(result.response.status, 200);
    assert.deepEqual(result.response.headers, {
      'content-type': 'image/gif',
      'cache-control': 'no-cache, no-store, must-revalidate',
    });
    assert.ok(Buffer.isBuffer(result.response.body));
    assert.equal((result.response.body as Buffer).length, 43);
    assert.deepEqual(result.response.body, GIF);
    const gif = result.response.body as Buffer;
    assert.equal(gif.subarray(0, 6).toString('latin1'), 'GIF89a');
    assert.deepEqual([gif.readUInt16LE(6), gif.readUInt16LE(8)], [1, 1], '1×1');
    assert.equal(gif.at(-1), 0x3b, 'ends with the GIF trailer');
  });

  test('a repeated parameter becomes an array of its strings, in order; no query is an empty object', () => {
    assert.deepEqual(get(PATH, 'tag=a&tag=b&tag=a&x=1').events[0]?.data, { tag: ['a', 'b', 'a'], x: '1' });
    assert.deepEqual(get(PATH).events[0]?.data, {});
  });

  test('percent-encoded and + encoded values are decoded', () => {
    assert.deepEqual(get(PATH, 'subject=Hello+world%21&name=Ren%C3%A9').events[0]?.data, {
      subject: 'Hello world!',
      name: 'René',
    });
  });

  test('HEAD answers like GET but records nothing', () => {
    const result = get(PATH, 'campaign=spring', 'HEAD');
    assert.deepEqual([result.events, result.rejections], [[], []]);
    assert.equal(result.response.status, 200);
    assert.equal(result.response.headers?.['content-type'], 'image/gif');
  });

  test('__proto__ and constructor parameters stay plain data', () => {
    const data = get(PATH, '__proto__=x&constructor=y&prototype=z&__proto__[polluted]=1').events[0]?.data as Record<
      string,
      unknown
    >;
    assert.deepEqual(Object.getOwnPropertyNames(data), [
      '__proto__',
      'constructor',
      'prototype',
      '__proto__[polluted]',
    ]);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('takes 10,000 parameters', () => {
    const query = Array.from({ length: 10_000 }, (_, index) => `p${index}=${index}`).join('&');
    assert.equal(Object.keys(get(PATH, query).events[0]?.data as object).length, 10_000);
  });
});

describe('pixel adapter: b64 typed data', () => {
  test('b64 (base64url JSON) replaces the string parameters as data; those are kept in source.params', () => {
    const typed = { count: 3, opened: true, tags: ['a'], meta: { n: null } };
    assert.deepEqual(get(PATH, `b64=${b64url(typed)}`).events, [{ schema: SCHEMA, data: typed }]);
    const mixed = get(PATH, `b64=${b64url({ count: 3 })}&utm_source=mail`).events[0];
    assert.deepEqual(mixed?.data, { count: 3 });
    assert.deepEqual(mixed?.source, { params: { utm_source: 'mail' } });
  });

  test('padded and standard-alphabet base64 are accepted too', () => {
    const value = { s: '???>>>' };
    const standard = Buffer.from(JSON.stringify(value)).toString('base64');
    assert.match(standard, /[+/=]/);
    assert.deepEqual(get(PATH, `b64=${encodeURIComponent(standard)}`).events[0]?.data, value);
  });

  const bad: Array<[string, string, string, RegExp]> = [
    ['not base64', 'b64=not*base64', 'unparseable', /b64 is not base64url/],
    ['truncated base64', 'b64=eyJhIjoxf', 'unparseable', /b64 is not base64url/],
    ['not UTF-8', `b64=${Buffer.from([0xff, 0xfe]).toString('base64url')}`, 'unparseable', /not UTF-8/],
    ['not JSON', `b64=${Buffer.from('{a:1}').toString('base64url')}`, 'unparseable', /not valid JSON/],
    ['an array', `b64=${b64url([1, 2])}`, 'protocol_violation', /must decode to a JSON object/],
    ['a string', `b64=${b64url('x')}`, 'protocol_violation', /must decode to a JSON object/],
    ['given twice', `b64=${b64url({})}&b64=${b64url({})}`, 'protocol_violation', /given 2 times/],
    [
      'nested 10,000 levels',
      `b64=${Buffer.from(`${'['.repeat(10_000)}${']'.repeat(10_000)}`).toString('base64url')}`,
      'size_exceeded',
      /at most 500/,
    ],
  ];
  for (const [name, query, errorType, message] of bad) {
    test(`b64 that is ${name} is rejected as ${errorType}, keeping the request as raw and the schema`, () => {
      const result = get(PATH, query);
      assert.deepEqual(result.events, []);
      const rejection = result.rejections[0];
      assert.equal(rejection?.errorType, errorType);
      assert.match(rejection?.issues[0]?.message ?? '', message);
      assert.equal(rejection?.issues[0]?.path, '$.b64');
      assert.equal(rejection?.raw, `${PATH}?${query}`);
      assert.equal(rejection?.schema, SCHEMA);
      assert.equal(result.response.status, 200, 'the pixel is still served');
    });
  }
});

describe('pixel adapter: redirects', () => {
  const allowed: Array<[string, string]> = [
    ['https://acme.com/landing?x=1', 'https://acme.com/landing?x=1'],
    ['https://ACME.com/A', 'https://acme.com/A'],
    ['http://deals.shop.example/', 'http://deals.shop.example/'],
    ['https://a.b.shop.example:8443/p', 'https://a.b.shop.example:8443/p'],
    ['https://acme.com./trailing-dot', 'https://acme.com./trailing-dot'],
    ['https://acme.com/a b', 'https://acme.com/a%20b'],
  ];
  for (const [target, location] of allowed) {
    test(`redirects to ${target} (allowed) and records the event with the target in source`, () => {
      const result = get(PATH, `campaign=c&redirect=${encodeURIComponent(target)}`);
      assert.equal(result.response.status, 302);
      assert.equal(result.response.headers?.location, location);
      assert.equal(result.response.headers?.['cache-control'], 'no-cache, no-store, must-revalidate');
      assert.deepEqual(result.events, [{ schema: SCHEMA, data: { campaign: 'c' }, source: { redirect: target } }]);
    });
  }

  const refused: Array<[string, RegExp]> = [
    [
      'https://evil.com/',
      /host "evil\.com" are not allowed because it is not listed in pixel\.redirect_allowed_domains/,
    ],
    ['https://acme.com.evil.com/', /host "acme\.com\.evil\.com"/],
    ['https://notacme.com/', /host "notacme\.com"/],
    ['https://shop.example/', /host "shop\.example"/],
    ['https://acme.com@evil.com/', /host "evil\.com"/],
    ['https://evil.com\\.acme.com/', /host "evil\.com"/],
    ['https://evil.com%2F.acme.com/', /not an absolute URL|host/],
    ['javascript:alert(1)', /must be an http or https URL, not "javascript:"/],
    ['data:text/html,<script>alert(1)</script>', /must be an http or https URL/],
    ['//evil.com/', /is not an absolute URL/],
    ['/relative', /is not an absolute URL/],
    ['', /redirect target is empty/],
    ['https://acme.com/\r\nSet-Cookie: a=b', /control characters/],
    ['https://ev\nil.com/', /control characters/],
    ['https://acme.com/\t', /control characters/],
  ];
  for (const [target, reason] of refused) {
    test(`refuses to redirect to ${JSON.stringify(target)}: 400 naming why; the event is still recorded`, () => {
      const result = get(PATH, `campaign=c&redirect=${encodeURIComponent(target)}`);
      assert.equal(result.response.status, 400);
      assert.equal(result.response.headers?.location, undefined);
      assert.equal(result.response.headers?.['content-type'], 'text/plain; charset=utf-8');
      assert.equal(result.response.headers?.['x-content-type-options'], 'nosniff');
      assert.match(String(result.response.body), reason);
      assert.equal(result.events.length, 1);
      assert.deepEqual(result.events[0]?.source, { redirect: target });
    });
  }

  test('with an empty allow-list every redirect is refused, saying the list is empty', () => {
    const closed = createPixelAdapter({ redirect_allowed_domains: [] });
    const result = get(PATH, 'redirect=https%3A%2F%2Facme.com%2F', 'GET', closed);
    assert.equal(result.response.status, 400);
    assert.match(String(result.response.body), /because pixel\.redirect_allowed_domains is empty; add the host/);
  });

  test('CR/LF sent percent-encoded in the query never reach a header', () => {
    const result = get(PATH, 'redirect=https://acme.com/%0d%0aSet-Cookie:%20x=1');
    assert.equal(result.response.status, 400);
    assert.ok(Object.values(result.response.headers ?? {}).every((value) => !/[\r\n]/.test(value)));
  });

  test('two redirect targets are refused; both are kept in source', () => {
    const result = get(PATH, 'redirect=https://acme.com/a&redirect=https://acme.com/b');
    assert.equal(result.response.status, 400);
    assert.match(String(result.response.body), /redirect is given 2 times/);
    assert.deepEqual(result.events[0]?.source, { redirect: ['https://acme.com/a', 'https://acme.com/b'] });
  });

  test('HEAD with a redirect answers the same 302 without recording', () => {
    const result = get(PATH, 'redirect=https://acme.com/', 'HEAD');
    assert.equal(result.response.status, 302);
    assert.deepEqual(result.events, []);
  });
});

describe('pixel adapter: paths that name no schema', () => {
  const paths: Array<[string, RegExp]> = [
    ['/pixel', /does not start with \/pixel\//],
    ['/pixel/', /1 segments after \/pixel\/ instead of 4/],
    ['/pixel/com.acme/email_open/jsonschema', /3 segments/],
    ['/pixel/com.acme/email_open/jsonschema/1-0-0/', /5 segments/],
    ['/pixel/com.acme/email_open/jsonschema/1-0-0/extra', /5 segments/],
    ['/pixel/../x/jsonschema/1-0-0', /a "\.\." segment/],
    ['/pixel/./x/jsonschema/1-0-0', /a "\." segment/],
    ['/pixel/com.acme//jsonschema/1-0-0', /an empty segment/],
    ['/pixel/com.acme/x%2F..%2F..%2Fy/jsonschema/1-0-0', /percent-escape/],
    ['/pixel/com.acme/%2e%2e/jsonschema/1-0-0', /percent-escape/],
    ['/pixel/com.acme/a\\..\\b/jsonschema/1-0-0', /backslash/],
  ];
  for (const [path, reason] of paths) {
    test(`${path} is a protocol violation with the request kept as raw`, () => {
      const result = get(path, 'campaign=c');
      assert.deepEqual(result.events, []);
      const rejection = result.rejections[0];
      assert.equal(rejection?.errorType, 'protocol_violation');
      assert.match(rejection?.issues[0]?.message ?? '', reason);
      assert.match(
        rejection?.issues[0]?.message ?? '',
        /\/pixel\/<vendor>\/<name>\/jsonschema\/<model>-<revision>-<addition>/,
      );
      assert.equal(rejection?.raw, `${path}?campaign=c`);
      assert.equal(rejection?.schema, undefined);
      assert.equal(result.response.status, 200, 'the pixel is still served');
    });
  }

  test('a wrong path with an allowed redirect still redirects the person who clicked', () => {
    const result = get('/pixel/../x/jsonschema/1-0-0', 'redirect=https://acme.com/');
    assert.equal(result.response.status, 302);
    assert.deepEqual(result.rejections[0]?.source, { redirect: 'https://acme.com/' });
  });

  test('a format other than jsonschema is passed on for the collector to reject with its reason', () => {
    assert.equal(get('/pixel/com.acme/x/avro/1-0-0').events[0]?.schema, 'iglu:com.acme/x/avro/1-0-0');
  });
});
