import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { test } from 'node:test';
import fc from 'fast-check';
import type { FrameworkRequest } from '../../functions/app/http/inbound-request.ts';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import { assertPrototypeClean } from '../support/protocol-result.ts';
import { recordingCollector } from '../support/recording-sink.ts';

/**
 * The handler level of "any input gives rows or a typed error": whatever request arrives, on any
 * route and through any protocol adapter, handle() settles with exactly one HTTP answer, no adapter
 * throws (that would be a 500), and every row written satisfies the contract.
 */
const { collector, sink } = recordingCollector(
  {
    webhooks: {
      auth: { 'com.acme/signed': { type: 'hmac_sha256', header: 'X-Signature', secret_env: 'PROPERTY_SECRET' } },
    },
    cors: { allowed_origins: ['https://shop.example'] },
    privacy: { ip_anonymization: 'truncate' },
  },
  { PROPERTY_SECRET: 's3cret' },
);

const text = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom(
    '__proto__',
    'constructor',
    '%00',
    '%FF%FE',
    '..%2F',
    'iglu:com.example/checkout/jsonschema/1-0-0',
    '\r\n',
    '😀',
  ),
);
const base64ish = fc.oneof(
  text,
  fc.jsonValue({ maxDepth: 3 }).map((value) => Buffer.from(JSON.stringify(value) ?? '').toString('base64url')),
);
const route = fc.oneof(
  fc.constantFrom(
    '/i',
    '/ice.png',
    '/com.snowplowanalytics.snowplow/tp2',
    '/r/tp2',
    '/cloudevents',
    '/self-describing',
    '/webhook',
    '/webhook/com.acme/signed/jsonschema/1-0-0',
    '/webhook/com.example/checkout/jsonschema/1-0-0',
    '/pixel/com.example/checkout/jsonschema/1-0-0',
    '/pixel/a/b',
    '/v1/batch',
    '/v1/t',
    '/v1/projects/key/settings',
    '/health',
    '/local/valid',
    '/local/reset',
    '/',
  ),
  fc.string({ maxLength: 30 }).map((path) => `/${path}`),
);
const query = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc
    .dictionary(
      fc.constantFrom(
        'e',
        'ue_px',
        'ue_pr',
        'cx',
        'co',
        'url',
        'eid',
        'aid',
        'ip',
        'ua',
        'u',
        'redirect',
        'b64',
        '__proto__',
        'dtm',
      ),
      base64ish,
      { maxKeys: 6 },
    )
    .map((params) => new URLSearchParams(params as Record<string, string>).toString()),
);
const headers = fc.dictionary(
  fc.constantFrom(
    'content-type',
    'content-encoding',
    'origin',
    'sp-anonymous',
    'ce-specversion',
    'ce-id',
    'ce-type',
    'ce-source',
    'ce-dataschema',
    'x-signature',
    'cookie',
    'user-agent',
    'x-cloud-trace-context',
    'traceparent',
    'authorization',
  ),
  fc.oneof(
    text,
    fc.constantFrom(
      'application/json',
      'text/plain',
      'application/cloudevents+json',
      'application/cloudevents-batch+json',
      'gzip',
      '*',
      '1.0',
      'https://shop.example',
      'https://evil.example',
    ),
  ),
  { maxKeys: 6 },
);
const body = fc.oneof(
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? ''),
  fc
    .array(
      fc.record({
        schema: fc.oneof(text, fc.constant('iglu:com.example/checkout/jsonschema/1-0-0')),
        data: fc.jsonValue({ maxDepth: 3 }),
      }),
      { maxLength: 4 },
    )
    .map((items) => JSON.stringify(items)),
);

/** The parts of ServerResponse the collector writes with, recording the answer. */
function fakeResponse() {
  const answer: { status?: number; count: number } = { count: 0 };
  const response = {
    headersSent: false,
    writeHead(status: number) {
      answer.status = status;
      response.headersSent = true;
      return response;
    },
    end() {
      answer.count++;
      return response;
    },
  };
  return { response: response as unknown as ServerResponse, answer };
}

test('for any request on any route, handle() settles with one answer, no adapter throws, and every row meets the contract', async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT'),
      route,
      query,
      headers,
      body,
      async (method, path, rawQuery, requestHeaders, requestBody) => {
        sink.clear();
        const request = {
          method,
          url: rawQuery === '' ? path : `${path}?${rawQuery}`,
          headers: Object.fromEntries(Object.entries(requestHeaders).map(([name, value]) => [name, value])),
          rawBody: Buffer.from(requestBody, 'latin1'),
          ip: '::ffff:203.0.113.9',
          socket: { remoteAddress: '203.0.113.9' },
        } as unknown as FrameworkRequest;
        const { response, answer } = fakeResponse();
        await collector.handle(request, response);
        assert.equal(answer.count, 1, 'exactly one answer');
        assert.ok(
          answer.status !== undefined && answer.status >= 100 && answer.status < 500,
          `status ${answer.status}: a 5xx here means an adapter threw or a row failed`,
        );
        for (const row of sink.valid) assert.deepEqual(rowProblems('valid', row), []);
        for (const row of sink.invalid) {
          assert.deepEqual(rowProblems('invalid', row), []);
          assert.ok(Array.isArray(row.errors) && row.errors.length > 0);
        }
        for (const row of [...sink.valid, ...sink.invalid]) {
          if (row.user_ipaddress != null)
            assert.match(
              row.user_ipaddress,
              /\.0$|:$/,
              'privacy (truncate) applies to every row, whoever set the address',
            );
        }
        assertPrototypeClean();
      },
    ),
    { numRuns: 400 },
  );
});
