import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildRows } from '../../../functions/core/collector/event-rows.ts';
import { requestSummary } from '../../../functions/core/collector/request-summary.ts';
import type { CloudEventsConfig, SegmentConfig } from '../../../functions/core/config/config.ts';
import { rowProblems } from '../../../functions/core/contract/row-check.ts';
import type { InvalidRow } from '../../../functions/core/contract/rows.ts';
import { createCloudEventsAdapter } from '../../../functions/core/protocols/cloudevents.ts';
import { createPixelAdapter } from '../../../functions/core/protocols/pixel.ts';
import type { InboundRequest, ProtocolAdapter } from '../../../functions/core/protocols/protocol.ts';
import { createSegmentAdapter } from '../../../functions/core/protocols/segment.ts';
import { createSelfDescribingAdapter } from '../../../functions/core/protocols/self-describing.ts';
import { createSnowplowAdapter } from '../../../functions/core/protocols/snowplow.ts';
import { createWebhookAdapter } from '../../../functions/core/protocols/webhook.ts';
import { createReplayer, derivedEventId, type ReplayOutcome } from '../../../functions/core/replay/replay-event.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { igluSchema, MemoryRegistry } from '../../support/memory-registry.ts';
import { invalidRow } from '../../support/sample-rows.ts';

/**
 * Re-validating single invalid rows: rows that kept their event are validated again; rows that kept
 * the raw request part go back through their protocol adapter, rebuilt from what the row holds.
 */
const SIGNUP = 'iglu:com.acme/signup/jsonschema/1-0-0';
const PAGE_VIEW = 'iglu:dev.sluice/page_view/jsonschema/1-0-0';
const signupSchema = igluSchema(SIGNUP, {
  type: 'object',
  properties: { email: { type: 'string' } },
  required: ['email'],
  additionalProperties: false,
});
const REPLAYED_AT = '2026-12-01T12:00:00.000Z';
const SNOWPLOW = {
  post_paths: ['/com.snowplowanalytics.snowplow/tp2'],
  redirect_enabled: false,
  redirect_allowed_domains: [],
};

const NO_PLAN: SegmentConfig = {
  write_keys: [],
  app_id: '',
  require_plan: false,
  tracking_plan: { track: {}, page: '', screen: '', identify: '', group: '', alias: '', context: {} },
};

function adapters(
  cloudevents: CloudEventsConfig = {
    path: '/cloudevents',
    type_schemas: {},
    dataschema_schemas: {},
    fallback_schema: '',
  },
  segment: SegmentConfig = NO_PLAN,
): ProtocolAdapter[] {
  return [
    createSnowplowAdapter(SNOWPLOW),
    createCloudEventsAdapter(cloudevents),
    createSegmentAdapter(segment),
    createSelfDescribingAdapter(),
    createPixelAdapter({ redirect_allowed_domains: [] }),
    createWebhookAdapter(),
  ];
}

function engine(withSignup: boolean) {
  const registry = new MemoryRegistry(withSignup ? { [SIGNUP]: signupSchema } : {});
  registry.set(PAGE_VIEW, igluSchema(PAGE_VIEW, { type: 'object' }));
  return createValidationEngine({
    registry,
    ttlMs: 60_000,
    negativeTtlMs: 0,
    errorTtlMs: 0,
    maxEntries: 100,
    allErrors: false,
    maxErrors: 20,
  });
}

/** What the collector does with a request: adapter, then rows (the same code path, minus HTTP). */
async function collect(request: InboundRequest, withAdapters = adapters()) {
  const adapter = withAdapters.find((candidate) => candidate.matches(request));
  assert.ok(adapter, `no adapter for ${request.method} ${request.path}`);
  const result = adapter.handle(request);
  const batch = await buildRows(result.events, result.rejections, engine(false).validator, {
    protocol: adapter.protocol,
    receivedAt: request.receivedAt,
    collector: 'sluice/test',
    fields: { useragent: 'curl/8' },
    suppressed: new Set(),
    request: () => requestSummary(request),
    maxRawBytes: 1024,
  });
  return batch;
}

function replayer(
  options: {
    withSignup?: boolean;
    cloudevents?: CloudEventsConfig;
    segment?: SegmentConfig;
    maxRawBytes?: number;
  } = {},
) {
  return createReplayer({
    validator: engine(options.withSignup ?? true).validator,
    adapters: adapters(options.cloudevents, options.segment),
    maxRawBytes: options.maxRawBytes ?? 1024,
    now: () => new Date(REPLAYED_AT),
  });
}

function rowsOf(outcome: ReplayOutcome) {
  assert.equal(outcome.kind, 'rows', JSON.stringify(outcome));
  if (outcome.kind !== 'rows') throw new Error('unreachable');
  for (const row of outcome.valid) assert.deepEqual(rowProblems('valid', row), [], JSON.stringify(row));
  for (const row of outcome.invalid) assert.deepEqual(rowProblems('invalid', row), [], JSON.stringify(row));
  return outcome;
}

const json = { 'content-type': 'application/json' };

describe('replaying a row that kept its event', () => {
  test('passes once the schema exists: same event_id and collector_tstamp, replay columns set', async () => {
    const { invalid } = await collect(
      inboundRequest({
        method: 'POST',
        path: '/self-describing',
        headers: json,
        body: JSON.stringify({ schema: SIGNUP, data: { email: 'a@x' } }),
      }),
    );
    const original = invalid[0] as InvalidRow;
    assert.equal(original.error_type, 'schema_not_found');
    const { valid } = rowsOf(await replayer().replay({ ...original, replay_count: 2 }));
    assert.equal(valid.length, 1);
    assert.equal(valid[0]?.event_id, original.event_id);
    assert.equal(valid[0]?.collector_tstamp, original.collector_tstamp);
    assert.equal(valid[0]?.useragent, 'curl/8');
    assert.equal(valid[0]?.replayed_at, REPLAYED_AT);
    assert.equal(valid[0]?.replay_count, 3, 'replay_count is the previous count + 1');
  });

  test('a context of a still-missing schema keeps the event invalid', async () => {
    const { invalid } = await collect(
      inboundRequest({
        method: 'POST',
        path: '/self-describing',
        headers: json,
        body: JSON.stringify({
          schema: PAGE_VIEW,
          data: {},
          contexts: [{ schema: 'iglu:com.acme/missing/jsonschema/1-0-0', data: {} }],
        }),
      }),
    );
    const outcome = rowsOf(await replayer().replay(invalid[0] as InvalidRow));
    assert.equal(outcome.valid.length, 0);
    assert.equal(outcome.invalid[0]?.error_type, 'schema_not_found');
    assert.equal(outcome.invalid[0]?.replay_count, 1);
  });

  test('rows that cannot be tried again say why', async () => {
    assert.deepEqual(await replayer().replay({ ...invalidRow, error_type: 'size_exceeded' }), {
      kind: 'not_replayable',
      reason:
        'size_exceeded: the request was over limits.max_request_bytes and only its first limits.max_raw_bytes were kept',
    });
    const noSchema = await replayer().replay({
      ...invalidRow,
      raw: null,
      payload: { a: 1 },
      error_type: 'protocol_violation',
    });
    assert.match(
      noSchema.kind === 'not_replayable' ? noSchema.reason : '',
      /neither a schema and payload nor a raw request part/,
    );
  });
});

describe('replaying a row that kept the raw request part', () => {
  test('without a change, a rebuilt request fails the same way again (every protocol)', async () => {
    const requests: InboundRequest[] = [
      inboundRequest({ method: 'GET', path: '/i', query: 'e=ue&eid=g-1&aid=shop&ue_px=***' }),
      inboundRequest({
        method: 'POST',
        path: '/com.snowplowanalytics.snowplow/tp2',
        query: 'aid=shop',
        headers: json,
        body: JSON.stringify({
          schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
          data: [
            { eid: 'p-1', tv: 'js' },
            { e: 'ue', eid: 'p-2', ue_px: '%%%' },
            { e: 'ue', eid: 'p-3' },
            { e: 'pv', eid: 'p-4', co: '{"schema":"iglu:x/y/jsonschema/1-0-0","data":[]}' },
          ],
        }),
      }),
      inboundRequest({
        method: 'POST',
        path: '/com.snowplowanalytics.snowplow/tp2',
        headers: json,
        body: JSON.stringify({
          schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-9',
          data: [{ e: 'pv' }],
        }),
      }),
      inboundRequest({
        method: 'POST',
        path: '/cloudevents',
        headers: { 'content-type': 'application/cloudevents-batch+json' },
        body: JSON.stringify([{ specversion: '1.0', id: 'c-1', source: '/s', type: 't', data: {} }]),
      }),
      inboundRequest({ method: 'POST', path: '/self-describing', headers: json, body: '[42]' }),
      inboundRequest({ method: 'GET', path: '/pixel/com.acme/signup/jsonschema/1-0-0', query: 'b64=***' }),
      inboundRequest({
        method: 'POST',
        path: '/webhook/com.acme/signup/jsonschema/1-0-0',
        headers: json,
        body: '"just a string"',
      }),
    ];
    for (const request of requests) {
      const { invalid } = await collect(request);
      assert.ok(invalid.length > 0, `${request.method} ${request.path} made no invalid row`);
      for (const original of invalid) {
        assert.ok(typeof original.raw === 'string', `${request.path}: no raw kept`);
        if (original.event_id === 'p-4') {
          // Only the broken co of a page view was kept, and rejections do not keep e.
          const refused = await replayer().replay(original);
          assert.match(
            refused.kind === 'not_replayable' ? refused.reason : '',
            /only parameter co was kept and the event type \(e\) was not/,
          );
          continue;
        }
        const outcome = rowsOf(await replayer().replay(original));
        assert.equal(outcome.valid.length, 0, `${request.path}: ${JSON.stringify(outcome.valid)}`);
        assert.equal(outcome.invalid.length, 1, `${request.path}: ${JSON.stringify(outcome.invalid)}`);
        const again = outcome.invalid[0] as InvalidRow;
        assert.equal(again.event_id, original.event_id, request.path);
        assert.equal(again.error_type, original.error_type, `${request.path}: ${JSON.stringify(again.errors)}`);
        // A part rebuilt alone is element 0 of its new request; the rest of each issue is the same.
        const unindexed = (errors: unknown) =>
          JSON.stringify(errors)
            .replace(/\$\.data\[\d+\]/g, '$.data[*]')
            .replace(/\$\[\d+\]/g, '$');
        assert.equal(unindexed(again.errors), unindexed(original.errors), request.path);
        assert.equal(again.protocol, original.protocol);
      }
    }
  });

  test('CloudEvents without dataschema pass once cloudevents.fallback_schema names a schema (binary, batch)', async () => {
    const binary = await collect(
      inboundRequest({
        method: 'POST',
        path: '/cloudevents',
        headers: {
          'content-type': 'application/json',
          'ce-specversion': '1.0',
          'ce-id': 'b-1',
          'ce-source': '/shop',
          'ce-type': 'signup',
          'ce-subject': 'caf%C3%A9',
          'ce-time': '2026-11-30T08:00:00Z',
          'ce-tenant': 'eu',
        },
        body: JSON.stringify({ email: 'a@x' }),
      }),
    );
    const batch = await collect(
      inboundRequest({
        method: 'POST',
        path: '/cloudevents',
        headers: { 'content-type': 'application/cloudevents-batch+json' },
        body: JSON.stringify([
          { specversion: '1.0', id: 'm-1', source: '/s', type: 't', data: { email: 'm1@x' } },
          { specversion: '1.0', id: 'm-2', source: '/s', type: 't', data: { email: 'm2@x' } },
        ]),
      }),
    );
    const fixed = replayer({
      cloudevents: { path: '/cloudevents', type_schemas: {}, dataschema_schemas: {}, fallback_schema: SIGNUP },
    });
    const [binaryRow] = binary.invalid as [InvalidRow];
    const { valid } = rowsOf(await fixed.replay(binaryRow));
    assert.equal(valid[0]?.event_id, 'b-1');
    assert.equal(valid[0]?.event_tstamp, '2026-11-30T08:00:00.000Z');
    assert.deepEqual(valid[0]?.payload, { email: 'a@x' });
    assert.deepEqual(
      valid[0]?.source,
      binaryRow.source,
      'subject (percent-decoded), extensions and the rest come back as they were',
    );
    for (const row of batch.invalid) {
      const replayed = rowsOf(await fixed.replay(row));
      assert.equal(replayed.valid[0]?.event_id, row.event_id);
    }
  });

  test('a CloudEvent no schema was configured for is schema_not_found, and passes once cloudevents.type_schemas maps its type', async () => {
    const { invalid } = await collect(
      inboundRequest({
        method: 'POST',
        path: '/cloudevents',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify({
          specversion: '1.0',
          id: 's-1',
          source: '/s',
          type: 'com.acme.signup',
          data: { email: 's@x' },
        }),
      }),
    );
    const [row] = invalid as [InvalidRow];
    assert.equal(row.error_type, 'schema_not_found');
    assert.equal(row.schema ?? null, null);
    // Unchanged configuration: it stays what it was.
    assert.equal(rowsOf(await replayer().replay(row)).invalid[0]?.error_type, 'schema_not_found');
    const mapped = replayer({
      cloudevents: {
        path: '/cloudevents',
        type_schemas: { 'com.acme.*': SIGNUP },
        dataschema_schemas: {},
        fallback_schema: '',
      },
    });
    const { valid } = rowsOf(await mapped.replay(row));
    assert.equal(valid[0]?.event_id, 's-1');
    assert.equal(valid[0]?.schema, SIGNUP);
    assert.deepEqual(valid[0]?.payload, { email: 's@x' });
  });

  test('a fixed adapter recovers what a broken one rejected (Snowplow GET and POST)', async () => {
    // A "broken" Snowplow adapter: rejects every tracker event whole, as the real one rejects
    // an event it cannot read, keeping the event's raw text.
    const real = createSnowplowAdapter(SNOWPLOW);
    const broken: ProtocolAdapter = {
      protocol: 'snowplow',
      matches: real.matches,
      handle(request) {
        const result = real.handle(request);
        const raws =
          request.method === 'GET'
            ? [request.rawQuery]
            : (JSON.parse(request.body.toString()) as { data: unknown[] }).data.map((event) => JSON.stringify(event));
        return {
          ...result,
          events: [],
          rejections: result.events.map((event, index) => ({
            errorType: 'protocol_violation' as const,
            issues: [{ schema: null, path: '$', keyword: 'bug', message: 'adapter bug' }],
            raw: raws[index] as string,
            ...(event.eventId ? { eventId: event.eventId } : {}),
          })),
        };
      },
    };
    const ue = encodeURIComponent(
      JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
        data: { schema: SIGNUP, data: { email: 'g@x' } },
      }),
    );
    const get = await collect(
      inboundRequest({ method: 'GET', path: '/i', query: `e=ue&eid=g-1&aid=shop&ue_pr=${ue}` }),
      [broken],
    );
    const post = await collect(
      inboundRequest({
        method: 'POST',
        path: '/com.snowplowanalytics.snowplow/tp2',
        query: 'aid=shop',
        headers: json,
        body: JSON.stringify({
          schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
          data: [{ e: 'pv', eid: 'p-1', url: 'https://shop.example/', p: 'web' }],
        }),
      }),
      [broken],
    );
    for (const [row, id, app] of [
      [get.invalid[0], 'g-1', 'shop'],
      [post.invalid[0], 'p-1', 'shop'],
    ] as const) {
      assert.equal(row?.error_type, 'protocol_violation');
      const { valid } = rowsOf(await replayer().replay(row as InvalidRow));
      assert.equal(valid.length, 1, JSON.stringify(row));
      assert.equal(valid[0]?.event_id, id);
      assert.equal(valid[0]?.app_id, app, 'query parameters of a POST apply again');
    }
  });

  test('a Snowplow event of which only one parameter was kept is reassembled from source and the columns', async () => {
    const ue = Buffer.from(
      JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
        data: { schema: SIGNUP, data: { email: 'u@x' } },
      }),
    ).toString('base64url');
    const { invalid } = await collect(
      inboundRequest({
        method: 'POST',
        path: '/com.snowplowanalytics.snowplow/tp2',
        headers: json,
        body: JSON.stringify({
          schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
          data: [{ e: 'ue', eid: 'u-1', aid: 'shop', dtm: '1764489600000', tv: 'js-4', ue_px: `${ue}!` }],
        }),
      }),
    );
    const row = invalid[0] as InvalidRow;
    assert.equal(row.error_type, 'unparseable');
    assert.equal(row.raw, `${ue}!`, 'only the parameter was kept');
    // The "fix": the sender's stray character is gone (as a fixed decoder would ignore it).
    const { valid } = rowsOf(await replayer().replay({ ...row, raw: ue }));
    assert.equal(valid[0]?.event_id, 'u-1');
    assert.equal(valid[0]?.app_id, 'shop');
    assert.equal(valid[0]?.event_tstamp, '2025-11-30T08:00:00.000Z');
    assert.deepEqual(valid[0]?.payload, { email: 'u@x' });
    assert.deepEqual(valid[0]?.source, { tv: 'js-4' });
  });

  test('a raw part cut at limits.max_raw_bytes is not rebuilt: a shortened query could lose data silently', async () => {
    const { invalid } = await collect(
      inboundRequest({ method: 'GET', path: '/pixel/com.acme/signup/jsonschema/1-0-0', query: 'b64=***' }),
    );
    const outcome = await replayer({ maxRawBytes: 10 }).replay(invalid[0] as InvalidRow);
    assert.equal(outcome.kind, 'not_replayable');
    assert.match(
      outcome.kind === 'not_replayable' ? outcome.reason : '',
      /raw was cut at limits.max_raw_bytes \(10 bytes\)/,
    );
  });

  test('a rebuilt request that holds several events gives each a stable id', async () => {
    const events = [
      { e: 'pv', url: 'https://a/' },
      { e: 'pv', url: 'https://b/' },
    ];
    const row: InvalidRow = {
      event_id: 'whole-body',
      collector_tstamp: '2026-11-30T08:00:00.000Z',
      protocol: 'snowplow',
      collector: 'sluice/test',
      error_type: 'protocol_violation',
      errors: [{ schema: null, path: '$', keyword: 'bug', message: 'adapter bug' }],
      raw: JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
        data: events,
      }),
      request: {
        method: 'POST',
        path: '/com.snowplowanalytics.snowplow/tp2',
        query: '',
        content_type: 'application/json',
        headers: {},
      },
    };
    const first = rowsOf(await replayer().replay(row));
    const second = rowsOf(await replayer().replay(row));
    assert.deepEqual(
      first.valid.map((valid) => valid.event_id),
      [derivedEventId('whole-body', 0), derivedEventId('whole-body', 1)],
    );
    assert.deepEqual(
      second.valid.map((valid) => valid.event_id),
      first.valid.map((valid) => valid.event_id),
    );
    assert.match(derivedEventId('x', 0), /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('replaying Segment rows: the call is reassembled and the tracking plan applied as it is now', () => {
  const requirePlan: SegmentConfig = { ...NO_PLAN, require_plan: true };
  const planned: SegmentConfig = {
    ...requirePlan,
    tracking_plan: { ...NO_PLAN.tracking_plan, track: { 'Signed Up': SIGNUP } },
  };
  const batch = (calls: unknown[]) =>
    inboundRequest({
      method: 'POST',
      path: '/v1/batch',
      headers: json,
      body: JSON.stringify({ batch: calls, sentAt: '2026-01-15T09:00:00.000Z', writeKey: 'k' }),
    });

  test('an event the plan did not name (require_plan) passes once the plan names it: same id, time, data', async () => {
    const { valid, invalid } = await collect(
      batch([
        {
          type: 'track',
          event: 'Signed Up',
          messageId: 'seg-1',
          userId: 'u-1',
          anonymousId: 'a-1',
          timestamp: '2026-01-15T08:59:00.000Z',
          properties: { email: 'a@example.com' },
          context: { page: { url: 'https://x.example/' } },
        },
      ]),
      adapters(undefined, requirePlan),
    );
    assert.equal(valid.length, 0);
    const original = invalid[0] as InvalidRow;
    assert.equal(original.error_type, 'schema_not_found');
    assert.equal(original.schema ?? null, null);
    assert.equal(original.event_name, 'Signed Up');
    assert.deepEqual(original.payload, { email: 'a@example.com' });
    // Still not in the plan: still schema_not_found.
    const still = rowsOf(await replayer({ segment: requirePlan }).replay(original));
    assert.deepEqual(
      still.invalid.map((row) => row.error_type),
      ['schema_not_found'],
    );
    const { valid: passed } = rowsOf(await replayer({ segment: planned }).replay(original));
    const row = passed[0];
    assert.equal(passed.length, 1);
    assert.equal(row?.schema, SIGNUP);
    assert.equal(row?.event_id, 'seg-1');
    assert.equal(row?.event_tstamp, original.event_tstamp);
    assert.equal(
      row?.event_tstamp,
      '2026-01-15T09:59:00.000Z',
      'corrected by the batch sentAt against the original receive time',
    );
    assert.equal(row?.user_id, 'u-1');
    assert.equal(row?.domain_userid, 'a-1');
    assert.equal(row?.page_url, 'https://x.example/');
    assert.deepEqual(row?.payload, { email: 'a@example.com' });
    assert.deepEqual(row?.source, original.source);
  });

  test('a planned call whose schema was missing passes once the registry has it; a call that could not be read fails alike', async () => {
    const { invalid } = await collect(
      batch([{ type: 'track', event: 'Signed Up', messageId: 'seg-2', properties: { email: 7 } }, { type: 'shout' }]),
      adapters(undefined, planned),
    );
    const [failed, unread] = invalid as [InvalidRow, InvalidRow];
    assert.equal(failed.error_type, 'schema_not_found');
    assert.equal(failed.schema, SIGNUP);
    assert.equal(unread.error_type, 'protocol_violation');
    // The registry now holds the schema (published since), accepting any object.
    const loose = new MemoryRegistry({ [SIGNUP]: igluSchema(SIGNUP, { type: 'object' }) });
    const fixed = createReplayer({
      validator: createValidationEngine({
        registry: loose,
        ttlMs: 60_000,
        negativeTtlMs: 0,
        errorTtlMs: 0,
        maxEntries: 100,
        allErrors: false,
        maxErrors: 20,
      }).validator,
      adapters: adapters(undefined, planned),
      maxRawBytes: 1024,
      now: () => new Date(REPLAYED_AT),
    });
    const { valid } = rowsOf(await fixed.replay(failed));
    assert.deepEqual(
      valid.map((row) => [row.event_id, row.schema]),
      [['seg-2', SIGNUP]],
    );
    const again = rowsOf(await fixed.replay(unread));
    assert.deepEqual(
      again.invalid.map((row) => [row.event_id, row.error_type, (row.errors as Array<{ path: string }>)[0]?.path]),
      [[unread.event_id, 'protocol_violation', '$.batch[0].type']],
    );
  });
});

describe('replaying an enriched row', () => {
  test('the enrichment columns of the original row are kept on the replayed rows', async () => {
    const { invalid } = await collect(
      inboundRequest({
        method: 'POST',
        path: '/self-describing',
        headers: json,
        body: JSON.stringify({ schema: SIGNUP, data: { email: 'a@x' } }),
      }),
    );
    const original: InvalidRow = {
      ...(invalid[0] as InvalidRow),
      geo_country: 'GB',
      geo_latitude: 51.5142,
      ip_asn: 1221,
      is_bot: false,
      br_family: 'Chrome',
    };
    const { valid } = rowsOf(await replayer().replay(original));
    assert.equal(valid[0]?.geo_country, 'GB');
    assert.equal(valid[0]?.geo_latitude, 51.5142);
    assert.equal(valid[0]?.ip_asn, 1221);
    assert.equal(valid[0]?.is_bot, false);
    assert.equal(valid[0]?.br_family, 'Chrome');
    const still = rowsOf(await replayer({ withSignup: false }).replay(original));
    assert.equal(still.invalid[0]?.geo_country, 'GB', 'a row that stays invalid keeps them too');
  });
});
