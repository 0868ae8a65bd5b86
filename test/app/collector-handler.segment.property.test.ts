import assert from 'node:assert/strict';
import type { ServerResponse } from 'node:http';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { FrameworkRequest } from '../../functions/app/http/inbound-request.ts';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import { SEGMENT_ROUTES } from '../../functions/core/protocols/segment.ts';
import { assertPrototypeClean } from '../support/protocol-result.ts';
import { recordingCollector } from '../support/recording-sink.ts';

/**
 * The Segment routes' promise: any JSON body ends as rows (answered 200 {"success":true}) or as a
 * clear 4xx (a JSON answer saying why), with its rows stored all the same; never a crash, never a
 * call that vanishes. Each call of a batch is one row; a single-call route gives one row.
 */
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const KEY = 'property-key';

const routes = fc.constantFrom(...Object.keys(SEGMENT_ROUTES));
const tricky = fc.constantFrom('__proto__', 'constructor', 'toString', 'Order Completed', '', '😀');
const json = fc.jsonValue({ maxDepth: 3 });
const stamp = fc.oneof(
  fc.date({ noInvalidDate: true }).map((date) => date.toISOString()),
  fc.constantFrom('9999-12-31T23:59:59.999Z', '0001-01-01T00:00:00Z', 'yesterday', '2026-01-01T00:00:00+14:00'),
  json,
);
/** Calls shaped like Segment's, with every member possibly wrong. */
const call = fc.record(
  {
    type: fc.oneof(fc.constantFrom('track', 'page', 'screen', 'identify', 'group', 'alias'), json),
    event: fc.oneof(tricky, json),
    userId: fc.oneof(fc.string(), fc.integer(), json),
    anonymousId: fc.oneof(fc.uuid(), json),
    messageId: fc.oneof(fc.uuid(), fc.string({ maxLength: 200 }), json),
    properties: fc.oneof(fc.dictionary(tricky, json), json),
    traits: fc.oneof(fc.dictionary(tricky, json), json),
    previousId: json,
    timestamp: stamp,
    sentAt: stamp,
    context: fc.oneof(
      fc.record(
        {
          page: fc.oneof(fc.record({ url: fc.oneof(fc.webUrl(), json), title: json }, { requiredKeys: [] }), json),
          ip: fc.oneof(fc.ipV4(), fc.ipV6(), json),
          userAgent: json,
          app: fc.oneof(fc.record({ name: json }, { requiredKeys: [] }), json),
        },
        { requiredKeys: [] },
      ),
      json,
    ),
    writeKey: fc.constantFrom(KEY, 'wrong'),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  json,
  call,
  fc.record(
    {
      batch: fc.oneof(fc.array(fc.oneof(call, json), { maxLength: 6 }), json),
      context: json,
      sentAt: stamp,
      writeKey: fc.constantFrom(KEY, 'wrong'),
    },
    { requiredKeys: [] },
  ),
);

function fakeResponse() {
  const answer: { status?: number; body?: string | undefined; count: number } = { count: 0 };
  const response = {
    headersSent: false,
    writeHead(status: number) {
      answer.status = status;
      response.headersSent = true;
      return response;
    },
    end(chunk?: string) {
      answer.count++;
      answer.body = chunk;
      return response;
    },
  };
  return { response: response as unknown as ServerResponse, answer };
}

function post(path: string, text: string, authorization?: string): FrameworkRequest {
  return {
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    rawBody: Buffer.from(text, 'utf8'),
    ip: '203.0.113.9',
    socket: { remoteAddress: '203.0.113.9' },
  } as unknown as FrameworkRequest;
}

/** How many rows the body should give if the adapter reads it: one per call. */
function expectedRows(path: string, value: unknown): number | undefined {
  if (SEGMENT_ROUTES[path] !== 'batch') return 1;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 1;
  const batch = (value as { batch?: unknown }).batch;
  return Array.isArray(batch) ? batch.length : 1;
}

describe('Segment routes, any JSON body', () => {
  for (const [name, document] of [
    ['no plan, any key', {}],
    [
      'a plan that requires every call, and write keys',
      {
        segment: {
          write_keys: [KEY],
          require_plan: true,
          tracking_plan: { track: { 'Order Completed': CHECKOUT }, context: { page: CHECKOUT } },
        },
      },
    ],
  ] as const) {
    const { collector, sink } = recordingCollector(document);
    test(`${name}: rows (200) or a clear 4xx with its rows; one row per call`, async () => {
      await fc.assert(
        fc.asyncProperty(routes, body, fc.boolean(), async (path, value, basic) => {
          sink.clear();
          const text = JSON.stringify(value) ?? 'null';
          const authorization = basic ? `Basic ${Buffer.from(`${KEY}:`).toString('base64')}` : undefined;
          const { response, answer } = fakeResponse();
          await collector.handle(post(path, text, authorization), response);
          assert.equal(answer.count, 1);
          const rows = [...sink.valid, ...sink.invalid];
          for (const row of sink.valid) assert.deepEqual(rowProblems('valid', row), []);
          for (const row of sink.invalid) assert.deepEqual(rowProblems('invalid', row), []);
          const status = answer.status as number;
          if (status === 200) {
            assert.deepEqual(JSON.parse(answer.body ?? ''), { success: true });
            assert.equal(rows.length, expectedRows(path, value), 'one row per call');
            for (const row of rows) assert.equal(row.protocol, 'segment');
          } else {
            assert.ok([400, 401, 413].includes(status), `status ${status}`);
            const said = JSON.parse(answer.body ?? '') as { success?: boolean; message?: string };
            assert.equal(said.success, false);
            assert.ok(typeof said.message === 'string' && said.message.length > 0, 'the answer says why');
            assert.ok(sink.invalid.length > 0, 'the refused request is still recorded');
            if (status === 401)
              assert.deepEqual(
                sink.invalid.map((row) => [row.error_type, row.raw ?? null]),
                [['unauthorized', null]],
              );
          }
          for (const row of rows) {
            const source = row.source as Record<string, unknown> | null | undefined;
            assert.ok(source == null || !Object.hasOwn(source, 'writeKey'), 'a call keeps no write key');
          }
          // raw keeps a JSON body or call without its write key (a body that is not JSON stays as it came).
          for (const row of sink.invalid) {
            let kept: unknown;
            try {
              kept = JSON.parse(row.raw ?? '');
            } catch {
              continue;
            }
            assert.ok(
              typeof kept !== 'object' || kept === null || !Object.hasOwn(kept, 'writeKey'),
              'raw keeps no write key',
            );
          }
          assertPrototypeClean();
        }),
        { numRuns: 300 },
      );
    });
  }
});
