import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildPageView, buildSelfDescribingEvent, buildStructEvent, newTracker } from '@snowplow/node-tracker';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import { createCollectorFromConfig } from '../../functions/app/collector-instance.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import { serveCollector } from '../support/framework-server.ts';

/**
 * The "new user" path of the README: the collector in local mode (shipped schemas, local sink),
 * unmodified real clients pointed at it, and every event visible at /local/valid or /local/invalid.
 */
const SCHEMAS = pathToFileURL(new URL('../../schemas', import.meta.url).pathname).href;
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';

describe('local mode with real clients', () => {
  let dir = '';
  let base = '';
  let close: () => Promise<void>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-'));
    const config = resolveConfig({ document: { registries: [SCHEMAS], local: { dir } }, source: 'test', env: {} });
    ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
  });
  after(async () => {
    await close();
    await rm(dir, { recursive: true, force: true });
  });

  async function rows(): Promise<{ valid: ValidRow[]; invalid: InvalidRow[] }> {
    const valid = (await (await fetch(`${base}/local/valid?limit=100000`)).json()) as ValidRow[];
    const invalid = (await (await fetch(`${base}/local/invalid?limit=100000`)).json()) as InvalidRow[];
    for (const row of valid) assert.deepEqual(rowProblems('valid', row), []);
    for (const row of invalid) assert.deepEqual(rowProblems('invalid', row), []);
    return { valid, invalid };
  }

  for (const eventMethod of ['post', 'get'] as const) {
    test(`the Snowplow node tracker (${eventMethod.toUpperCase()}) lands page views, structured and self-describing events`, async () => {
      await fetch(`${base}/local/reset`, { method: 'POST' });
      const failures: unknown[] = [];
      const tracker = newTracker(
        { namespace: `e2e-${eventMethod}`, appId: 'shop' },
        {
          endpoint: base,
          eventMethod,
          bufferSize: 1,
          onRequestFailure: (failure: unknown) => failures.push(failure),
        },
      );
      tracker.track(
        buildPageView({ pageUrl: 'https://shop.example/cart', pageTitle: 'Cart', referrer: 'https://search.example/' }),
      );
      tracker.track(buildStructEvent({ category: 'cart', action: 'add', label: 'sku-1', value: 2 }));
      tracker.track(
        buildSelfDescribingEvent({
          event: { schema: CHECKOUT, data: { order_id: 'A-1', total: 30, currency: 'EUR' } },
        }),
        [
          {
            schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
            data: { order_id: 'ctx', total: 1, currency: 'USD' },
          },
        ],
      );
      tracker.track(
        buildSelfDescribingEvent({
          event: { schema: CHECKOUT, data: { order_id: 'A-2', total: -1, currency: 'euro' } },
        }),
      );
      tracker.track(
        buildSelfDescribingEvent({ event: { schema: 'iglu:com.example/unknown/jsonschema/1-0-0', data: {} } }),
      );
      await tracker.flush();
      assert.deepEqual(failures, []);

      const { valid, invalid } = await rows();
      assert.deepEqual(valid.map((row) => row.event_name).sort(), ['checkout', 'page_view', 'struct']);
      const pageView = valid.find((row) => row.event_name === 'page_view');
      assert.equal(pageView?.page_url, 'https://shop.example/cart');
      assert.equal(pageView?.page_title, 'Cart');
      assert.equal(pageView?.app_id, 'shop');
      assert.equal(pageView?.protocol, 'snowplow');
      assert.match(pageView?.event_id ?? '', /^[0-9a-f-]{36}$/);
      const checkout = valid.find((row) => row.event_name === 'checkout');
      assert.deepEqual(checkout?.payload, { order_id: 'A-1', total: 30, currency: 'EUR' });
      assert.equal((checkout?.contexts as unknown[]).length, 1);
      assert.deepEqual(invalid.map((row) => row.error_type).sort(), ['schema_not_found', 'validation_failed']);
      const failed = invalid.find((row) => row.error_type === 'validation_failed');
      // Every problem of a small failed event is listed (validation.all_errors_max_bytes), not just the first.
      assert.deepEqual(failed?.errors, [
        { schema: CHECKOUT, path: '$.total', keyword: 'minimum', message: 'must be >= 0' },
        { schema: CHECKOUT, path: '$.currency', keyword: 'pattern', message: 'must match pattern "^[A-Z]{3}$"' },
      ]);
      assert.deepEqual(failed?.payload, { order_id: 'A-2', total: -1, currency: 'euro' });
    });
  }

  for (const mode of [Mode.BINARY, Mode.STRUCTURED] as const) {
    test(`the CloudEvents SDK emitter (${mode}) lands events with id, time and source kept`, async () => {
      await fetch(`${base}/local/reset`, { method: 'POST' });
      const emit = emitterFor(httpTransport(`${base}/cloudevents`), { mode });
      const event = new CloudEvent({
        id: `ce-${mode}`,
        type: 'com.example.checkout.completed',
        source: '/shop/checkout',
        subject: 'order/A-3',
        time: '2026-11-26T04:15:27.123Z',
        dataschema: CHECKOUT,
        datacontenttype: 'application/json',
        data: { order_id: 'A-3', total: 12.5, currency: 'GBP' },
        tenant: 'acme',
      });
      await emit(event);
      await emit(
        new CloudEvent({
          type: 'com.example.checkout.completed',
          source: '/shop',
          dataschema: CHECKOUT,
          data: { total: 'lots' },
        }),
      );
      const { valid, invalid } = await rows();
      assert.equal(valid.length, 1);
      assert.equal(valid[0]?.event_id, `ce-${mode}`);
      assert.equal(valid[0]?.event_tstamp, '2026-11-26T04:15:27.123Z');
      assert.equal(valid[0]?.protocol, 'cloudevents');
      assert.deepEqual(valid[0]?.payload, { order_id: 'A-3', total: 12.5, currency: 'GBP' });
      const source = valid[0]?.source as Record<string, unknown>;
      assert.equal(source.source, '/shop/checkout');
      assert.equal(source.type, 'com.example.checkout.completed');
      assert.equal(source.subject, 'order/A-3');
      assert.equal(source.tenant, 'acme');
      assert.equal(invalid.length, 1);
      assert.equal(invalid[0]?.error_type, 'validation_failed');
    });
  }
});

describe('local mode: CloudEvents from producers that name their events by type or by an https:// dataschema', () => {
  let dir = '';
  let base = '';
  let close: () => Promise<void>;
  // Stands for the producer's schema host: the collector must never ask it for anything.
  const schemaHost = createServer((_request, response) => {
    hits++;
    response.writeHead(200, { 'content-type': 'application/schema+json' }).end('{"type":"object"}');
  });
  let hits = 0;
  let schemaBase = '';

  before(async () => {
    schemaHost.listen(0, '127.0.0.1');
    await once(schemaHost, 'listening');
    schemaBase = `http://127.0.0.1:${(schemaHost.address() as AddressInfo).port}`;
    dir = await mkdtemp(join(tmpdir(), 'sluice-e2e-ce-'));
    const config = resolveConfig({
      document: {
        registries: [SCHEMAS],
        local: { dir },
        cloudevents: {
          type_schemas: { 'com.example.checkout.*': CHECKOUT },
          dataschema_schemas: { [`${schemaBase}/checkout.json`]: CHECKOUT },
        },
      },
      source: 'test',
      env: {},
    });
    ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
  });
  after(async () => {
    await close();
    schemaHost.close();
    await rm(dir, { recursive: true, force: true });
  });

  for (const mode of [Mode.BINARY, Mode.STRUCTURED] as const) {
    test(`the CloudEvents SDK emitter (${mode}): mapped by type or dataschema, the rest schema_not_found; no dataschema URL is fetched`, async () => {
      await fetch(`${base}/local/reset`, { method: 'POST' });
      const emit = emitterFor(httpTransport(`${base}/cloudevents`), { mode });
      const data = { order_id: 'A-4', total: 3, currency: 'EUR' };
      await emit(new CloudEvent({ id: 'by-type', type: 'com.example.checkout.completed', source: '/shop', data }));
      await emit(
        new CloudEvent({
          id: 'by-url',
          type: 'order.done',
          source: '/shop',
          dataschema: `${schemaBase}/checkout.json`,
          data,
        }),
      );
      await emit(
        new CloudEvent({
          id: 'unmapped',
          type: 'order.done',
          source: '/shop',
          dataschema: `${schemaBase}/other.json`,
          data,
        }),
      );
      const valid = (await (await fetch(`${base}/local/valid`)).json()) as ValidRow[];
      const invalid = (await (await fetch(`${base}/local/invalid`)).json()) as InvalidRow[];
      assert.deepEqual(valid.map((row) => [row.event_id, row.schema]).sort(), [
        ['by-type', CHECKOUT],
        ['by-url', CHECKOUT],
      ]);
      assert.deepEqual(
        invalid.map((row) => [row.event_id, row.error_type]),
        [['unmapped', 'schema_not_found']],
      );
      assert.equal(hits, 0, 'the collector fetched a dataschema URL');
    });
  }
});
