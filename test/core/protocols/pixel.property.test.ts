import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createPixelAdapter } from '../../../functions/core/protocols/pixel.ts';
import { hostAllowed } from '../../../functions/core/protocols/redirect-allow-list.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const ALLOWED = ['acme.com', '*.shop.example'];
const adapter = createPixelAdapter({ redirect_allowed_domains: ALLOWED });
const segment = fc.oneof(
  fc.constantFrom('com.acme', 'open', 'jsonschema', '1-0-0', '..', '.', '', '%2F', '%2e%2e', '\\', '__proto__'),
  fc.string({ maxLength: 10 }),
);
const path = fc.array(segment, { maxLength: 6 }).map((segments) => `/pixel/${segments.join('/')}`);
const name = fc.oneof(
  fc.constantFrom('redirect', 'b64', '__proto__', 'constructor', 'prototype', '__proto__[x]'),
  fc.string({ maxLength: 8 }),
);
const value = fc.oneof(
  fc.string(),
  fc.jsonValue({ maxDepth: 3 }).map((json) => Buffer.from(JSON.stringify(json)).toString('base64url')),
  fc.constantFrom(
    'https://acme.com/x',
    'https://a.shop.example/',
    'https://evil.com/',
    'https://acme.com/\r\nSet-Cookie: x',
    'javascript:alert(1)',
    '//evil.com',
  ),
  fc.webUrl(),
);
const query = fc.oneof(
  fc.string(),
  fc
    .array(fc.tuple(name, value), { maxLength: 8 })
    .map((pairs) => pairs.map(([key, text]) => `${encodeURIComponent(key)}=${encodeURIComponent(text)}`).join('&')),
);

describe('pixel adapter properties', () => {
  test('for any path, query and method, handle never throws, answers a GIF, an allowed redirect or a 400, and never redirects off the allow-list', () => {
    fc.assert(
      fc.property(path, query, fc.constantFrom('GET', 'HEAD'), (requestPath, requestQuery, method) => {
        const result = adapter.handle(inboundRequest({ method, path: requestPath, query: requestQuery }));
        assertWellFormedResult(result);
        assert.equal(result.trackerFacing, true);
        const { status, headers = {} } = result.response;
        assert.ok([200, 302, 400].includes(status), String(status));
        for (const header of Object.values(headers)) assert.doesNotMatch(header, /[\r\n]/);
        if (status === 302) {
          const location = new URL(headers.location ?? '');
          assert.ok(location.protocol === 'https:' || location.protocol === 'http:');
          assert.ok(hostAllowed(location.hostname, ALLOWED), location.hostname);
        }
        if (method === 'HEAD') assert.deepEqual([result.events.length, result.rejections.length], [0, 0]);
        else
          assert.equal(
            result.events.length + result.rejections.length,
            1,
            'a GET is exactly one event or one rejection',
          );
      }),
      { numRuns: 2000 },
    );
  });
});
