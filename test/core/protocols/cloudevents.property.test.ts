import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createCloudEventsAdapter } from '../../../functions/core/protocols/cloudevents.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertWellFormedResult } from '../../support/protocol-result.ts';

const adapters = [
  createCloudEventsAdapter({ path: '/cloudevents', type_schemas: {}, dataschema_schemas: {}, fallback_schema: '' }),
  createCloudEventsAdapter({
    path: '/cloudevents',
    type_schemas: {},
    dataschema_schemas: {},
    fallback_schema: 'iglu:com.acme/fallback/jsonschema/1-0-0',
  }),
];

/** Keys that have tripped up JavaScript code before: prototype names and the SDK's own method names. */
const trickyKey = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'validate',
    'emit',
    'toJSON',
    'data',
    'data_base64',
    'id',
    'time',
    'specversion',
    'dataschema',
    'datacontenttype',
  ),
  fc.string({ maxLength: 12 }),
);
const anyJson = fc.jsonValue({ maxDepth: 4 });
const contentType = fc.oneof(
  fc.constantFrom(
    'application/cloudevents+json',
    'application/cloudevents+json; charset=utf-8',
    'application/cloudevents-batch+json',
    'Application/CloudEvents-Batch+JSON',
    'application/cloudevents+xml',
    'application/json',
    'text/plain',
    'application/octet-stream',
    '',
  ),
  fc.string(),
);
const attributeValue = fc.oneof(
  fc.string(),
  fc.constantFrom('1.0', '0.3', 'iglu:com.acme/x/jsonschema/1-0-0', '2026-01-15T10:00:00Z', 'not a time'),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  anyJson,
);
const eventObject = fc
  .record({
    id: fc.option(fc.oneof(fc.string(), fc.integer()), { nil: undefined }),
    source: fc.option(fc.oneof(fc.constant('/s'), fc.string()), { nil: undefined }),
    type: fc.option(fc.string(), { nil: undefined }),
    specversion: fc.option(fc.constantFrom('1.0', '0.3', '', 1), { nil: undefined }),
    dataschema: fc.option(fc.oneof(fc.constant('iglu:com.acme/x/jsonschema/1-0-0'), fc.string()), { nil: undefined }),
    time: fc.option(attributeValue, { nil: undefined }),
    data: fc.option(anyJson, { nil: undefined }),
    data_base64: fc.option(fc.oneof(fc.base64String(), fc.string()), { nil: undefined }),
    extensions: fc.dictionary(trickyKey, attributeValue, { maxKeys: 4 }),
  })
  .map(({ extensions, ...core }) => ({
    ...Object.fromEntries(Object.entries(core).filter(([, value]) => value !== undefined)),
    ...extensions,
  }));

/** Text as senders might write it, including keys JSON.stringify would never produce as own data. */
function withProtoKey(text: string): string {
  return text.startsWith('{') ? `{"__proto__":{"polluted":true},${text.slice(1)}` : text;
}

const body = fc.oneof(
  fc.string(),
  fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
  anyJson.map((value) => JSON.stringify(value)),
  eventObject.map((event) => withProtoKey(JSON.stringify(event))),
  fc.array(fc.oneof(eventObject, anyJson), { maxLength: 6 }).map((events) => JSON.stringify(events)),
  fc
    .array(
      fc.oneof(
        eventObject.map((event) => JSON.stringify(event)),
        fc.string(),
      ),
      { maxLength: 6 },
    )
    .map((parts) => `[${parts.join(',')}]`),
  fc
    .nat({ max: 3000 })
    .map(
      (depth) =>
        `{"id":"1","source":"s","type":"t","specversion":"1.0","data":${'['.repeat(depth)}${']'.repeat(depth)}}`,
    ),
);
const headers = fc
  .tuple(
    fc.option(contentType, { nil: undefined }),
    fc.dictionary(
      fc
        .oneof(
          fc.constantFrom(
            'id',
            'source',
            'type',
            'specversion',
            'time',
            'dataschema',
            'subject',
            '__proto__',
            'validate',
            'data_base64',
          ),
          fc.string({ maxLength: 8 }),
        )
        .map((name) => `ce-${name.toLowerCase()}`),
      fc.oneof(fc.string(), fc.constantFrom('1.0', '%zz', '%E2%82%AC', 'iglu:com.acme/x/jsonschema/1-0-0')),
      { maxKeys: 6 },
    ),
  )
  .map(
    ([type, ce]) =>
      Object.fromEntries([...Object.entries(ce), ...(type === undefined ? [] : [['content-type', type]])]) as Record<
        string,
        string
      >,
  );

describe('CloudEvents adapter properties', () => {
  test('for any headers and body, handle never throws and returns well-formed events or rejections', () => {
    fc.assert(
      fc.property(fc.constantFrom(...adapters), headers, body, (adapter, requestHeaders, requestBody) => {
        const result = adapter.handle(
          inboundRequest({ method: 'POST', path: '/cloudevents', headers: requestHeaders, body: requestBody }),
        );
        assertWellFormedResult(result);
        assert.equal(result.response.status, 202);
      }),
      { numRuns: 1000 },
    );
  });

  test('a batch yields exactly one event or rejection per element', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            eventObject.map((event) => JSON.stringify(event)),
            fc.string().filter((text) => !/[[\]{}",]/.test(text) && /[^ \t\n\r]/.test(text)),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        (parts) => {
          const result = adapters[1]!.handle(
            inboundRequest({
              method: 'POST',
              path: '/cloudevents',
              headers: { 'content-type': 'application/cloudevents-batch+json' },
              body: `[${parts.join(',')}]`,
            }),
          );
          assertWellFormedResult(result);
          assert.equal(result.events.length + result.rejections.length, parts.length);
        },
      ),
      { numRuns: 500 },
    );
  });

  test('a conforming structured event keeps its id and data, whatever its extensions are named', () => {
    const extensionName = fc
      .stringMatching(/^[a-z0-9]{1,20}$/)
      .filter(
        (name) =>
          !['id', 'source', 'type', 'specversion', 'time', 'dataschema', 'datacontenttype', 'subject', 'data'].includes(
            name,
          ),
      );
    fc.assert(
      fc.property(
        fc.stringMatching(/^[A-Za-z0-9-]{1,36}$/),
        anyJson,
        fc.dictionary(extensionName, fc.oneof(fc.string(), fc.integer(), fc.boolean())),
        (id, data, extensions) => {
          const event = {
            ...extensions,
            id,
            source: '/s',
            type: 't',
            specversion: '1.0',
            dataschema: 'iglu:com.acme/x/jsonschema/1-0-0',
            data,
          };
          const result = adapters[0]!.handle(
            inboundRequest({
              method: 'POST',
              path: '/cloudevents',
              headers: { 'content-type': 'application/cloudevents+json' },
              body: JSON.stringify(event),
            }),
          );
          assert.deepEqual(result.rejections, []);
          assert.equal(result.events[0]?.eventId, id);
          assert.deepEqual(
            result.events[0]?.data,
            JSON.parse(JSON.stringify(data)),
            'the data as JSON carries it (-0 is 0)',
          );
          assert.deepEqual(result.events[0]?.source, {
            ...extensions,
            source: '/s',
            type: 't',
            specversion: '1.0',
            dataschema: 'iglu:com.acme/x/jsonschema/1-0-0',
          });
        },
      ),
      { numRuns: 300 },
    );
  });
});
