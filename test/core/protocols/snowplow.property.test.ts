import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import type { SnowplowConfig } from '../../../functions/core/config/config.ts';
import type { ProtocolResult } from '../../../functions/core/protocols/protocol.ts';
import { hostAllowed } from '../../../functions/core/protocols/redirect-allow-list.ts';
import { createSnowplowAdapter } from '../../../functions/core/protocols/snowplow.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { assertPrototypeClean, assertWellFormedResult } from '../../support/protocol-result.ts';

/**
 * The adapter's promise to the collector: whatever arrives, `handle` returns (never throws), and
 * every part of the request comes back as an event or as a rejection of a type a protocol may
 * use — nothing dropped, nothing counted twice.
 */
const TP2 = '/com.snowplowanalytics.snowplow/tp2';
const ALLOWED = ['shop.example.com', '*.example.org'];
const CONFIG: SnowplowConfig = { post_paths: [TP2], redirect_enabled: true, redirect_allowed_domains: ALLOWED };
const adapter = createSnowplowAdapter(CONFIG);
const RUNS = { numRuns: 300 };

const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const UNSTRUCT = 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0';
const CONTEXTS = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1';

/** The checks every protocol's results pass, plus the Snowplow adapter's own. */
function assertWellFormed(result: ProtocolResult): void {
  assertWellFormedResult(result);
  assert.equal(result.trackerFacing, true);
  for (const event of result.events) {
    // Parameters kept in source are always the strings the tracker sent.
    for (const value of Object.values((event.source ?? {}) as object)) assert.equal(typeof value, 'string');
  }
}

/** Text that can be anything: random code units, lone surrogates, control characters. */
const anyText = fc.string({ unit: 'binary', maxLength: 200 });
const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Values shaped like what a tracker parameter holds, valid or nearly so. */
const paramValue: fc.Arbitrary<string> = fc.oneof(
  anyText,
  fc.stringMatching(/^-?\d{1,16}(\.\d+)?$/),
  anyJson.map((value) => JSON.stringify(value)),
  anyJson.map((value) => Buffer.from(JSON.stringify(value)).toString('base64url')),
  anyJson.map((value) => JSON.stringify({ schema: UNSTRUCT, data: value })),
  anyJson.map((value) =>
    Buffer.from(
      JSON.stringify({ schema: UNSTRUCT, data: { schema: 'iglu:a/b/jsonschema/1-0-0', data: value } }),
    ).toString('base64'),
  ),
  fc.array(anyJson, { maxLength: 3 }).map((entities) => JSON.stringify({ schema: CONTEXTS, data: entities })),
  fc.base64String({ maxLength: 80 }),
);

const PARAM_NAMES = [
  'e',
  'eid',
  'dtm',
  'ttm',
  'stm',
  'aid',
  'p',
  'uid',
  'duid',
  'nuid',
  'tnuid',
  'sid',
  'vid',
  'url',
  'page',
  'refr',
  'ua',
  'ip',
  'tv',
  'ue_pr',
  'ue_px',
  'co',
  'cx',
  'pp_mix',
  'pp_max',
  'se_ca',
  'se_ac',
  'se_va',
  'tr_id',
  'tr_tt',
  'ti_id',
  'ti_qu',
  'u',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
];
const paramName = fc.oneof(fc.constantFrom(...PARAM_NAMES), anyText);
const eventCode = fc.oneof(fc.constantFrom('pv', 'pp', 'se', 'tr', 'ti', 'ue'), anyText);

/** A tracker event: mostly the real parameters, with random ones mixed in. */
const trackerParams: fc.Arbitrary<Record<string, string>> = fc
  .tuple(eventCode, fc.dictionary(paramName, paramValue, { maxKeys: 12 }))
  .map(([e, rest]) => Object.fromEntries([['e', e], ...Object.entries(rest)]));

const queryString: fc.Arbitrary<string> = fc.oneof(
  anyText,
  trackerParams.map((params) => new URLSearchParams(params).toString()),
);

/** An element of payload_data's data array: usually an event, sometimes any JSON at all. */
const element: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: trackerParams },
  { weight: 1, arbitrary: anyJson },
  { weight: 1, arbitrary: fc.dictionary(paramName, anyJson, { maxKeys: 5 }) },
);

const postBody: fc.Arbitrary<Buffer> = fc.oneof(
  fc.uint8Array({ maxLength: 300 }).map((bytes) => Buffer.from(bytes)),
  anyText.map((text) => Buffer.from(text, 'utf8')),
  anyJson.map((value) => Buffer.from(JSON.stringify(value))),
  fc
    .record({
      schema: fc.oneof(fc.constant(PAYLOAD_DATA), anyJson),
      data: fc.oneof(fc.array(element, { maxLength: 8 }), anyJson),
    })
    .map((body) => Buffer.from(JSON.stringify(body))),
);

describe('Snowplow adapter: properties', () => {
  after(assertPrototypeClean);

  test('any request on any route: handle returns a well-formed result, never throws', () => {
    const method = fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'OPTIONS');
    const path = fc.oneof(fc.constantFrom('/i', '/ice.png', TP2, '/r/tp2', '/'), anyText);
    fc.assert(
      fc.property(
        method,
        path,
        queryString,
        postBody,
        fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }),
        (m, p, query, body, headers) => {
          const request = inboundRequest({ method: m, path: p, query, body, headers });
          adapter.matches(request);
          assertWellFormed(adapter.handle(request));
        },
      ),
      RUNS,
    );
  });

  test('GET /i: exactly one event or one rejection per request', () => {
    const seen = { events: 0, rejections: 0 };
    fc.assert(
      fc.property(queryString, (query) => {
        const result = adapter.handle(inboundRequest({ path: '/i', query }));
        assertWellFormed(result);
        assert.equal(result.events.length + result.rejections.length, 1);
        seen.events += result.events.length;
        seen.rejections += result.rejections.length;
      }),
      RUNS,
    );
    // The generators must reach both outcomes, or the property says nothing about one of them.
    assert.ok(seen.events > 0 && seen.rejections > 0, JSON.stringify(seen));
  });

  test('POST: one outcome per element of a payload_data array; one rejection for any other body', () => {
    const seen = { events: 0, rejections: 0 };
    fc.assert(
      fc.property(postBody, queryString, (body, query) => {
        const result = adapter.handle(inboundRequest({ method: 'POST', path: TP2, query, body }));
        assertWellFormed(result);
        let envelope: unknown;
        try {
          envelope = JSON.parse(body.toString('utf8'));
        } catch {
          envelope = undefined;
        }
        const data = (envelope as { schema?: unknown; data?: unknown } | undefined)?.data;
        const isBatch =
          (envelope as { schema?: unknown } | undefined)?.schema === PAYLOAD_DATA &&
          Array.isArray(data) &&
          data.length > 0;
        assert.equal(result.events.length + result.rejections.length, isBatch ? (data as unknown[]).length : 1);
        seen.events += result.events.length;
        seen.rejections += result.rejections.length;
      }),
      RUNS,
    );
    assert.ok(seen.events > 0 && seen.rejections > 0, JSON.stringify(seen));
  });

  test('/r/tp2: a 302 only ever points at an allowed http(s) host, with no line break in Location', () => {
    const target = fc.oneof(
      anyText,
      fc.webUrl(),
      fc.domain().map((host) => `https://${host}/`),
      fc.constantFrom('https://shop.example.com/', 'http://a.example.org/x'),
    );
    fc.assert(
      fc.property(target, queryString, (u, rest) => {
        const result = adapter.handle(inboundRequest({ path: '/r/tp2', query: `${rest}&u=${encodeURIComponent(u)}` }));
        assertWellFormed(result);
        if (result.response.status === 302) {
          const location = result.response.headers?.location ?? '';
          assert.doesNotMatch(location, /[\r\n]/);
          const url = new URL(location);
          assert.ok(url.protocol === 'http:' || url.protocol === 'https:');
          assert.ok(hostAllowed(url.hostname, ALLOWED), location);
        } else {
          assert.equal(result.response.status, 400);
          assert.equal(result.events.length, 0);
        }
      }),
      RUNS,
    );
  });
});
