import assert from 'node:assert/strict';
import { once } from 'node:events';
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { chromiumSkipReason, launchChromium } from '../support/headless-chromium.ts';
import { type LocalServer, startLocalServer } from '../support/npm-start.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * Segment's browser library, @segment/analytics-next, unmodified, in headless Chromium against
 * `npm start`. The page is served from another port (another origin, so CORS is exercised), and
 * the library is pointed at Sluice with `cdnURL` only: it loads its settings from Sluice's
 * GET /v1/projects/<writeKey>/settings, which names Sluice as its API host. Every request off
 * 127.0.0.1 is aborted and the test fails if there was one.
 *
 * What the library sends is its own code (node_modules/@segment/analytics-next/dist/pkg/plugins/
 * segmentio): one call per request to <apiHost>/<t|p|i|g|a|s> with Content-Type text/plain,
 * Authorization: Basic <writeKey:>; in batching mode POST <apiHost>/b; 5xx answers retried with
 * backoff from its queue.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const WRITE_KEY = 'browser-key';
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';

type Row = Record<string, unknown>;

/** What the page holds, as the evaluated functions below see it (they run in the browser). */
type Call = (...args: unknown[]) => Promise<unknown>;
type Calls = Record<'track' | 'page' | 'screen' | 'identify' | 'group' | 'alias', Call>;
interface PageGlobals {
  AnalyticsBrowser: { load(...args: unknown[]): Promise<[Calls, unknown]> };
  analytics: Calls;
}

/** The library as a browser script: esbuild bundles the npm package as a site's build would. */
async function bundleAnalyticsNext(): Promise<string> {
  const result = await build({
    stdin: {
      contents:
        "import { AnalyticsBrowser } from '@segment/analytics-next'; window.AnalyticsBrowser = AnalyticsBrowser;",
      resolveDir: ROOT,
      loader: 'js',
    },
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

async function servePage(script: string): Promise<{ base: string; server: Server }> {
  const server = createServer((request, response) => {
    if (request.url === '/analytics.js') {
      response.writeHead(200, { 'content-type': 'text/javascript' }).end(script);
    } else {
      response
        .writeHead(200, { 'content-type': 'text/html' })
        .end('<!doctype html><title>Shop home</title><script src="/analytics.js"></script><p>shop</p>');
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** The stored rows once there are `count` (or what there is after 20 s: callers assert on them). */
async function rowsUntil(server: LocalServer, kind: 'valid' | 'invalid', count: number): Promise<Row[]> {
  let rows: Row[] = [];
  const enough = async () => {
    rows = (await (await fetch(`http://127.0.0.1:${server.port}/local/${kind}`)).json()) as Row[];
    return rows.length >= count;
  };
  await waitFor(enough, { timeoutMs: 20_000, intervalMs: 100 }).catch(() => {});
  return rows;
}

test('@segment/analytics-next in headless Chromium: every call type, a plan, a retry after 503, batching', {
  timeout: 120_000,
  skip: chromiumSkipReason(),
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-segment-browser-'));
  // The local sink cannot append valid rows while this is a directory: the collector answers 503.
  const blocker = join(dir, 'valid.ndjson');
  await mkdir(blocker);
  const sluice = await startLocalServer(
    {
      SLUICE_LOCAL_DIR: dir,
      SLUICE_SEGMENT_WRITE_KEYS: WRITE_KEY,
      SLUICE_SEGMENT_TRACKING_PLAN_TRACK: JSON.stringify({ 'Order Completed': CHECKOUT }),
    },
    'See it:',
  );
  const page = await servePage(await bundleAnalyticsNext());
  const browser = await launchChromium();
  try {
    const tab = await browser.context.newPage();
    const statuses: Array<[string, number]> = [];
    tab.on('response', (response) => {
      const path = new URL(response.url()).pathname;
      if (!path.startsWith('/v1/')) return;
      statuses.push([path, response.status()]);
      if (response.status() === 503) void rmdir(blocker).catch(() => undefined);
    });
    await tab.goto(`${page.base}/`);
    const cdnURL = `http://127.0.0.1:${sluice.port}`;
    await tab.evaluate(
      async ({ writeKey, cdnURL }) => {
        const w = globalThis as unknown as PageGlobals;
        const [analytics] = await w.AnalyticsBrowser.load({ writeKey, cdnURL });
        w.analytics = analytics;
      },
      { writeKey: WRITE_KEY, cdnURL },
    );

    // The first call meets a 503; the library retries it once the sink is back.
    await tab.evaluate(() => (globalThis as unknown as PageGlobals).analytics.track('Retried', { n: 1 }));
    const retried = await rowsUntil(sluice, 'valid', 1);
    assert.deepEqual(
      retried.map((row) => row.event_name),
      ['Retried'],
    );
    assert.deepEqual(statuses.slice(0, 2), [
      ['/v1/projects/browser-key/settings', 200],
      ['/v1/t', 503],
    ]);
    // The row can be read before the browser reports the 200 that answered it.
    await waitFor(() => statuses.at(-1)?.[1] === 200, { what: `the browser to see the 200 (so far ${statuses})` });
    assert.deepEqual(statuses.at(-1), ['/v1/t', 200]);

    await tab.evaluate(async () => {
      const analytics = (globalThis as unknown as PageGlobals).analytics;
      await analytics.track('Order Completed', { order_id: 'B-1', total: 12.5, currency: 'EUR' });
      await analytics.track('Order Completed', { order_id: 'B-2' });
      await analytics.track('Product Viewed', { sku: 'S-9' });
      await analytics.page('Shop', 'Home');
      await analytics.screen('App', 'Cart', { items: 1 });
      await analytics.identify('user-7', { email: 'u7@example.com' });
      await analytics.group('group-3', { name: 'Acme' });
      await analytics.alias('user-7-new', 'user-7');
    });
    const valid = await rowsUntil(sluice, 'valid', 8);
    const invalid = await rowsUntil(sluice, 'invalid', 1);
    assert.deepEqual(
      valid.map((row) => [row.event_name, row.schema]),
      [
        ['Retried', 'iglu:dev.sluice/segment_track/jsonschema/1-0-0'],
        ['Order Completed', CHECKOUT],
        ['Product Viewed', 'iglu:dev.sluice/segment_track/jsonschema/1-0-0'],
        ['page', 'iglu:dev.sluice/segment_page/jsonschema/1-0-0'],
        ['screen', 'iglu:dev.sluice/segment_screen/jsonschema/1-0-0'],
        ['identify', 'iglu:dev.sluice/segment_identify/jsonschema/1-0-0'],
        ['group', 'iglu:dev.sluice/segment_group/jsonschema/1-0-0'],
        ['alias', 'iglu:dev.sluice/segment_alias/jsonschema/1-0-0'],
      ],
    );
    assert.deepEqual(
      invalid.map((row) => [row.event_name, row.error_type, row.schema]),
      [['Order Completed', 'validation_failed', CHECKOUT]],
    );
    const home = valid.find((row) => row.event_name === 'page') as Row;
    assert.equal(home.page_url, `${page.base}/`);
    assert.equal(home.page_title, 'Shop home');
    assert.match(String(home.useragent), /Chrome/);
    assert.equal(home.user_ipaddress, '127.0.0.1');
    assert.ok(typeof home.domain_userid === 'string' && home.domain_userid.length > 0, 'anonymousId kept');
    assert.equal((valid.find((row) => row.event_name === 'identify') as Row).user_id, 'user-7');
    // alias's data is the two ids as the library sent them (it fills userId itself).
    const alias = valid.find((row) => row.event_name === 'alias') as Row;
    const aliasSource = alias.source as Row;
    assert.equal(aliasSource.previousId, 'user-7');
    assert.deepEqual(alias.payload, { previousId: aliasSource.previousId, userId: aliasSource.userId });
    for (const row of valid) {
      assert.equal(row.protocol, 'segment');
      assert.ok(!JSON.stringify(row.source).includes(WRITE_KEY), 'the write key is not stored');
    }
    const paths = new Set(statuses.map(([path]) => path));
    for (const path of ['/v1/t', '/v1/p', '/v1/s', '/v1/i', '/v1/g', '/v1/a']) assert.ok(paths.has(path), path);

    // Batching mode: the calls go together to /v1/b.
    const batchTab = await browser.context.newPage();
    const batchPaths: string[] = [];
    batchTab.on('request', (request) => {
      if (request.method() === 'POST') batchPaths.push(new URL(request.url()).pathname);
    });
    await batchTab.goto(`${page.base}/`);
    await batchTab.evaluate(
      async ({ writeKey, cdnURL }) => {
        const w = globalThis as unknown as PageGlobals;
        const [analytics] = await w.AnalyticsBrowser.load(
          { writeKey, cdnURL },
          {
            integrations: {
              'Segment.io': { deliveryStrategy: { strategy: 'batching', config: { size: 4, timeout: 200 } } },
            },
          },
        );
        await Promise.all([1, 2, 3, 4].map((n) => analytics.track('Batched', { n })));
      },
      { writeKey: WRITE_KEY, cdnURL },
    );
    const all = await rowsUntil(sluice, 'valid', 12);
    assert.deepEqual(
      all
        .filter((row) => row.event_name === 'Batched')
        .map((row) => (row.payload as { n: number }).n)
        .sort(),
      [1, 2, 3, 4],
    );
    assert.deepEqual(batchPaths, ['/v1/b']);
    assert.deepEqual(browser.escaped, [], 'nothing left 127.0.0.1');
  } finally {
    await browser.close();
    page.server.close();
    await sluice.stop();
    await rm(dir, { recursive: true, force: true });
  }
});
