import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createWebhookAdapter } from '../../../functions/core/protocols/webhook.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const adapter = createWebhookAdapter();
const segment = fc.oneof(
  fc.constantFrom('com.acme', 'push', 'jsonschema', '1-0-0', '..', '.', '', '%2F', '%2e%2e', '\\', '__proto__'),
  fc.string({ maxLength: 10 }),
);
const path = fc.oneof(
  fc.constant('/webhook'),
  fc.array(segment, { maxLength: 6 }).map((segments) => `/webhook/${segments.join('/')}`),
);
const trickyKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype'), fc.string({ maxLength: 10 }));
const anyJson = fc.jsonValue({ maxDepth: 4 });
const body = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  anyJson.map((value) => JSON.stringify(value)),
  fc.dictionary(trickyKey, anyJson, { maxKeys: 5 }).map((value) => JSON.stringify(value)),
  fc
    .array(
      fc.oneof(
        anyJson.map((value) => JSON.stringify(value)),
        fc.string(),
      ),
      { maxLength: 6 },
    )
    .map((parts) => `[${parts.join(',')}]`),
  fc.nat({ max: 3000 }).map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`),
);
const headers = fc.dictionary(
  fc.oneof(
    fc.constantFrom('x-github-event', 'x-hub-signature', 'x-forwarded-for', 'x-__proto__', 'content-type'),
    fc.string({ maxLength: 12 }).map((name) => name.toLowerCase()),
  ),
  fc.string(),
  { maxKeys: 5 },
);

describe('webhook adapter properties', () => {
  test('for any path, headers, query and body, handle never throws and returns well-formed events or rejections', () => {
    fc.assert(
      fc.property(path, headers, fc.string(), body, (requestPath, requestHeaders, query, requestBody) => {
        const result = adapter.handle(
          inboundRequest({ method: 'POST', path: requestPath, headers: requestHeaders, query, body: requestBody }),
        );
        assertWellFormedResult(result);
        assert.equal(result.response.status, 200);
        const source = JSON.stringify(result.events[0]?.source ?? {});
        assert.doesNotMatch(
          source,
          /"x-hub-signature"|"x-forwarded-for"/,
          'credentials and infrastructure headers are never kept',
        );
      }),
      { numRuns: 1000 },
    );
  });

  test('events only ever get the schema the path names, or the built-in one', () => {
    fc.assert(
      fc.property(path, (requestPath) => {
        const result = adapter.handle(inboundRequest({ method: 'POST', path: requestPath, body: '{}' }));
        for (const event of result.events) {
          const schema = String(event.schema);
          assert.ok(
            schema === 'iglu:dev.sluice/webhook/jsonschema/1-0-0' ||
              `/webhook/${schema.slice('iglu:'.length)}` === requestPath,
          );
          assert.doesNotMatch(schema, /%|\\|\/\.\.?\/|\/\//);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
