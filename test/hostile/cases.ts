import { brotliCompressSync, deflateSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import type { RawRequest } from './raw-http.ts';

/**
 * The hostile-input corpus: one entry per attack, grouped by the list. Every case is sent
 * as raw bytes to the real HTTP function (the functions framework's server and the collector, see
 * hostile-input.test.ts), and must get the answer and rows written here. On top of each case's own
 * expectation, the runner checks for every case: an answer (no hang, no dropped connection),
 * nothing on the valid side, a reason on every invalid row, the process still serving, and
 * Object.prototype untouched at the end.
 *
 * `rows` lists the error_type of each invalid row written (sorted), or [] when the request is
 * refused before anything can be recorded; `by: 'framework'` marks answers that the functions
 * framework (or Node's HTTP server) gives before Sluice runs, which docs/protocols.md lists.
 */
export interface HostileCase {
  readonly name: string;
  /** Which item of the list it covers. */
  readonly category: Category;
  /** `default` config, or `redirects` (click redirects on, allow-list shop.example), or `big` (4 MiB requests). */
  readonly collector?: 'default' | 'redirects' | 'big';
  readonly request: RawRequest;
  readonly expect: {
    readonly status: number;
    readonly rows: readonly string[];
    /** Matched against the invalid rows' errors (or the answer's body when there are none). */
    readonly reason?: RegExp;
    readonly by?: 'framework' | 'node';
  };
}

export type Category =
  | 'malformed JSON'
  | 'wrong or missing content type'
  | 'invalid UTF-8'
  | 'deep nesting'
  | 'huge arrays'
  | 'body over the limit'
  | 'gzip bomb'
  | 'invalid base64'
  | 'prototype pollution'
  | 'Iglu reference traversal'
  | 'overlong or non-ASCII schema names'
  | 'CRLF in redirect URLs'
  | 'redirect outside the allow-list'
  | 'huge header values';

const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const TP2 = '/com.snowplowanalytics.snowplow/tp2';
const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const json = { 'content-type': 'application/json' };
const text = { 'content-type': 'text/plain' };
const post = (path: string, body: string | Buffer, headers: Record<string, string> = json): RawRequest => ({
  method: 'POST',
  path,
  headers,
  body,
});
const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const zeros = (count: number) => `[${new Array(count).fill('0').join(',')}]`;
const INVALID_UTF8 = Buffer.concat([
  Buffer.from(`{"schema":"${CHECKOUT}","data":{"order_id":"`),
  Buffer.from([0xff, 0xfe, 0xc3, 0x28]),
  Buffer.from('","total":1,"currency":"EUR"}}'),
]);
const redirect = (target: string) => `/r/tp2?u=${target}`;
/** 64 MiB of spaces, gzipped to about 64 KB: over the 32 MiB the framework may decode. */
const BOMB_64_MIB = gzipSync(Buffer.alloc(64 * 2 ** 20, 0x20));

export const HOSTILE_CASES: readonly HostileCase[] = [
  // --- malformed JSON
  {
    name: 'malformed JSON as application/json',
    category: 'malformed JSON',
    request: post('/self-describing', '{"schema": "iglu:'),
    expect: { status: 200, rows: ['unparseable'], reason: /not valid JSON/ },
  },
  {
    name: 'malformed JSON as text/plain',
    category: 'malformed JSON',
    request: post('/self-describing', '{"schema": "iglu:', text),
    expect: { status: 200, rows: ['unparseable'], reason: /not valid JSON/ },
  },
  {
    name: 'malformed payload_data without a content type',
    category: 'malformed JSON',
    request: post(TP2, '{"schema":"x","data":[{"e":"pv",}]}', {}),
    expect: { status: 200, rows: ['unparseable'], reason: /not valid JSON/ },
  },
  {
    name: 'malformed structured CloudEvent',
    category: 'malformed JSON',
    request: post('/cloudevents', '{"specversion":"1.0",', { 'content-type': 'application/cloudevents+json' }),
    expect: { status: 202, rows: ['unparseable'], reason: /not valid JSON/ },
  },
  {
    name: 'malformed webhook elements, each rejected on its own',
    category: 'malformed JSON',
    request: post('/webhook', '[{"b":],[1,,2],{"c":3', text),
    expect: { status: 200, rows: ['unparseable'], reason: /not valid JSON/ },
  },
  {
    name: 'malformed elements of a self-describing batch',
    category: 'malformed JSON',
    request: post('/self-describing', '[{"schema":},{"data":]]', text),
    expect: { status: 200, rows: ['unparseable', 'unparseable'], reason: /element 0 .*element 1/ },
  },
  {
    name: 'trailing garbage after JSON',
    category: 'malformed JSON',
    request: post('/self-describing', `{"schema":"${CHECKOUT}","data":{}} trailing`, text),
    expect: { status: 200, rows: ['unparseable'] },
  },

  // --- wrong or missing content types
  {
    name: 'XML to the JSON endpoint',
    category: 'wrong or missing content type',
    request: post('/self-describing', '<event><schema>x</schema></event>', { 'content-type': 'application/xml' }),
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'multipart form to a webhook',
    category: 'wrong or missing content type',
    request: post('/webhook', '--b\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--b--\r\n', {
      'content-type': 'multipart/form-data; boundary=b',
    }),
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'CloudEvents without ce- headers or a CloudEvents type',
    category: 'wrong or missing content type',
    request: post('/cloudevents', '{"id":"1"}', text),
    expect: { status: 202, rows: ['protocol_violation'], reason: /no ce-\* header/ },
  },
  {
    name: 'JSON declared as UTF-16 and sent as UTF-16',
    category: 'wrong or missing content type',
    request: post('/self-describing', Buffer.from(`{"schema":"${CHECKOUT}","data":{}}`, 'utf16le'), {
      'content-type': 'application/json; charset=utf-16',
    }),
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'no content type and garbage',
    category: 'wrong or missing content type',
    request: post('/self-describing', 'garbage', {}),
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'form-encoded body to payload_data',
    category: 'wrong or missing content type',
    request: post(TP2, 'e=pv&url=x', { 'content-type': 'application/x-www-form-urlencoded' }),
    expect: { status: 200, rows: ['unparseable'] },
  },

  // --- invalid UTF-8
  {
    name: 'invalid UTF-8 as text/plain',
    category: 'invalid UTF-8',
    request: post('/self-describing', INVALID_UTF8, text),
    expect: { status: 200, rows: ['unparseable'], reason: /not UTF-8/ },
  },
  {
    name: 'invalid UTF-8 as application/json (the framework decodes it lossily; Sluice does not)',
    category: 'invalid UTF-8',
    request: post('/self-describing', INVALID_UTF8),
    expect: { status: 200, rows: ['unparseable'], reason: /not UTF-8/ },
  },
  {
    name: 'invalid UTF-8 in a webhook',
    category: 'invalid UTF-8',
    request: post('/webhook', Buffer.from([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]), {}),
    expect: { status: 200, rows: ['unparseable'], reason: /not UTF-8/ },
  },

  // --- JSON nested 10,000 levels deep
  {
    name: 'self-describing body nested 10,000 levels (text)',
    category: 'deep nesting',
    request: post('/self-describing', nested(10_000), text),
    expect: { status: 200, rows: ['size_exceeded'], reason: /levels deep; at most 500 are accepted/ },
  },
  {
    name: 'self-describing body nested 10,000 levels (application/json, parsed by the framework first)',
    category: 'deep nesting',
    request: post('/self-describing', nested(10_000)),
    expect: { status: 200, rows: ['size_exceeded'], reason: /levels deep; at most 500/ },
  },
  {
    name: 'event data nested 10,000 levels',
    category: 'deep nesting',
    request: post(
      '/self-describing',
      `{"schema":"${CHECKOUT}","data":${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}}`,
      text,
    ),
    expect: { status: 200, rows: ['size_exceeded'] },
  },
  {
    name: 'webhook body nested 10,000 levels',
    category: 'deep nesting',
    request: post('/webhook', nested(10_000)),
    expect: { status: 200, rows: ['size_exceeded'] },
  },
  {
    name: 'ue_pr nested 10,000 levels, in a payload_data POST',
    category: 'deep nesting',
    request: post(TP2, JSON.stringify({ schema: PAYLOAD_DATA, data: [{ e: 'ue', ue_pr: nested(10_000) }] })),
    expect: { status: 200, rows: ['size_exceeded'] },
  },
  {
    name: 'a query string nested 5,000 levels: Node refuses the 16 KB URL',
    category: 'deep nesting',
    request: { path: `/i?e=ue&ue_pr=${encodeURIComponent(nested(5_000))}` },
    expect: { status: 431, rows: [], by: 'node' },
  },

  // --- arrays of 1,000,000 elements
  {
    name: 'a batch of 1,000,000 elements (2 MB, over the 1 MiB limit)',
    category: 'huge arrays',
    request: post('/self-describing', zeros(1_000_000), text),
    expect: { status: 413, rows: ['size_exceeded'] },
  },
  {
    name: 'a batch of 1,000,000 elements under a 4 MiB limit: refused whole, not read one by one',
    category: 'huge arrays',
    collector: 'big',
    request: post('/self-describing', zeros(1_000_000), text),
    expect: { status: 200, rows: ['size_exceeded'], reason: /more than 10000 elements/ },
  },
  {
    name: 'a payload_data batch of 1,000,000 events under a 4 MiB limit',
    category: 'huge arrays',
    collector: 'big',
    request: post(TP2, `{"schema":"${PAYLOAD_DATA}","data":${zeros(1_000_000)}}`),
    expect: { status: 200, rows: ['size_exceeded'], reason: /more than the 10000 one request may/ },
  },
  {
    name: 'a webhook batch of 2,000 events, over limits.max_events_per_request',
    category: 'huge arrays',
    request: post('/webhook', `[${new Array(2000).fill('{}').join(',')}]`),
    expect: { status: 413, rows: ['size_exceeded'], reason: /2000 events, over the limit of 1000/ },
  },
  {
    name: 'one event holding an array of 1,000,000 elements',
    category: 'huge arrays',
    collector: 'big',
    request: post(
      '/self-describing',
      `{"schema":"${CHECKOUT}","data":{"order_id":${zeros(1_000_000)},"total":1,"currency":"EUR"}}`,
    ),
    expect: { status: 200, rows: ['validation_failed'] },
  },
  {
    // Just under validation.all_errors_max_bytes (16 KiB), so it is validated a second time for
    // every problem: 1,600 errors from Ajv, 20 (validation.max_errors) kept.
    name: 'one event of 16 KB with 1,600 unknown properties, each a problem of its own',
    category: 'huge arrays',
    request: post(
      '/self-describing',
      `{"schema":"${CHECKOUT}","data":{"order_id":"A-1","total":1,"currency":"EUR",${Array.from(
        { length: 1_600 },
        (_, n) => `"x${String(n).padStart(4, '0')}":0`,
      ).join(',')}}}`,
    ),
    expect: { status: 200, rows: ['validation_failed'], reason: /must NOT have additional property \\"x0019\\"/ },
  },

  // --- bodies over the limit
  {
    name: 'a 2 MiB body',
    category: 'body over the limit',
    request: post('/self-describing', 'x'.repeat(2 * 1024 * 1024), text),
    expect: { status: 413, rows: ['size_exceeded'], reason: /over the limit of 1048576/ },
  },
  {
    name: 'a 2 MiB body without a content type',
    category: 'body over the limit',
    request: post('/webhook', 'x'.repeat(2 * 1024 * 1024), {}),
    expect: { status: 413, rows: ['size_exceeded'] },
  },
  {
    name: 'a chunked 2 MiB body',
    category: 'body over the limit',
    request: {
      method: 'POST',
      path: '/self-describing',
      headers: { ...text, 'transfer-encoding': 'chunked' },
      body: `200000\r\n${'x'.repeat(0x200000)}\r\n0\r\n\r\n`,
    },
    expect: { status: 413, rows: ['size_exceeded'] },
  },

  // --- gzip bombs
  {
    name: 'gzip bomb (64 MiB of spaces) with a content type: the framework stops at 32 MiB',
    category: 'gzip bomb',
    request: post('/self-describing', BOMB_64_MIB, { ...text, 'content-encoding': 'gzip' }),
    expect: { status: 413, rows: [], by: 'framework' },
  },
  {
    name: 'gzip bomb without a content type: Sluice stops at its own limit',
    category: 'gzip bomb',
    request: post('/webhook', BOMB_64_MIB, { 'content-encoding': 'gzip' }),
    expect: { status: 413, rows: ['size_exceeded'] },
  },
  {
    name: 'deflate bomb without a content type',
    category: 'gzip bomb',
    request: post('/webhook', deflateSync(Buffer.alloc(16 * 2 ** 20, 0x7b)), { 'content-encoding': 'deflate' }),
    expect: { status: 413, rows: ['size_exceeded'] },
  },
  {
    name: "gzip that inflates to 2 MiB (over the 1 MiB limit, under the framework's)",
    category: 'gzip bomb',
    request: post('/self-describing', gzipSync(Buffer.alloc(2 * 2 ** 20, 0x20)), {
      ...text,
      'content-encoding': 'gzip',
    }),
    expect: { status: 413, rows: ['size_exceeded'] },
  },
  {
    name: 'brotli bomb with a content type: the framework decodes br too, and stops at 32 MiB',
    category: 'gzip bomb',
    request: post(
      '/self-describing',
      brotliCompressSync(Buffer.alloc(64 * 2 ** 20, 0x20), { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 1 } }),
      { ...text, 'content-encoding': 'br' },
    ),
    expect: { status: 413, rows: [], by: 'framework' },
  },
  {
    name: 'an unknown content encoding',
    category: 'gzip bomb',
    request: post('/self-describing', 'xx', { ...text, 'content-encoding': 'compress' }),
    expect: { status: 415, rows: [], by: 'framework' },
  },
  {
    name: 'a corrupt gzip body',
    category: 'gzip bomb',
    request: post('/self-describing', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 1, 2, 3, 4]), {
      ...text,
      'content-encoding': 'gzip',
    }),
    expect: { status: 400, rows: [], by: 'framework' },
  },

  // --- invalid base64 in ue_px / cx
  {
    name: 'ue_px that is not base64',
    category: 'invalid base64',
    request: { path: '/i?e=ue&ue_px=%21%21%21not*base64%24%24' },
    expect: { status: 200, rows: ['unparseable'], reason: /base64/ },
  },
  {
    name: 'ue_px that decodes to bytes that are not UTF-8',
    category: 'invalid base64',
    request: { path: `/i?e=ue&ue_px=${b64url(Buffer.from([0xff, 0xfe, 0xfd]))}` },
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'ue_px that decodes to something that is not JSON',
    category: 'invalid base64',
    request: { path: `/i?e=ue&ue_px=${b64url('not json at all')}` },
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'cx that is not base64, on an otherwise good page view',
    category: 'invalid base64',
    request: { path: '/i?e=pv&url=https%3A%2F%2Fshop.example%2F&cx=%25%25%25' },
    expect: { status: 200, rows: ['unparseable'], reason: /base64/ },
  },

  // --- __proto__ / constructor / prototype keys
  {
    name: '__proto__ hiding the envelope of a self-describing event',
    category: 'prototype pollution',
    request: post(
      '/self-describing',
      `{"__proto__":{"schema":"${CHECKOUT}","data":{"order_id":"P","total":1,"currency":"EUR"},"polluted":"yes"}}`,
    ),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: '__proto__ and constructor.prototype in event data',
    category: 'prototype pollution',
    request: post(
      '/self-describing',
      `{"schema":"${CHECKOUT}","data":{"__proto__":{"order_id":"P","total":1,"currency":"EUR","isAdmin":true},"constructor":{"prototype":{"polluted":"yes"}}}}`,
    ),
    expect: { status: 200, rows: ['validation_failed'] },
  },
  {
    name: '__proto__ in payload_data events',
    category: 'prototype pollution',
    request: post(
      TP2,
      `{"schema":"${PAYLOAD_DATA}","data":[{"__proto__":{"e":"pv","polluted":"yes"},"constructor":{"prototype":{"x":"1"}}}]}`,
    ),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: '__proto__ in a webhook',
    category: 'prototype pollution',
    request: post(
      '/webhook/com.example/checkout/jsonschema/1-0-0',
      '{"__proto__":{"order_id":"P","total":1,"currency":"EUR"},"prototype":{"polluted":"yes"}}',
    ),
    expect: { status: 200, rows: ['validation_failed'] },
  },
  {
    name: '__proto__ in a query string and a ue_pr',
    category: 'prototype pollution',
    request: {
      path: `/i?e=ue&__proto__%5Bpolluted%5D=yes&constructor%5Bprototype%5D%5Bx%5D=1&ue_pr=${encodeURIComponent('{"__proto__":{"schema":"x","data":{}},"schema":"iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0","data":{"__proto__":{"polluted":"yes"}}}')}`,
    },
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: '__proto__ in a CloudEvent',
    category: 'prototype pollution',
    request: post(
      '/cloudevents',
      '{"specversion":"1.0","id":"p1","source":"/s","type":"t","__proto__":{"dataschema":"iglu:com.example/checkout/jsonschema/1-0-0","polluted":"yes"},"data":{}}',
      { 'content-type': 'application/cloudevents+json' },
    ),
    expect: { status: 202, rows: ['protocol_violation'] },
  },

  // --- Iglu references with traversal or encoded separators
  {
    name: 'schema reference with ../',
    category: 'Iglu reference traversal',
    request: post('/self-describing', '{"schema":"iglu:com.acme/../../../etc/passwd/jsonschema/1-0-0","data":{}}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'schema reference with %2F',
    category: 'Iglu reference traversal',
    request: post('/self-describing', '{"schema":"iglu:com.acme%2F..%2F..%2Fx/y/jsonschema/1-0-0","data":{}}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'schema reference with a backslash and a query',
    category: 'Iglu reference traversal',
    request: post('/self-describing', '{"schema":"iglu:com.acme\\\\..\\\\x/y/jsonschema/1-0-0?x=1","data":{}}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'pixel path with an encoded traversal',
    category: 'Iglu reference traversal',
    request: { path: '/pixel/com.acme/..%2F..%2Fsecret/jsonschema/1-0-0?a=1' },
    expect: { status: 200, rows: ['protocol_violation'], reason: /percent-escape/ },
  },
  {
    name: 'webhook path with dot segments',
    category: 'Iglu reference traversal',
    request: post('/webhook/com.acme/../../etc/jsonschema/1-0-0', '{}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'context entity with a traversal reference',
    category: 'Iglu reference traversal',
    request: post(
      '/self-describing',
      `{"schema":"${CHECKOUT}","data":{"order_id":"A","total":1,"currency":"EUR"},"contexts":[{"schema":"iglu:../../x/y/jsonschema/1-0-0","data":{}}]}`,
    ),
    expect: { status: 200, rows: ['protocol_violation'] },
  },

  // --- overlong and non-ASCII schema names
  {
    name: 'a 100,000-character schema vendor',
    category: 'overlong or non-ASCII schema names',
    request: post('/self-describing', `{"schema":"iglu:${'a'.repeat(100_000)}/x/jsonschema/1-0-0","data":{}}`),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'non-ASCII schema name',
    category: 'overlong or non-ASCII schema names',
    request: post('/self-describing', '{"schema":"iglu:com.acmé/ünïcode/jsonschema/1-0-0","data":{}}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'homoglyph schema name (Cyrillic а)',
    category: 'overlong or non-ASCII schema names',
    request: post('/self-describing', '{"schema":"iglu:com.ex\u0430mple/checkout/jsonschema/1-0-0","data":{}}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'non-ASCII pixel path',
    category: 'overlong or non-ASCII schema names',
    request: { path: '/pixel/com.acm%C3%A9/x/jsonschema/1-0-0' },
    expect: { status: 200, rows: ['protocol_violation'] },
  },
  {
    name: 'overlong webhook path',
    category: 'overlong or non-ASCII schema names',
    request: post(`/webhook/${'v'.repeat(5000)}/x/jsonschema/1-0-0`, '{}'),
    expect: { status: 200, rows: ['protocol_violation'] },
  },

  // --- CRLF in redirect URLs
  {
    name: 'CRLF header injection in /r/tp2',
    category: 'CRLF in redirect URLs',
    collector: 'redirects',
    request: { path: redirect('https%3A%2F%2Fshop.example%2F%0D%0ASet-Cookie%3A%20evil%3D1') },
    expect: { status: 400, rows: ['protocol_violation'], reason: /control characters/ },
  },
  {
    name: 'raw CR LF in the request line of /r/tp2',
    category: 'CRLF in redirect URLs',
    collector: 'redirects',
    request: { path: '/r/tp2?u=https://shop.example/\rSet-Cookie: evil=1' },
    expect: { status: 400, rows: [], by: 'node' },
  },
  {
    name: 'CRLF in a pixel redirect',
    category: 'CRLF in redirect URLs',
    collector: 'redirects',
    request: {
      path: '/pixel/com.example/checkout/jsonschema/1-0-0?redirect=https%3A%2F%2Fshop.example%2F%0ALocation%3A%20https%3A%2F%2Fevil.example',
    },
    expect: { status: 400, rows: ['validation_failed'] },
  },

  // --- redirects outside the allow-list
  {
    name: 'redirect to another domain',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('https%3A%2F%2Fevil.example%2F') },
    expect: { status: 400, rows: ['protocol_violation'], reason: /evil\.example/ },
  },
  {
    name: 'redirect to a look-alike suffix',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('https%3A%2F%2Fshop.example.evil.example%2F') },
    expect: { status: 400, rows: ['protocol_violation'] },
  },
  {
    name: 'redirect with credentials before the host',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('https%3A%2F%2Fshop.example%40evil.example%2F') },
    expect: { status: 400, rows: ['protocol_violation'] },
  },
  {
    name: 'protocol-relative redirect',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('%2F%2Fevil.example%2F') },
    expect: { status: 400, rows: ['protocol_violation'] },
  },
  {
    name: 'javascript: redirect',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('javascript%3Aalert(1)') },
    expect: { status: 400, rows: ['protocol_violation'] },
  },
  {
    name: 'backslash redirect',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: redirect('https%3A%5C%5Cevil.example') },
    expect: { status: 400, rows: ['protocol_violation'] },
  },
  {
    name: 'pixel redirect to another domain',
    category: 'redirect outside the allow-list',
    collector: 'redirects',
    request: { path: '/pixel/com.example/checkout/jsonschema/1-0-0?redirect=https%3A%2F%2Fevil.example%2F' },
    expect: { status: 400, rows: ['validation_failed'] },
  },

  // --- huge header values
  {
    name: 'a 100 KB header',
    category: 'huge header values',
    request: {
      method: 'POST',
      path: '/self-describing',
      headers: { ...text, 'x-filler': 'a'.repeat(100_000) },
      body: '{}',
    },
    expect: { status: 431, rows: [], by: 'node' },
  },
  {
    name: "15 KB headers under Node's 16 KB cap, on a bad event: the row keeps at most 512 characters of each",
    category: 'huge header values',
    request: {
      method: 'POST',
      path: '/self-describing',
      headers: {
        ...text,
        'user-agent': 'u'.repeat(5000),
        origin: `https://${'o'.repeat(4000)}.example`,
        referer: 'r'.repeat(5000),
      },
      body: 'garbage',
    },
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'a huge cookie and X-Forwarded-For chain',
    category: 'huge header values',
    request: {
      method: 'POST',
      path: '/self-describing',
      headers: {
        ...text,
        cookie: `sp=${'c'.repeat(7000)}`,
        'x-forwarded-for': new Array(400).fill('203.0.113.9').join(', '),
      },
      body: 'garbage',
    },
    expect: { status: 200, rows: ['unparseable'] },
  },
  {
    name: 'many small headers',
    category: 'huge header values',
    request: {
      method: 'POST',
      path: '/self-describing',
      headers: { ...text, ...Object.fromEntries(Array.from({ length: 1500 }, (_, i) => [`x-h${i}`, '1'])) },
      body: 'garbage',
    },
    expect: { status: 431, rows: [], by: 'node' },
  },
];
