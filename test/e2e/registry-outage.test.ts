import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, mock, test } from 'node:test';
import { type FakeGcs, startFakeGcs } from '../support/fake-gcs-server.ts';
import { serveCollector } from '../support/framework-server.ts';
import { igluSchema } from '../support/memory-registry.ts';
import { type RecordingSink, recordingCollector } from '../support/recording-sink.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The collector (real protocols, validation and cache, through the HTTP function) with its only
 * schema registry on GCS or on a static HTTP Iglu server, and that registry going down and coming
 * back. Built from configuration, as deployed: `registries: [gs://…]` or `[http://…]`.
 */
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const REFUND = 'iglu:com.example/refund/jsonschema/1-0-0';
const CHECKOUT_SCHEMA = readFileSync(
  new URL('../../schemas/com.example/checkout/jsonschema/1-0-0', import.meta.url),
  'utf8',
);
const REFUND_SCHEMA = JSON.stringify(
  igluSchema(REFUND, {
    type: 'object',
    properties: { order_id: { type: 'string' } },
    required: ['order_id'],
    additionalProperties: false,
  }),
);

interface Registry {
  readonly url: string;
  setDown(down: boolean): void;
  /** How many requests reached it, down or not. */
  requests(): number;
  close(): Promise<void>;
}

/** A static Iglu registry over HTTP; down, it resets every connection (the server is gone). */
async function startHttpRegistry(): Promise<Registry> {
  const schemas = new Map([
    ['/schemas/com.example/checkout/jsonschema/1-0-0', CHECKOUT_SCHEMA],
    ['/schemas/com.example/refund/jsonschema/1-0-0', REFUND_SCHEMA],
  ]);
  let down = false;
  let requests = 0;
  const server: Server = createServer((request, response) => {
    requests += 1;
    if (down) return void request.socket.destroy();
    const schema = schemas.get(request.url ?? '');
    response.writeHead(schema === undefined ? 404 : 200, { 'content-type': 'application/json' });
    response.end(schema ?? '{"error":"not found"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/schemas`,
    setDown: (value) => void (down = value),
    requests: () => requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function startGcsRegistry(): Promise<Registry> {
  const gcs: FakeGcs = await startFakeGcs({
    objects: {
      'schema-bucket/schemas/com.example/checkout/jsonschema/1-0-0': CHECKOUT_SCHEMA,
      'schema-bucket/schemas/com.example/refund/jsonschema/1-0-0': REFUND_SCHEMA,
    },
  });
  // The gs:// registry sends every request here when this is set (and asks for no credentials).
  process.env.STORAGE_EMULATOR_HOST = gcs.endpoint;
  return {
    url: 'gs://schema-bucket/schemas',
    setDown: (value) => gcs.setDown(value),
    requests: () => gcs.requests.length,
    close: () => gcs.close(),
  };
}

for (const [kind, start] of [
  ['GCS', startGcsRegistry],
  ['HTTP', startHttpRegistry],
] as const) {
  describe(`${kind} registry outage`, () => {
    let registry: Registry;
    let sink: RecordingSink;
    let base = '';
    let close: () => Promise<void>;

    before(async () => {
      // The schema cache's TTL is the subject: its clock (Date) is moved by the test, from now.
      mock.timers.enable({ apis: ['Date'], now: Date.now() });
      registry = await start();
      const built = recordingCollector({
        registries: [registry.url],
        registry: { timeout_ms: 1000 },
        // A short TTL, so that the test also sees a cached schema whose refresh fails.
        cache: { ttl_seconds: 1, error_ttl_seconds: 0 },
      });
      sink = built.sink;
      ({ base, close } = await serveCollector(built.collector));
    });
    after(async () => {
      mock.timers.reset();
      await close?.();
      await registry?.close();
    });

    const send = async (schema: string, data: Record<string, unknown>) => {
      sink.clear();
      const response = await fetch(`${base}/self-describing`, {
        method: 'POST',
        body: JSON.stringify({ schema, data }),
        headers: { 'content-type': 'application/json' },
      });
      return { status: response.status, valid: sink.valid, invalid: sink.invalid };
    };
    const checkout = { order_id: 'A-1', total: 30, currency: 'EUR' };

    test('cached schemas keep validating; uncached ones give registry_unavailable rows, never valid, never dropped; recovery is automatic', async () => {
      const warm = await send(CHECKOUT, checkout);
      assert.equal(warm.valid.length, 1, JSON.stringify(warm.invalid));

      registry.setDown(true);
      const cached = await send(CHECKOUT, checkout);
      assert.deepEqual([cached.status, cached.valid.length, cached.invalid.length], [200, 1, 0]);
      mock.timers.tick(1100); // past the TTL: the refresh fails, the last good copy keeps serving
      const asked = registry.requests();
      const stale = await send(CHECKOUT, checkout);
      assert.deepEqual([stale.status, stale.valid.length, stale.invalid.length], [200, 1, 0]);
      await waitFor(() => registry.requests() > asked, { what: 'the cache to try to refresh the expired schema' });
      assert.equal(
        (await send(CHECKOUT, { ...checkout, total: 'x' })).invalid[0]?.error_type,
        'validation_failed',
        'the stale copy still validates',
      );

      const uncached = await send(REFUND, { order_id: 'R-1' });
      assert.equal(uncached.status, 200, 'the event is kept, so the sender must not retry it');
      assert.equal(uncached.valid.length, 0);
      assert.equal(uncached.invalid.length, 1);
      const row = uncached.invalid[0];
      assert.equal(row?.error_type, 'registry_unavailable');
      assert.equal(row?.schema, REFUND);
      assert.deepEqual(row?.payload, { order_id: 'R-1' }, 'the event is kept whole for replay');
      assert.match(JSON.stringify(row?.errors), /unavailable/);

      registry.setDown(false);
      const recovered = await send(REFUND, { order_id: 'R-2' });
      assert.deepEqual(
        [recovered.status, recovered.valid.length, recovered.invalid.length],
        [200, 1, 0],
        JSON.stringify(recovered.invalid),
      );
      assert.equal((await send(CHECKOUT, checkout)).valid.length, 1);
    });
  });
}
