import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import RudderAnalytics from '@rudderstack/rudder-sdk-node';
import { Analytics } from '@segment/analytics-node';
import { type LocalServer, startLocalServer } from '../support/npm-start.ts';

/**
 * Segment's own Node library, unmodified, against `npm start`: only its host is changed (and
 * RudderStack's, which speaks the same API). What it
 * sends and how it retries is its own code (node_modules/@segment/analytics-node, publisher.js):
 * one POST <host>/v1/batch per flush with the write key as HTTP Basic user; 5xx retried with
 * backoff up to maxRetries; 400 and 401 not retried.
 */
const WRITE_KEY = 'sluice-test-key';
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';

type Row = Record<string, unknown>;

async function rows(server: LocalServer, kind: 'valid' | 'invalid'): Promise<Row[]> {
  const response = await fetch(`http://127.0.0.1:${server.port}/local/${kind}`);
  return (await response.json()) as Row[];
}

function client(server: LocalServer, writeKey = WRITE_KEY) {
  const analytics = new Analytics({
    writeKey,
    host: `http://127.0.0.1:${server.port}`,
    flushAt: 50,
    flushInterval: 200,
    maxRetries: 3,
  });
  const requests: Array<{ url: string; body: string; headers: Record<string, string> }> = [];
  const statuses: number[] = [];
  analytics.on('http_request', (request) =>
    requests.push({ url: request.url, body: request.body, headers: request.headers as Record<string, string> }),
  );
  analytics.on('http_response', (response) => statuses.push(response.status));
  return { analytics, requests, statuses };
}

describe('@segment/analytics-node against npm start', { timeout: 60_000 }, () => {
  let dir: string;
  let server: LocalServer;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-segment-node-'));
    server = await startLocalServer(
      {
        SLUICE_LOCAL_DIR: dir,
        SLUICE_SEGMENT_WRITE_KEYS: WRITE_KEY,
        SLUICE_SEGMENT_APP_ID: 'shop-server',
        SLUICE_SEGMENT_TRACKING_PLAN_TRACK: JSON.stringify({ 'Order Completed': CHECKOUT }),
      },
      'See it:',
    );
  });
  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  test('track with and without a plan, identify, page, screen, group and alias: one batch, one row per call', async () => {
    await fetch(`http://127.0.0.1:${server.port}/local/reset`, { method: 'POST' });
    const { analytics, requests, statuses } = client(server);
    analytics.track({
      userId: 'u-1',
      event: 'Order Completed',
      properties: { order_id: 'A-1', total: 30, currency: 'EUR' },
      context: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0 (shop)' },
    });
    analytics.track({ userId: 'u-1', event: 'Order Completed', properties: { order_id: 'A-2', total: 'lots' } });
    analytics.track({ anonymousId: 'anon-1', event: 'Product Viewed', properties: { sku: 'S-1' } });
    analytics.identify({ userId: 'u-1', traits: { email: 'u1@example.com' } });
    analytics.page({ userId: 'u-1', name: 'Home', properties: { url: 'https://shop.example/', title: 'Home' } });
    analytics.screen({ userId: 'u-1', name: 'Cart', properties: { items: 2 } });
    analytics.group({ userId: 'u-1', groupId: 'g-1', traits: { name: 'Acme' } });
    analytics.alias({ userId: 'u-1', previousId: 'anon-1' });
    await analytics.closeAndFlush({ timeout: 20_000 });

    assert.equal(requests.length, 1, 'the library sent one batch');
    assert.equal(requests[0]?.url, `http://127.0.0.1:${server.port}/v1/batch`);
    assert.deepEqual(statuses, [200]);

    const valid = await rows(server, 'valid');
    const invalid = await rows(server, 'invalid');
    const sent = (JSON.parse(requests[0]?.body ?? '{}') as { batch: Row[] }).batch;
    assert.equal(valid.length + invalid.length, sent.length, 'one row per call');
    assert.deepEqual(
      valid.map((row) => [row.event_name, row.schema]),
      [
        ['Order Completed', CHECKOUT],
        ['Product Viewed', 'iglu:dev.sluice/segment_track/jsonschema/1-0-0'],
        ['identify', 'iglu:dev.sluice/segment_identify/jsonschema/1-0-0'],
        ['page', 'iglu:dev.sluice/segment_page/jsonschema/1-0-0'],
        ['screen', 'iglu:dev.sluice/segment_screen/jsonschema/1-0-0'],
        ['group', 'iglu:dev.sluice/segment_group/jsonschema/1-0-0'],
        ['alias', 'iglu:dev.sluice/segment_alias/jsonschema/1-0-0'],
      ],
    );
    for (const row of valid) assert.equal(row.protocol, 'segment');
    // The planned event failing its schema is invalid, with the reason and everything it carried.
    const failed = invalid.find((row) => row.event_name === 'Order Completed');
    assert.equal(failed?.error_type, 'validation_failed');
    assert.equal(failed?.schema, CHECKOUT);
    assert.deepEqual(failed?.payload, { order_id: 'A-2', total: 'lots' });

    const order = valid[0] as Row;
    const sentOrder = sent[0] as Row;
    assert.equal(order.event_id, sentOrder.messageId);
    assert.equal(order.user_id, 'u-1');
    assert.equal(order.user_ipaddress, '203.0.113.7');
    assert.equal(order.useragent, 'Mozilla/5.0 (shop)');
    assert.equal(order.app_id, 'shop-server');
    assert.equal((order.source as Row).type, 'track');
    assert.deepEqual((order.source as Row).context, sentOrder.context, 'the whole context is kept');
    // event_tstamp: the call's time, corrected by (received - sentAt): within the request's lifetime here.
    const skew = Date.parse(String(order.event_tstamp)) - Date.parse(String(sentOrder.timestamp));
    assert.ok(skew >= 0 && skew < 5000, `correction ${skew} ms`);
    const viewed = valid[1] as Row;
    assert.equal(viewed.domain_userid, 'anon-1', 'anonymousId is kept as domain_userid');
    const alias = valid.find((row) => row.event_name === 'alias');
    assert.deepEqual(alias?.payload, { previousId: 'anon-1', userId: 'u-1' });
    const page = valid.find((row) => row.event_name === 'page');
    assert.equal(page?.page_url, 'https://shop.example/');
    assert.equal(page?.page_title, 'Home');
  });

  test('batches as the library splits them: every call of every batch lands', async () => {
    await fetch(`http://127.0.0.1:${server.port}/local/reset`, { method: 'POST' });
    const analytics = new Analytics({
      writeKey: WRITE_KEY,
      host: `http://127.0.0.1:${server.port}`,
      flushAt: 10,
      flushInterval: 200,
    });
    const statuses: number[] = [];
    analytics.on('http_response', (response) => statuses.push(response.status));
    for (let index = 0; index < 35; index++) analytics.track({ userId: 'u-2', event: 'Tick', properties: { index } });
    await analytics.closeAndFlush({ timeout: 20_000 });
    assert.deepEqual(statuses, [200, 200, 200, 200]);
    const valid = await rows(server, 'valid');
    assert.deepEqual(
      valid.map((row) => (row.payload as { index: number }).index).sort((a, b) => a - b),
      Array.from({ length: 35 }, (_, index) => index),
    );
  });

  test('a wrong write key: 401, not retried, and one unauthorized row without the body', async () => {
    await fetch(`http://127.0.0.1:${server.port}/local/reset`, { method: 'POST' });
    const { analytics, statuses } = client(server, 'not-the-key');
    analytics.track({ userId: 'u-3', event: 'Secret Event', properties: { card: '4111' } });
    await analytics.closeAndFlush({ timeout: 20_000 });
    assert.deepEqual(statuses, [401]);
    assert.deepEqual(await rows(server, 'valid'), []);
    const [row, ...others] = await rows(server, 'invalid');
    assert.equal(others.length, 0);
    assert.equal(row?.error_type, 'unauthorized');
    assert.equal(row?.protocol, 'segment');
    assert.equal(row?.raw, null);
    assert.equal(row?.payload ?? null, null);
    assert.match(
      (row?.errors as Array<{ message: string }>)[0]?.message ?? '',
      /"not-…" is not in segment\.write_keys/,
    );
    assert.doesNotMatch(JSON.stringify(row), /4111|Secret Event/);
  });

  test("RudderStack's Node SDK: its gzipped batches to /v1/batch land, one row per call", async () => {
    await fetch(`http://127.0.0.1:${server.port}/local/reset`, { method: 'POST' });
    // @rudderstack/rudder-sdk-node (esm/index.js): POST <dataPlaneUrl>/v1/batch, HTTP Basic
    // write key, the body gzipped by default.
    const rudder = new RudderAnalytics(WRITE_KEY, {
      dataPlaneUrl: `http://127.0.0.1:${server.port}`,
      flushAt: 50,
      flushInterval: 60_000,
      logLevel: 'error',
    });
    rudder.track({
      userId: 'u-6',
      event: 'Order Completed',
      properties: { order_id: 'R-1', total: 9, currency: 'EUR' },
    });
    rudder.identify({ userId: 'u-6', traits: { plan: 'free' } });
    rudder.page({ userId: 'u-6', name: 'Home', properties: { url: 'https://shop.example/' } });
    rudder.alias({ userId: 'u-6', previousId: 'anon-6' });
    await rudder.flush();
    const valid = await rows(server, 'valid');
    assert.deepEqual(
      valid.map((row) => [row.event_name, row.schema]),
      [
        ['Order Completed', CHECKOUT],
        ['identify', 'iglu:dev.sluice/segment_identify/jsonschema/1-0-0'],
        ['page', 'iglu:dev.sluice/segment_page/jsonschema/1-0-0'],
        ['alias', 'iglu:dev.sluice/segment_alias/jsonschema/1-0-0'],
      ],
    );
    assert.deepEqual(await rows(server, 'invalid'), []);
    assert.equal(valid[0]?.user_id, 'u-6');
    assert.equal(typeof valid[0]?.event_id, 'string');
  });

  test('a gzip body, and the write key in the body instead of a header', async () => {
    await fetch(`http://127.0.0.1:${server.port}/local/reset`, { method: 'POST' });
    const body = gzipSync(
      JSON.stringify({ writeKey: WRITE_KEY, event: 'Zipped', userId: 'u-4', properties: { ok: true } }),
    );
    const response = await fetch(`http://127.0.0.1:${server.port}/v1/track`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { success: true });
    const [row] = await rows(server, 'valid');
    assert.equal(row?.event_name, 'Zipped');
    assert.deepEqual(row?.payload, { ok: true });
  });
});

test('@segment/analytics-node retries after a 503 and its events land once stored', { timeout: 60_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-segment-retry-'));
  // A directory where the local sink appends valid rows: every append fails (EISDIR, even as
  // root) until it is removed, so the collector answers 503 as it does when Pub/Sub is down.
  const blocker = join(dir, 'valid.ndjson');
  await mkdir(blocker);
  const server = await startLocalServer({ SLUICE_LOCAL_DIR: dir }, 'See it:');
  try {
    const { analytics, statuses } = client(server, 'any-key');
    const retryAfter: Array<string | undefined> = [];
    analytics.on('http_response', (response) => {
      retryAfter.push((response.headers as Record<string, string>)['retry-after']);
      if (response.status === 503) void rmdir(blocker).catch(() => undefined);
    });
    analytics.track({ userId: 'u-5', event: 'Retried', messageId: 'retry-1' });
    await analytics.closeAndFlush({ timeout: 30_000 });
    assert.equal(statuses[0], 503);
    assert.equal(retryAfter[0], '5');
    assert.equal(statuses.at(-1), 200);
    const valid = await rows(server, 'valid');
    assert.deepEqual(
      valid.map((row) => row.event_id),
      ['retry-1'],
    );
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
