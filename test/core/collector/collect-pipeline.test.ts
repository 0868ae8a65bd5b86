import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type CollectOutcome, createCollectPipeline } from '../../../functions/core/collector/collect-pipeline.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { rowProblems } from '../../../functions/core/contract/row-check.ts';
import type { InboundRequest, ProtocolAdapter, ProtocolResult } from '../../../functions/core/protocols/protocol.ts';
import { createSelfDescribingAdapter } from '../../../functions/core/protocols/self-describing.ts';
import type { RowBatch } from '../../../functions/core/sink/event-sink.ts';
import { SinkUnavailableError } from '../../../functions/core/sink/event-sink.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { igluSchema, MemoryRegistry } from '../../support/memory-registry.ts';

// The collect pipeline without HTTP: an inbound request in, rows to the sink and an outcome out.

const THING = 'iglu:com.acme/thing/jsonschema/1-0-0';
const config = resolveConfig({
  document: { limits: { max_request_bytes: 1024, max_raw_bytes: 40, max_events_per_request: 3 } },
  source: 'test',
  env: {},
});
const { validator } = createValidationEngine({
  registry: new MemoryRegistry({
    [THING]: igluSchema(THING, { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }),
  }),
  ttlMs: 60_000,
  negativeTtlMs: 1_000,
  errorTtlMs: 1_000,
  maxEntries: 100,
  allErrors: false,
  maxErrors: 5,
});

/**
 * Tracker-facing, like Snowplow's: GET /px reports what a tracker can send itself (its own IP and
 * network user id, as Snowplow's ip= and tnuid= do); GET /boom is an adapter bug.
 */
const pixelLike: ProtocolAdapter = {
  protocol: 'pixel',
  matches: (request) => request.method === 'GET' && (request.path === '/px' || request.path === '/boom'),
  handle(request): ProtocolResult {
    if (request.path === '/boom') throw new Error('adapter bug');
    return {
      events: [
        {
          schema: THING,
          data: { n: 1 },
          fields: { user_ipaddress: '203.0.113.7', network_userid: '0f0e0d0c-0b0a-4908-8706-050403020100' },
        },
      ],
      rejections: [],
      response: { status: 200, body: 'px' },
      trackerFacing: true,
    };
  },
};

function inbound(method: string, path: string, body = '', headers: Record<string, string> = {}): InboundRequest {
  return {
    method,
    path,
    query: new URLSearchParams(),
    rawQuery: '',
    headers,
    body: Buffer.from(body),
    receivedAt: '2026-12-05T12:00:00.000Z',
  };
}

function pipeline(options: { failing?: boolean; refuse?: boolean } = {}) {
  const batches: RowBatch[] = [];
  const failures: string[] = [];
  const collect = createCollectPipeline<CollectOutcome>({
    adapters: [createSelfDescribingAdapter(), pixelLike],
    validator,
    sink: {
      publish: async (batch) => {
        if (options.failing) throw new SinkUnavailableError('simulated outage');
        batches.push(batch);
      },
    },
    limits: config.limits,
    privacy: config.privacy,
    refusal: options.refuse
      ? () => ({
          events: [],
          rejections: [{ errorType: 'unauthorized', issues: [] }],
          response: { status: 401 },
        })
      : undefined,
    networkUserId: () => '11111111-2222-4333-8444-555555555555',
    onAdapterFailure: (protocol, request, error) => failures.push(`${protocol} ${request.path}: ${String(error)}`),
    answer: (outcome) => outcome,
  });
  /** Every row published so far, each checked against the contract. */
  const rows = () => {
    const valid = batches.flatMap((b) => b.valid);
    const invalid = batches.flatMap((b) => b.invalid);
    for (const row of valid) assert.deepEqual(rowProblems('valid', row), [], JSON.stringify(row));
    for (const row of invalid) assert.deepEqual(rowProblems('invalid', row), [], JSON.stringify(row));
    return { valid, invalid };
  };
  return { collect: collect.collect, rows, batches, failures };
}

function body(events: unknown[]): string {
  return JSON.stringify(events);
}

describe('collect pipeline', () => {
  test('valid and invalid events become rows, published before the outcome is stored', async () => {
    const { collect, rows } = pipeline();
    const outcome = await collect(
      inbound(
        'POST',
        '/self-describing',
        body([
          { schema: THING, data: { n: 1 } },
          { schema: THING, data: { n: 'x' } },
        ]),
        {
          'user-agent': 'curl/8',
        },
      ),
      '198.51.100.23',
    );
    assert.equal(outcome.kind, 'stored');
    assert.equal(outcome.kind === 'stored' && outcome.response.status, 200);
    const { valid, invalid } = rows();
    assert.equal(valid.length, 1);
    assert.deepEqual(valid[0]?.payload, { n: 1 });
    assert.equal(valid[0]?.useragent, 'curl/8');
    assert.equal(valid[0]?.user_ipaddress, '198.51.100.23');
    assert.equal(valid[0]?.protocol, 'self_describing');
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]?.error_type, 'validation_failed');
    assert.match(JSON.stringify(invalid[0]?.errors), /integer/, 'the invalid row says why');
    assert.deepEqual(
      { ...(invalid[0]?.request as object), headers: undefined },
      { method: 'POST', path: '/self-describing', query: '', content_type: null, headers: undefined },
    );
  });

  test('a request no adapter serves is no_route and stores nothing', () => {
    const { collect, batches } = pipeline();
    assert.deepEqual(collect(inbound('GET', '/nowhere'), undefined), {
      kind: 'no_route',
      method: 'GET',
      path: '/nowhere',
    });
    assert.equal(batches.length, 0);
  });

  test('a tracker-facing request gets a network user id, on the outcome and in its rows', async () => {
    const { collect, rows } = pipeline();
    const outcome = await collect(inbound('GET', '/px'), '198.51.100.23');
    assert.deepEqual(outcome, {
      kind: 'stored',
      response: { status: 200, body: 'px' },
      networkUserId: '11111111-2222-4333-8444-555555555555',
    });
    // The tracker's own values win over the collector's (fieldColumns).
    assert.equal(rows().valid[0]?.network_userid, '0f0e0d0c-0b0a-4908-8706-050403020100');
    assert.equal(rows().valid[0]?.user_ipaddress, '203.0.113.7');
  });

  test('SP-Anonymous: * suppresses the IP address and network user id, even ones the tracker sent', async () => {
    const { collect, rows } = pipeline();
    const outcome = await collect(inbound('GET', '/px', '', { 'sp-anonymous': '*' }), '198.51.100.23');
    assert.deepEqual(outcome, { kind: 'stored', response: { status: 200, body: 'px' }, networkUserId: undefined });
    const [row] = rows().valid;
    assert.ok(row);
    assert.equal('user_ipaddress' in row, false);
    assert.equal('network_userid' in row, false);
  });

  test('a body over limits.max_request_bytes is a 413 and one size_exceeded row keeping its first bytes', async () => {
    const { collect, rows } = pipeline();
    const big = body(Array.from({ length: 40 }, () => ({ schema: THING, data: { n: 1 } })));
    const outcome = await collect(inbound('POST', '/self-describing', big), undefined);
    assert.equal(outcome.kind === 'stored' && outcome.response.status, 413);
    const { valid, invalid } = rows();
    assert.equal(valid.length, 0);
    assert.equal(invalid.length, 1);
    assert.equal(invalid[0]?.error_type, 'size_exceeded');
    assert.equal(invalid[0]?.raw, big.slice(0, 40), 'raw is cut at limits.max_raw_bytes');
    assert.match(JSON.stringify(invalid[0]?.errors), new RegExp(`${big.length} bytes, over the limit of 1024`));
  });

  test('more events than limits.max_events_per_request are a 413 and one size_exceeded row', async () => {
    const { collect, rows } = pipeline();
    const four = body(Array.from({ length: 4 }, () => ({ schema: THING, data: { n: 1 } })));
    const outcome = await collect(inbound('POST', '/self-describing', four), undefined);
    assert.equal(outcome.kind === 'stored' && outcome.response.status, 413);
    const { valid, invalid } = rows();
    assert.equal(valid.length, 0);
    assert.equal(invalid.length, 1);
    assert.match(JSON.stringify(invalid[0]?.errors), /carries 4 events, over the limit of 3/);
  });

  test('an adapter that throws is reported, kept as a protocol_violation row and answered 500', async () => {
    const { collect, rows, failures } = pipeline();
    const outcome = await collect(inbound('GET', '/boom'), undefined);
    assert.equal(outcome.kind === 'stored' && outcome.response.status, 500);
    assert.equal(rows().invalid[0]?.error_type, 'protocol_violation');
    assert.deepEqual(failures, ['pixel /boom: Error: adapter bug']);
  });

  test('a refused sender is stored as its refusal and answered with its status, without a query string', async () => {
    const { collect, rows } = pipeline({ refuse: true });
    const request = {
      ...inbound('POST', '/self-describing', body([{ schema: THING, data: { n: 1 } }])),
      rawQuery: 'k=v',
    };
    const outcome = await collect(request, undefined);
    assert.equal(outcome.kind === 'stored' && outcome.response.status, 401);
    assert.equal(rows().valid.length, 0);
    assert.equal(rows().invalid[0]?.error_type, 'unauthorized');
    assert.equal((rows().invalid[0]?.request as { query?: unknown }).query, '');
  });

  test('when the sink fails the outcome is not_stored with the row count and the error', async () => {
    const { collect } = pipeline({ failing: true });
    const outcome = await collect(
      inbound(
        'POST',
        '/self-describing',
        body([
          { schema: THING, data: { n: 1 } },
          { schema: THING, data: {} },
        ]),
      ),
      undefined,
    );
    assert.equal(outcome.kind, 'not_stored');
    assert.equal(outcome.kind === 'not_stored' && outcome.rowCount, 2);
    assert.ok(outcome.kind === 'not_stored' && outcome.error instanceof SinkUnavailableError);
  });
});
