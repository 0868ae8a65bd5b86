/**
 * What the benchmark sends: one scenario per kind of traffic the issue names, each a cycle of
 * requests that every connection sends in turn. Bodies are what real clients send: the Snowplow
 * requests have the fields and the context entity a browser tracker adds (see
 * test/fixtures/snowplow/), with schemas from schemas/ and bench/schemas/.
 */

export interface BenchRequest {
  readonly method: 'GET' | 'POST';
  /** Path and query string. */
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Events in this request, and how many of them are valid. */
  readonly events: number;
  readonly validEvents: number;
}

export interface Scenario {
  /** Short id, used by --scenarios and in the table. */
  readonly id: string;
  readonly title: string;
  /** One event per request: the single-event latency target applies. */
  readonly singleEvent: boolean;
  readonly requests: readonly BenchRequest[];
}

export const TP2_PATH = '/com.snowplowanalytics.snowplow/tp2';
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const PAGE_CONTEXT = 'iglu:com.example.bench/page_context/jsonschema/1-0-0';
const CONTEXTS = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1';
const UNSTRUCT = 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0';
const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
/**
 * What Google's front end adds to every request a deployed function gets: the client's address
 * (one MaxMind's test City database knows, so that the geo enrichment finds a record).
 */
const FORWARDED_FOR = '81.2.69.142';
const JSON_HEADERS = {
  'content-type': 'application/json; charset=UTF-8',
  'user-agent': USER_AGENT,
  origin: 'https://shop.example.com',
  'x-forwarded-for': FORWARDED_FOR,
};

const pageContext = {
  schema: PAGE_CONTEXT,
  data: {
    id: '6e5b7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
    category: 'products',
    logged_in: true,
    ab_tests: ['new-checkout'],
  },
};

function uuid(n: number): string {
  return `a1b2c3d4-0000-4000-8000-${String(n).padStart(12, '0')}`;
}

/** The parameters a browser tracker sends with every event (see test/fixtures/snowplow/browser-*.json). */
function trackerFields(n: number): Record<string, string> {
  return {
    eid: uuid(n),
    tv: 'js-4.10.1',
    tna: 'sp',
    aid: 'shop',
    p: 'web',
    cookie: '1',
    cs: 'UTF-8',
    lang: 'fr-FR',
    res: '1920x1080',
    cd: '24',
    tz: 'Europe/Paris',
    dtm: String(1768467600000 + n),
    stm: String(1768467600500 + n),
    vp: '1280x720',
    ds: '1280x3400',
    vid: '3',
    sid: 'a1b2c3d4-0000-4000-8000-000000000003',
    duid: 'a1b2c3d4-0000-4000-8000-000000000001',
    uid: 'user-42',
    url: 'https://shop.example.com/products/7?ref=mail',
    page: 'Product 7 – Shop',
    refr: 'https://www.google.com/',
    co: JSON.stringify({ schema: CONTEXTS, data: [pageContext] }),
  };
}

type TrackerEvent = Record<string, string>;

/** The event types a shop's tracker sends, in proportion: views, pings, a click, a checkout. */
function trackerEvent(n: number, valid = true): TrackerEvent {
  const common = trackerFields(n);
  switch (n % 5) {
    case 0:
    case 1:
      return { e: 'pv', ...common };
    case 2:
      return { e: 'pp', pp_mix: '0', pp_max: '10', pp_miy: '150', pp_may: valid ? '900' : 'lots', ...common };
    case 3:
      return { e: 'se', se_ca: 'checkout', se_ac: 'add-to-basket', se_la: 'sku-7', se_va: '2.5', ...common };
    default:
      return {
        e: 'ue',
        ue_pr: JSON.stringify({
          schema: UNSTRUCT,
          data: { schema: CHECKOUT, data: { order_id: `A-${n}`, total: valid ? 30 : -1, currency: 'EUR', items: 2 } },
        }),
        ...common,
      };
  }
}

function tp2(events: readonly TrackerEvent[], validEvents: number): BenchRequest {
  return {
    method: 'POST',
    path: TP2_PATH,
    headers: JSON_HEADERS,
    body: JSON.stringify({ schema: PAYLOAD_DATA, data: events }),
    events: events.length,
    validEvents,
  };
}

function pixel(n: number): BenchRequest {
  const { co, ...fields } = trackerFields(n);
  const query = new URLSearchParams({ e: 'pv', ...fields, cx: Buffer.from(co as string).toString('base64url') });
  return {
    method: 'GET',
    path: `/i?${query}`,
    headers: {
      'user-agent': USER_AGENT,
      cookie: 'sp=6c0fb509-6592-43d2-9608-77e72d15fd03',
      'x-forwarded-for': FORWARDED_FOR,
    },
    events: 1,
    validEvents: 1,
  };
}

function checkout(n: number, valid = true) {
  return { order_id: `A-${n}`, total: valid ? 30 : 'thirty', currency: 'EUR', items: 2 };
}

function cloudEvent(n: number, valid = true): BenchRequest {
  const event = {
    specversion: '1.0',
    id: uuid(n),
    source: '/shop/checkout',
    type: 'com.example.checkout',
    time: '2026-01-15T09:00:00.000Z',
    dataschema: CHECKOUT,
    datacontenttype: 'application/json',
    data: checkout(n, valid),
  };
  return {
    method: 'POST',
    path: '/cloudevents',
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(event),
    events: 1,
    validEvents: valid ? 1 : 0,
  };
}

function selfDescribing(count: number, invalid: ReadonlySet<number> = new Set()): BenchRequest {
  const events = Array.from({ length: count }, (_, i) => ({
    schema: CHECKOUT,
    data: checkout(i, !invalid.has(i)),
    contexts: [pageContext],
  }));
  return {
    method: 'POST',
    path: '/self-describing',
    headers: JSON_HEADERS,
    body: JSON.stringify(events),
    events: count,
    validEvents: count - invalid.size,
  };
}

/**
 * The tracking plan of the collectors under test: the Segment scenario's track calls are validated
 * against the same checkout schema as the self-describing batch, so the two compare.
 */
export const BENCH_SEGMENT_TRACKING_PLAN: Readonly<Record<string, string>> = { 'Order Completed': CHECKOUT };

/** A batch as @segment/analytics-node sends it (its publisher.js): Basic auth, batch-level sentAt. */
function segmentBatch(count: number): BenchRequest {
  const batch = Array.from({ length: count }, (_, i) => ({
    type: 'track',
    event: 'Order Completed',
    userId: 'user-42',
    properties: checkout(i),
    messageId: `node-next-1768467600000-${uuid(i)}`,
    timestamp: new Date(1768467600000 + i).toISOString(),
    context: { library: { name: '@segment/analytics-node', version: '3.1.0' } },
    integrations: {},
    _metadata: { jsRuntime: 'node' },
  }));
  return {
    method: 'POST',
    path: '/v1/batch',
    headers: {
      'content-type': 'application/json',
      'user-agent': 'analytics-node-next/latest',
      authorization: `Basic ${Buffer.from('bench-write-key:').toString('base64')}`,
    },
    body: JSON.stringify({ batch, writeKey: 'bench-write-key', sentAt: new Date(1768467600500).toISOString() }),
    events: count,
    validEvents: count,
  };
}

function webhook(n: number): BenchRequest {
  return {
    method: 'POST',
    path: `/webhook/com.example/checkout/jsonschema/1-0-0`,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(checkout(n)),
    events: 1,
    validEvents: 1,
  };
}

const tenTrackerEvents = (invalid: ReadonlySet<number> = new Set()) =>
  Array.from({ length: 10 }, (_, i) => trackerEvent(i, !invalid.has(i)));

export const SCENARIOS: readonly Scenario[] = [
  { id: 'tp2-1', title: 'Snowplow POST tp2, 1 event', singleEvent: true, requests: [tp2([trackerEvent(0)], 1)] },
  { id: 'tp2-10', title: 'Snowplow POST tp2, 10 events', singleEvent: false, requests: [tp2(tenTrackerEvents(), 10)] },
  { id: 'pixel', title: 'Snowplow GET /i pixel', singleEvent: true, requests: [pixel(0)] },
  { id: 'ce', title: 'CloudEvents structured', singleEvent: true, requests: [cloudEvent(0)] },
  { id: 'sd-10', title: 'Self-describing batch of 10', singleEvent: false, requests: [selfDescribing(10)] },
  { id: 'segment-10', title: 'Segment batch of 10', singleEvent: false, requests: [segmentBatch(10)] },
  {
    id: 'mix',
    title: 'Mix, 20% invalid',
    singleEvent: false,
    // 25 events, 5 invalid: a tp2 batch and a self-describing batch with 2 invalid each, and one
    // of each single-event kind, one of them invalid.
    requests: [
      tp2(tenTrackerEvents(new Set([2, 4])), 8),
      pixel(1),
      selfDescribing(10, new Set([3, 7])),
      cloudEvent(2),
      webhook(3),
      tp2([trackerEvent(5)], 1),
      cloudEvent(4, false),
    ],
  },
];

/** Events and valid events per request, averaged over a scenario's cycle. */
export function eventsPerRequest(scenario: Scenario): { events: number; valid: number } {
  const n = scenario.requests.length;
  return {
    events: scenario.requests.reduce((sum, request) => sum + request.events, 0) / n,
    valid: scenario.requests.reduce((sum, request) => sum + request.validEvents, 0) / n,
  };
}
