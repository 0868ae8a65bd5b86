import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createSelfDescribingAdapter } from '../../../functions/core/protocols/self-describing.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const adapter = createSelfDescribingAdapter();
const trickyKey = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'schema', 'data', 'contexts'),
  fc.string({ maxLength: 10 }),
);
const anyJson = fc.jsonValue({ maxDepth: 4 });
const envelope = fc.dictionary(
  trickyKey,
  fc.oneof(
    anyJson,
    fc.constant('iglu:com.acme/x/jsonschema/1-0-0'),
    fc.array(fc.record({ schema: fc.string(), data: anyJson })),
  ),
  { maxKeys: 5 },
);
const body = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  anyJson.map((value) => JSON.stringify(value)),
  envelope.map((value) => JSON.stringify(value)),
  fc
    .array(
      fc.oneof(
        envelope.map((value) => JSON.stringify(value)),
        fc.string(),
      ),
      { maxLength: 6 },
    )
    .map((parts) => `[${parts.join(',')}]`),
  fc
    .nat({ max: 3000 })
    .map((depth) => `{"schema":"iglu:a/b/jsonschema/1-0-0","data":${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}}`),
);

describe('self-describing adapter properties', () => {
  test('for any body, handle never throws and returns well-formed events or rejections', () => {
    fc.assert(
      fc.property(
        body,
        fc.dictionary(
          fc.string({ maxLength: 12 }).map((name) => name.toLowerCase()),
          fc.string(),
          { maxKeys: 3 },
        ),
        (requestBody, headers) => {
          const result = adapter.handle(
            inboundRequest({ method: 'POST', path: '/self-describing', headers, body: requestBody }),
          );
          assertWellFormedResult(result);
          assert.equal(result.response.status, 200);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('an array of JSON values yields exactly one event or rejection per element', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(anyJson, envelope), { minLength: 1, maxLength: 10 }), (values) => {
        const result = adapter.handle(
          inboundRequest({ method: 'POST', path: '/self-describing', body: JSON.stringify(values) }),
        );
        assertWellFormedResult(result);
        assert.equal(result.events.length + result.rejections.length, values.length);
      }),
      { numRuns: 500 },
    );
  });
});
