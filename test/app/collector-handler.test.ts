import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gzipSync } from 'node:zlib';
import { LocalSink } from '../../functions/adapters/sink/local-sink.ts';
import { createCollector, RETRY_AFTER_SECONDS } from '../../functions/app/collector-handler.ts';
import { COLLECTOR } from '../../functions/core/collector-info.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import type { InboundRequest, ProtocolAdapter } from '../../functions/core/protocols/protocol.ts';
import type { EventSink, RowBatch } from '../../functions/core/sink/event-sink.ts';
import { SinkUnavailableError } from '../../functions/core/sink/event-sink.ts';
import { createValidationEngine } from '../../functions/core/validation/validation-engine.ts';
import { serveCollector } from '../support/framework-server.ts';
import { igluSchema, MemoryRegistry } from '../support/memory-registry.ts';

const THING = 'iglu:com.acme/thing/jsonschema/1-0-0';

/** A minimal protocol: POST /echo with a JSON array of {schema, data}; GET /px is tracker-facing. */
const echoAdapter: ProtocolAdapter = {
  protocol: 'self_describing',
  matches: (request) => request.path === '/echo' || request.path === '/px' || request.path === '/boom',
  handle(request: InboundRequest) {
    if (request.path === '/boom') throw new Error('adapter bug');
    if (request.path === '/px')
      return {
        events: [{ schema: THING, data: { n: 1 } }],
        rejections: [],
        response: { status: 200, body: 'px' },
        trackerFacing: true,
      };
    const items = JSON.parse(request.body.toString('utf8')) as Array<{ schema: string; data: unknown }>;
    return {
      events: items.map((item) => ({ schema: item.schema, data: item.data })),
      rejections: [],
      response: { status: 200, body: 'ok' },
    };
  },
};

class SwitchableSink implements EventSink {
  down = false;
  readonly batches: RowBatch[] = [];
  async publish(batch: RowBatch) {
    if (this.down) throw new SinkUnavailableError('simulated Pub/Sub outage');
    this.batches.push(batch);
  }
  async close() {}
  rows() {
    return { valid: this.batches.flatMap((b) => b.valid), invalid: this.batches.flatMap((b) => b.invalid) };
  }
}

function engine() {
  const registry = new MemoryRegistry({
    [THING]: igluSchema(THING, { type: 'object', properties: { n: { type: 'integer' } }, required: ['n'] }),
  });
  return createValidationEngine({
    registry,
    ttlMs: 60_000,
    negativeTtlMs: 1_000,
    errorTtlMs: 1_000,
    maxEntries: 100,
    allErrors: false,
    maxErrors: 5,
  });
}

describe('collector handler', () => {
  const sink = new SwitchableSink();
  const config = resolveConfig({
    document: { limits: { max_request_bytes: 2048, max_raw_bytes: 100 }, cookie: { domain: '.example.com' } },
    source: 'test',
    env: {},
  });
  const collector = createCollector({ config, validation: engine(), sink, adapters: [echoAdapter] });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());

  const post = (path: string, body: string | Buffer, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });

  test('GET /health reports the collector', async () => {
    const response = await fetch(`${base}/health`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), {
      status: 'ok',
      collector: COLLECTOR,
      sink: 'local',
      registries: ['file://./schemas'],
    });
  });

  test('events are answered 2xx only after the sink accepted every row, valid and invalid split', async () => {
    sink.batches.length = 0;
    const response = await post(
      '/echo',
      JSON.stringify([
        { schema: THING, data: { n: 1 } },
        { schema: THING, data: { n: 'x' } },
      ]),
    );
    assert.equal(response.status, 200);
    assert.equal(await response.text(), 'ok');
    assert.equal(sink.batches.length, 1);
    assert.equal(sink.rows().valid.length, 1);
    assert.equal(sink.rows().invalid[0]?.error_type, 'validation_failed');
  });

  test('when the sink fails the answer is 503 with Retry-After, so trackers retry', async () => {
    sink.down = true;
    try {
      const response = await post('/echo', JSON.stringify([{ schema: THING, data: { n: 1 } }]));
      assert.equal(response.status, 503);
      assert.equal(response.headers.get('retry-after'), String(RETRY_AFTER_SECONDS));
    } finally {
      sink.down = false;
    }
  });

  test('a body over limits.max_request_bytes is a 413 and a size_exceeded row keeping its first bytes', async () => {
    sink.batches.length = 0;
    const response = await post('/echo', `[${'1,'.repeat(2000)}1]`);
    assert.equal(response.status, 413);
    const [row] = sink.rows().invalid;
    assert.equal(row?.error_type, 'size_exceeded');
    assert.equal(row?.raw, `[${'1,'.repeat(49)}1`);
    assert.match(JSON.stringify(row?.errors), /4003 bytes, over the limit of 2048 \(limits.max_request_bytes\)/);
  });

  test('gzip bodies are read decompressed', async () => {
    sink.batches.length = 0;
    const body = gzipSync(JSON.stringify([{ schema: THING, data: { n: 7 } }]));
    const response = await post('/echo', body, { 'content-encoding': 'gzip' });
    assert.equal(response.status, 200);
    assert.deepEqual(sink.rows().valid[0]?.payload, { n: 7 });
  });

  test('an adapter that throws still keeps the request as an invalid row and answers 500', async () => {
    sink.batches.length = 0;
    const response = await post('/boom', '{"a":1}');
    assert.equal(response.status, 500);
    assert.equal(sink.rows().invalid[0]?.error_type, 'protocol_violation');
    assert.equal(sink.rows().invalid[0]?.raw, '{"a":1}');
  });

  test('CORS: the origin is echoed with credentials; preflight allows Content-Type and SP-Anonymous', async () => {
    const preflight = await fetch(`${base}/echo`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.status, 200);
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(preflight.headers.get('access-control-allow-credentials'), 'true');
    assert.match(preflight.headers.get('access-control-allow-headers') ?? '', /Content-Type, SP-Anonymous/);
    const response = await post('/echo', '[]', { origin: 'https://shop.example' });
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://shop.example');
  });

  test('tracker-facing answers set the network user id cookie and record it', async () => {
    sink.batches.length = 0;
    const response = await fetch(`${base}/px`);
    const cookie = response.headers.get('set-cookie') ?? '';
    const id = /^sp=([0-9a-f-]{36});/.exec(cookie)?.[1];
    assert.ok(id, cookie);
    assert.match(cookie, /Max-Age=31536000; Path=\/; Domain=\.example\.com; SameSite=None; Secure; HttpOnly/);
    assert.equal(sink.rows().valid[0]?.network_userid, id);
    assert.equal(sink.rows().valid[0]?.user_ipaddress, '127.0.0.1');
    const again = await fetch(`${base}/px`, { headers: { cookie: `other=1; sp=${id}` } });
    assert.match(again.headers.get('set-cookie') ?? '', new RegExp(`^sp=${id};`), 'an existing id is kept');
    const forged = await fetch(`${base}/px`, { headers: { cookie: 'sp=<script>' } });
    assert.doesNotMatch(forged.headers.get('set-cookie') ?? '', /script/, 'a forged value is replaced');
  });

  test('SP-Anonymous: * gets no cookie and no IP address recorded', async () => {
    sink.batches.length = 0;
    const response = await fetch(`${base}/px`, {
      headers: { 'sp-anonymous': '*', 'x-forwarded-for': '198.51.100.23' },
    });
    assert.equal(response.headers.get('set-cookie'), null);
    const [row] = sink.rows().valid;
    assert.equal(row?.user_ipaddress, undefined);
    assert.equal(row?.network_userid, undefined);
  });

  test("the client IP comes from X-Forwarded-For, as behind Google's front end", async () => {
    sink.batches.length = 0;
    await fetch(`${base}/px`, { headers: { 'x-forwarded-for': '198.51.100.23' } });
    assert.equal(sink.rows().valid[0]?.user_ipaddress, '198.51.100.23');
  });

  test('a forged X-Forwarded-For is not believed: the entry Google appended (the right-most) is the client', async () => {
    sink.batches.length = 0;
    await fetch(`${base}/px`, { headers: { 'x-forwarded-for': '6.6.6.6, 10.0.0.1, 198.51.100.23' } });
    assert.equal(sink.rows().valid[0]?.user_ipaddress, '198.51.100.23');
  });

  test('unknown routes are 404 and /local routes do not exist without the local sink', async () => {
    assert.equal((await fetch(`${base}/nowhere`)).status, 404);
    assert.equal((await fetch(`${base}/local/valid`)).status, 404);
  });
});

describe('collector handler with the local sink', () => {
  let dir = '';
  let base = '';
  let close: () => Promise<void>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-local-'));
    const config = resolveConfig({ document: { local: { dir } }, source: 'test', env: {} });
    const localSink = new LocalSink(dir);
    ({ base, close } = await serveCollector(
      createCollector({ config, validation: engine(), sink: localSink, localSink, adapters: [echoAdapter] }),
    ));
  });
  after(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  test('rows are appended to NDJSON files and served at /local/valid and /local/invalid with filters', async () => {
    const items = [
      { schema: THING, data: { n: 1 } },
      { schema: THING, data: { n: 2 } },
      { schema: THING, data: {} },
    ];
    assert.equal(
      (
        await fetch(`${base}/echo`, {
          method: 'POST',
          body: JSON.stringify(items),
          headers: { 'content-type': 'application/json' },
        })
      ).status,
      200,
    );
    const valid = (await (await fetch(`${base}/local/valid`)).json()) as Array<{ payload: unknown }>;
    assert.deepEqual(
      valid.map((row) => row.payload),
      [{ n: 1 }, { n: 2 }],
    );
    assert.deepEqual(
      ((await (await fetch(`${base}/local/valid?limit=1`)).json()) as Array<{ payload: unknown }>).map(
        (row) => row.payload,
      ),
      [{ n: 2 }],
    );
    assert.equal(
      ((await (await fetch(`${base}/local/valid?schema=iglu:com.acme/other/jsonschema/1-0-0`)).json()) as unknown[])
        .length,
      0,
    );
    const invalid = (await (await fetch(`${base}/local/invalid?event_name=thing`)).json()) as Array<{
      error_type: string;
    }>;
    assert.deepEqual(
      invalid.map((row) => row.error_type),
      ['validation_failed'],
    );
    const lines = (await readFile(join(dir, 'valid.ndjson'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 2);
    assert.equal((await fetch(`${base}/local/valid?limit=-1`)).status, 400);
  });

  test('POST /local/reset empties both stores; GET is refused', async () => {
    assert.equal((await fetch(`${base}/local/reset`)).status, 405);
    assert.equal((await fetch(`${base}/local/reset`, { method: 'POST' })).status, 200);
    assert.deepEqual(await (await fetch(`${base}/local/valid`)).json(), []);
    assert.deepEqual(await (await fetch(`${base}/local/invalid`)).json(), []);
  });
});

describe('bodies the functions framework leaves unread', () => {
  const sink = new SwitchableSink();
  const config = resolveConfig({
    document: { limits: { max_request_bytes: 2048, max_raw_bytes: 64 } },
    source: 'test',
    env: {},
  });
  let base = '';
  let close: () => Promise<void>;
  before(
    async () =>
      ({ base, close } = await serveCollector(
        createCollector({ config, validation: engine(), sink, adapters: [echoAdapter] }),
      )),
  );
  after(() => close());

  /** fetch always adds a Content-Type to string bodies; a raw request can omit it. */
  async function postWithoutContentType(body: Buffer, headers: Record<string, string> = {}): Promise<number> {
    const { request } = await import('node:http');
    const url = new URL(`${base}/echo`);
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { 'content-length': body.length, ...headers },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }

  test('a body without Content-Type is still read, so its events are not lost', async () => {
    sink.batches.length = 0;
    assert.equal(await postWithoutContentType(Buffer.from(JSON.stringify([{ schema: THING, data: { n: 3 } }]))), 200);
    assert.deepEqual(sink.rows().valid[0]?.payload, { n: 3 });
  });

  test('a gzip body without Content-Type is decoded, and a gzip bomb is cut at the limit (413)', async () => {
    sink.batches.length = 0;
    assert.equal(
      await postWithoutContentType(gzipSync(JSON.stringify([{ schema: THING, data: { n: 4 } }])), {
        'content-encoding': 'gzip',
      }),
      200,
    );
    assert.deepEqual(sink.rows().valid[0]?.payload, { n: 4 });
    const bomb = gzipSync(Buffer.alloc(50 * 1024 * 1024, 'a'));
    assert.ok(bomb.length < 100 * 1024);
    assert.equal(await postWithoutContentType(bomb, { 'content-encoding': 'gzip' }), 413);
    const row = sink.rows().invalid.at(-1);
    assert.equal(row?.error_type, 'size_exceeded');
    assert.equal(row?.raw, 'a'.repeat(64), 'the decoded first bytes are kept');
  });
});

describe('collector handler memory', () => {
  /**
   * With a slow Pub/Sub every request in flight waits for its publish at once; what it keeps in
   * memory meanwhile is what the instance's peak memory grows with. Only the answer should wait:
   * not the body, the parsed events or the rows.
   */
  test("while the sink has not answered, a request's body and rows are not kept in memory", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    let hold = false;
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const rows = new Set<WeakRef<object>>();
    const sink: EventSink = {
      publish(batch) {
        for (const row of [...batch.valid, ...batch.invalid]) rows.add(new WeakRef(row));
        return hold ? held : Promise.resolve();
      },
      close: async () => {},
    };
    const config = resolveConfig({ document: {}, source: 'test', env: {} });
    const collector = createCollector({ config, validation: engine(), sink, adapters: [echoAdapter] });
    const statuses: number[] = [];
    // Built in a function of its own, so that this test keeps no reference to the request.
    const send = (bodies: Set<WeakRef<Buffer>>): Promise<void> => {
      const body = Buffer.from(
        JSON.stringify([
          { schema: THING, data: { n: 1 } },
          { schema: THING, data: { n: 'two' } },
        ]),
      );
      bodies.add(new WeakRef(body));
      const request = {
        method: 'POST',
        url: '/echo',
        headers: { 'content-type': 'application/json' },
        rawBody: body,
        socket: { remoteAddress: '127.0.0.1' },
        readableEnded: true,
      };
      const response = {
        headersSent: false,
        writeHead: (status: number) => statuses.push(status),
        end() {},
        setHeader() {},
      };
      return collector.handle(request as never, response as never);
    };
    // Warm: the schema compiles on the first request (that one may wait for it with its body).
    await send(new Set());
    rows.clear();
    hold = true;
    const bodies = new Set<WeakRef<Buffer>>();
    const answers = Array.from({ length: 5 }, () => send(bodies));
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.equal(rows.size, 10, 'the sink saw every row');
    assert.equal(
      [...bodies].filter((ref) => ref.deref() !== undefined).length,
      0,
      'request bodies kept while the sink is pending',
    );
    assert.equal([...rows].filter((ref) => ref.deref() !== undefined).length, 0, 'rows kept while the sink is pending');
    release();
    await Promise.all(answers);
    assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200]);
  });
});
