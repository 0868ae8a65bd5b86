import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import {
  buildEcommerceTransaction,
  buildEcommerceTransactionItem,
  buildPagePing,
  buildPageView,
  buildSelfDescribingEvent,
  buildStructEvent,
  newTracker,
  type PayloadBuilder,
  type SelfDescribingJson,
  type Timestamp,
} from '@snowplow/node-tracker';
import * as core from '@snowplow/tracker-core';
import type { InboundRequest } from '../../functions/core/protocols/protocol.ts';
import { inboundRequest } from './inbound-request.ts';
import { waitFor } from './wait-for.ts';

/**
 * Real Snowplow tracker requests, captured by pointing the trackers at a local HTTP server, so
 * that the Snowplow adapter is tested against what trackers send rather than what we believe
 * they send. Snapshots live in test/fixtures/snowplow/ for fast offline tests; regenerate them with
 *
 *     ./node_modules/.bin/node test/support/capture-snowplow.ts
 *
 * Two clients:
 * - `@snowplow/node-tracker` itself (ue_px / cx base64url, GET /i or a batched POST).
 * - the browser tracker's wire format. `@snowplow/browser-tracker` needs a DOM, so its request is
 *   built the way it builds it: tracker-core's `trackerCore` (base64 only for GET, as the browser
 *   tracker defaults to) with the payload pairs and per-event fields the browser tracker adds, sent
 *   by tracker-core's `newEmitter` — the very emitter the browser tracker sends with (one event per
 *   request, `payload_data` 1-0-4, `application/json; charset=UTF-8`, string values, `stm`).
 *   The browser-side values (screen, cookies, ids) are fixed stand-ins for what a browser reports.
 *
 * Every event is given a fixed device timestamp, so the only values that change between captures
 * are the generated event ids (`eid`), the send time (`stm`) and the `host` header's port.
 */
export interface CapturedRequest {
  readonly method: string;
  readonly path: string;
  /** The query string as sent, without `?`. */
  readonly query: string;
  /** Lower-case names; `host` is left out because it holds the capture server's random port. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export type TrackerMethod = 'get' | 'post';
export const FIXTURE_NAMES = ['node-tracker-get', 'node-tracker-post', 'browser-get', 'browser-post'] as const;
export type FixtureName = (typeof FIXTURE_NAMES)[number];

export interface CaptureFixture {
  readonly description: string;
  readonly client: string;
  readonly method: TrackerMethod;
  readonly requests: readonly CapturedRequest[];
}

/** The scenario every capture tracks, with values the tests assert on. */
export const SCENARIO = {
  appId: 'shop',
  namespace: 'sluice-test',
  /** 2026-01-15T09:00:00.000Z, then one second per event. */
  firstDeviceTime: 1768467600000,
  /** The true timestamp the node tracker sets on its struct event. */
  trueTime: 1768467500000,
  pageUrl: 'https://shop.example.com/products/7?ref=mail',
  pageTitle: 'Product 7 – Shop',
  referrer: 'https://www.google.com/',
  userId: 'user-42',
  domainUserId: 'a1b2c3d4-0000-4000-8000-000000000001',
  networkUserId: 'a1b2c3d4-0000-4000-8000-000000000002',
  sessionId: 'a1b2c3d4-0000-4000-8000-000000000003',
  sessionIndex: 3,
  pagePing: { minXOffset: 0, maxXOffset: 10, minYOffset: 150, maxYOffset: 900 },
  struct: { category: 'checkout', action: 'add-to-basket', label: 'sku-7', property: 'size:M', value: 2.5 },
  linkClick: {
    schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
    data: {
      targetUrl: 'https://shop.example.com/basket',
      elementId: 'basket-link',
      elementClasses: ['nav', 'primary'],
      elementContent: 'Basket ✓',
    },
  },
  webPage: {
    schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
    data: { id: '6e5b7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b' },
  },
  transaction: {
    orderId: 'order-1',
    total: 30.5,
    affiliation: 'web',
    tax: 2.5,
    shipping: 5,
    city: 'Lyon',
    state: 'ARA',
    country: 'FR',
    currency: 'EUR',
  },
  item: {
    orderId: 'order-1',
    sku: 'sku-7',
    name: 'T-shirt',
    category: 'apparel',
    price: 12.5,
    quantity: 2,
    currency: 'EUR',
  },
  /** What the stand-in browser reports. */
  browser: {
    res: '1920x1080',
    vp: '1280x720',
    ds: '1280x3400',
    cd: '24',
    lang: 'fr-FR',
    tz: 'Europe/Paris',
    cs: 'UTF-8',
    cookie: '1',
  },
} as const;

const FIXTURES_DIR = fileURLToPath(new URL('../fixtures/snowplow/', import.meta.url));
const CAPTURE_TIMEOUT_MS = 10_000;

export function fixturePath(name: FixtureName): string {
  return `${FIXTURES_DIR}${name}.json`;
}

export function readFixture(name: FixtureName): CaptureFixture {
  return JSON.parse(readFileSync(fixturePath(name), 'utf8')) as CaptureFixture;
}

/** Runs one capture by fixture name. */
export function capture(name: FixtureName): Promise<CaptureFixture> {
  switch (name) {
    case 'node-tracker-get':
      return captureNodeTracker('get');
    case 'node-tracker-post':
      return captureNodeTracker('post');
    case 'browser-get':
      return captureBrowserTracker('get');
    case 'browser-post':
      return captureBrowserTracker('post');
  }
}

/**
 * The node tracker: page view, page ping, structured event (with a true timestamp), link click
 * with a web_page context, transaction and item. GET sends one request per event; POST buffers
 * all six and sends them as one payload_data batch on flush.
 */
export async function captureNodeTracker(method: TrackerMethod): Promise<CaptureFixture> {
  const eventCount = 6;
  const requests = await withCaptureServer(eventCount, method === 'get' ? eventCount : 1, async (endpoint, arrived) => {
    const tracker = newTracker(
      { namespace: SCENARIO.namespace, appId: SCENARIO.appId },
      { endpoint, eventMethod: method, bufferSize: method === 'get' ? 1 : eventCount, retryFailedRequests: false },
    );
    tracker.setUserId(SCENARIO.userId);
    tracker.setDomainUserId(SCENARIO.domainUserId);
    tracker.setNetworkUserId(SCENARIO.networkUserId);
    tracker.setSessionId(SCENARIO.sessionId);
    tracker.setSessionIndex(SCENARIO.sessionIndex);
    const page = { pageUrl: SCENARIO.pageUrl, pageTitle: SCENARIO.pageTitle, referrer: SCENARIO.referrer };
    const at = (index: number): Timestamp => SCENARIO.firstDeviceTime + index * 1000;
    // GET sends each event as it is tracked, on its own request. Sent all at once they travel on
    // parallel connections and may arrive in any order; a server's events are seconds apart, each
    // sent before the next is tracked: wait for each, so the capture keeps the tracking order.
    let tracked = 0;
    const track = async (...args: Parameters<typeof tracker.track>): Promise<void> => {
      tracker.track(...args);
      tracked += 1;
      if (method === 'get') await arrived(tracked);
    };
    await track(buildPageView(page), [], at(0));
    await track(buildPagePing({ ...page, ...SCENARIO.pagePing }), [], at(1));
    await track(buildStructEvent(SCENARIO.struct), [], { type: 'ttm', value: SCENARIO.trueTime });
    await track(buildSelfDescribingEvent({ event: SCENARIO.linkClick }), [SCENARIO.webPage], at(3));
    await track(buildEcommerceTransaction(SCENARIO.transaction), [], at(4));
    await track(buildEcommerceTransactionItem(SCENARIO.item), [], at(5));
    await tracker.flush();
  });
  return {
    description: `Requests @snowplow/node-tracker ${packageVersion('@snowplow/node-tracker')} sent for the SCENARIO of test/support/capture-snowplow.ts (${method.toUpperCase()}). Regenerate: ./node_modules/.bin/node test/support/capture-snowplow.ts`,
    client: `@snowplow/node-tracker ${packageVersion('@snowplow/node-tracker')}`,
    method,
    requests,
  };
}

/**
 * The @snowplow/browser-tracker release whose wire format captureBrowserTracker reproduces (with
 * tracker-core of the same family). The package itself is not installed: it needs a DOM, so
 * nothing here can run it, and its version was all that was read from it.
 */
const BROWSER_TRACKER_VERSION = '4.10.1';

/**
 * The browser tracker's wire format (see the module comment): page view, page ping, structured
 * event and link click, each with the web_page context the browser tracker attaches by default.
 * The browser tracker v4 has no built-in ecommerce events (they moved to a plugin), so none here.
 */
export async function captureBrowserTracker(method: TrackerMethod): Promise<CaptureFixture> {
  const eventCount = 4;
  const browserVersion = BROWSER_TRACKER_VERSION;
  const requests = await withCaptureServer(eventCount, eventCount, async (endpoint) => {
    // The browser tracker's emitter settings: POST by default, one event per request.
    const emitter = core.newEmitter({
      endpoint,
      eventMethod: method,
      bufferSize: 1,
      credentials: 'include',
      retryFailedRequests: false,
    });
    const sent: Promise<void>[] = [];
    const tracker = core.trackerCore({
      // As browser-tracker-core: `encodeBase64 ?? eventMethod !== 'post'`.
      base64: method !== 'post',
      corePlugins: [{ beforeTrack: addBrowserFields }],
      callback: (payload: PayloadBuilder) => void sent.push(emitter.input(payload.build())),
    });
    tracker.setTrackerVersion(`js-${browserVersion}`);
    tracker.setTrackerNamespace(SCENARIO.namespace);
    tracker.setAppId(SCENARIO.appId);
    tracker.setPlatform('web');
    const { cookie, cs, lang, res, cd, tz } = SCENARIO.browser;
    for (const [name, value] of Object.entries({ cookie, cs, lang, res, cd, tz })) tracker.addPayloadPair(name, value);
    const webPage: SelfDescribingJson[] = [SCENARIO.webPage];
    const page = { pageUrl: SCENARIO.pageUrl, pageTitle: SCENARIO.pageTitle, referrer: SCENARIO.referrer };
    const at = (index: number): number => SCENARIO.firstDeviceTime + index * 1000;
    // A page's events are seconds apart, each sent before the next is tracked: wait for each.
    const track = async (event: PayloadBuilder, index: number): Promise<void> => {
      tracker.track(event, webPage, at(index));
      await Promise.all(sent.splice(0));
    };
    await track(core.buildPageView(page), 0);
    await track(core.buildPagePing({ ...page, ...SCENARIO.pagePing }), 1);
    await track(core.buildStructEvent(SCENARIO.struct), 2);
    await track(core.buildSelfDescribingEvent({ event: SCENARIO.linkClick }), 3);
    await emitter.flush();
  });
  return {
    description: `The wire format of @snowplow/browser-tracker ${browserVersion}, built with its tracker-core and sent by its emitter, for the SCENARIO of test/support/capture-snowplow.ts (${method.toUpperCase()}). Regenerate: ./node_modules/.bin/node test/support/capture-snowplow.ts`,
    client: `@snowplow/browser-tracker ${browserVersion} wire format (@snowplow/tracker-core ${core.version})`,
    method,
    requests,
  };
}

/** The per-event fields browser-tracker-core's browser data plugin adds (its beforeTrack). */
function addBrowserFields(payload: core.PayloadBuilder): void {
  payload.add('vp', SCENARIO.browser.vp);
  payload.add('ds', SCENARIO.browser.ds);
  payload.add('vid', SCENARIO.sessionIndex);
  payload.add('sid', SCENARIO.sessionId);
  payload.add('duid', SCENARIO.domainUserId);
  payload.add('uid', SCENARIO.userId);
  payload.add('refr', SCENARIO.referrer);
  payload.add('url', SCENARIO.pageUrl);
}

/** Parameters whose values differ on every capture: generated event ids and the send time. */
const VOLATILE_PARAMS = new Set(['eid', 'stm']);
const VARIES = '<varies per capture>';

/**
 * What the trackers decide about their requests — method, path, content type, every parameter
 * name in order with its value — with the per-capture values masked, so that a live capture can be
 * compared with its fixture. Headers Node's fetch adds itself (accept, user-agent, ...) are left
 * out: they change with the Node version, not with the tracker.
 */
export function comparableRequests(requests: readonly CapturedRequest[]): unknown[] {
  const mask = ([name, value]: [string, unknown]): [string, unknown] => [
    name,
    VOLATILE_PARAMS.has(name) ? VARIES : value,
  ];
  return requests.map((request) => {
    const body =
      request.body === '' ? null : (JSON.parse(request.body) as { schema: unknown; data: Record<string, unknown>[] });
    return {
      method: request.method,
      path: request.path,
      contentType: request.headers['content-type'] ?? null,
      query: [...new URLSearchParams(request.query)].map(mask),
      body:
        body === null ? null : { schema: body.schema, data: body.data.map((event) => Object.entries(event).map(mask)) },
    };
  });
}

/** A captured request as the collector's HTTP layer would hand it to the adapter. */
export function toInboundRequest(captured: CapturedRequest): InboundRequest {
  return inboundRequest({
    method: captured.method,
    path: captured.path,
    query: captured.query,
    headers: captured.headers,
    body: captured.body,
  });
}

/**
 * Starts a capture server on 127.0.0.1:0, runs `send` against its URL and returns the requests
 * once `expectedRequests` have arrived (the trackers' flush promises do not all wait for delivery).
 * `send` may wait with `arrived(n)` until n requests have come in, to send the next event only then.
 */
async function withCaptureServer(
  eventCount: number,
  expectedRequests: number,
  send: (endpoint: string, arrived: (count: number) => Promise<void>) => Promise<void>,
): Promise<CapturedRequest[]> {
  const requests: CapturedRequest[] = [];
  const server = createServer((request, response) => {
    void readRequest(request).then((captured) => {
      requests.push(captured);
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  const arrived = async (count: number): Promise<void> => {
    await waitFor(() => requests.length >= count, {
      timeoutMs: CAPTURE_TIMEOUT_MS,
      what: `${count} of ${expectedRequests} requests carrying ${eventCount} events (got ${requests.length})`,
    });
  };
  await listen(server);
  try {
    const { port } = server.address() as AddressInfo;
    await send(`http://127.0.0.1:${port}`, arrived);
    await arrived(expectedRequests);
    return requests;
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

async function readRequest(request: IncomingMessage): Promise<CapturedRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    if (name !== 'host' && value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: request.method ?? 'GET',
    path: queryStart === -1 ? url : url.slice(0, queryStart),
    query: queryStart === -1 ? '' : url.slice(queryStart + 1),
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

function listen(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
}

function packageVersion(name: string): string {
  const manifest = fileURLToPath(new URL(`../../node_modules/${name}/package.json`, import.meta.url));
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Writes every fixture from a fresh capture. */
export async function writeFixtures(): Promise<void> {
  mkdirSync(FIXTURES_DIR, { recursive: true });
  for (const name of FIXTURE_NAMES) {
    const fixture = await capture(name);
    writeFileSync(fixturePath(name), `${JSON.stringify(fixture, null, 2)}\n`);
    console.log(`${fixturePath(name)}: ${fixture.requests.length} request(s)`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeFixtures();
