import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createRegistry } from '../../../functions/adapters/registry/registry-from-url.ts';
import type { SnowplowConfig } from '../../../functions/core/config/config.ts';
import type { EventCandidate, ProtocolResult, Rejection } from '../../../functions/core/protocols/protocol.ts';
import { createSnowplowAdapter } from '../../../functions/core/protocols/snowplow.ts';
import { RegistryChain } from '../../../functions/core/registry/registry-chain.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import {
  type CaptureFixture,
  capture,
  comparableRequests,
  FIXTURE_NAMES,
  readFixture,
  SCENARIO,
  toInboundRequest,
} from '../../support/capture-snowplow.ts';
import { IGLU_CENTRAL_DIR } from '../../support/iglu-central.ts';
import { type InboundRequestInit, inboundRequest } from '../../support/inbound-request.ts';

const TP2 = '/com.snowplowanalytics.snowplow/tp2';
const CONFIG: SnowplowConfig = {
  post_paths: [TP2],
  redirect_enabled: true,
  redirect_allowed_domains: ['shop.example.com', '*.example.org'],
};
const adapter = createSnowplowAdapter(CONFIG);

const PAYLOAD_DATA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const UNSTRUCT = 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0';
const CONTEXTS = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1';
const LINK_CLICK = {
  schema: 'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
  data: { targetUrl: 'https://shop.example.com/x' },
};
const WEB_PAGE = {
  schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
  data: { id: '6e5b7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b' },
};
const ERROR_TYPES = new Set(['unparseable', 'protocol_violation', 'size_exceeded', 'unauthorized']);
/** The pixel Snowplow's own collector answers with. */
const SNOWPLOW_GIF = 'R0lGODlhAQABAPAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';

/** The shipped schemas, then Iglu Central: what a default deployment validates against. */
const { validator } = createValidationEngine({
  registry: new RegistryChain([
    createRegistry(new URL('../../../schemas/', import.meta.url).href),
    createRegistry(pathToFileURL(IGLU_CENTRAL_DIR).href),
  ]),
  ttlMs: 60_000,
  negativeTtlMs: 0,
  errorTtlMs: 0,
  maxEntries: 1000,
  allErrors: true,
  maxErrors: 20,
});

function handle(init: InboundRequestInit): ProtocolResult {
  const result = adapter.handle(inboundRequest(init));
  assert.equal(result.trackerFacing, true);
  return result;
}

function get(query: string | Record<string, string>): ProtocolResult {
  return handle({ path: '/i', query });
}

function post(body: unknown, query = ''): ProtocolResult {
  return handle({
    method: 'POST',
    path: TP2,
    query,
    body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
  });
}

function payload(...events: unknown[]): unknown {
  return { schema: PAYLOAD_DATA, data: events };
}

function onlyEvent(result: ProtocolResult): EventCandidate {
  assert.deepEqual(result.rejections, []);
  assert.equal(result.events.length, 1);
  return result.events[0]!;
}

function onlyRejection(result: ProtocolResult): Rejection {
  assert.deepEqual(result.events, []);
  assert.equal(result.rejections.length, 1);
  return result.rejections[0]!;
}

const base64url = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const ue = (event: unknown): string => JSON.stringify({ schema: UNSTRUCT, data: event });
const co = (...entities: unknown[]): string => JSON.stringify({ schema: CONTEXTS, data: entities });

/** Validates an event and its contexts as the collector will. */
async function assertValid(event: EventCandidate): Promise<void> {
  const outcome = await validator.validate(event.schema, event.data);
  assert.equal(outcome.valid, true, `${String(event.schema)}: ${JSON.stringify(outcome)}`);
  for (const entity of event.contexts ?? []) {
    const { schema, data } = entity as { schema: unknown; data: unknown };
    const contextOutcome = await validator.validate(schema, data);
    assert.equal(contextOutcome.valid, true, `context ${String(schema)}: ${JSON.stringify(contextOutcome)}`);
  }
}

function eventsOf(fixture: CaptureFixture): EventCandidate[] {
  return fixture.requests.flatMap((request) => {
    const result = adapter.handle(toInboundRequest(request));
    assert.deepEqual(result.rejections, [], `${fixture.client} ${request.method} ${request.path}`);
    return result.events;
  });
}

/** An event without what differs between two sends of the same event. */
function sameAcrossTransports(event: EventCandidate): unknown {
  const { eventId, source, ...rest } = event;
  assert.match(eventId ?? '', /^[0-9a-f-]{36}$/);
  const { stm, ...stable } = source as Record<string, string>;
  assert.match(stm ?? '', /^\d{13}$/);
  return { ...rest, source: stable };
}

describe('Snowplow adapter: routes', () => {
  const matches = (method: string, path: string, config: SnowplowConfig = CONFIG): boolean =>
    createSnowplowAdapter(config).matches(inboundRequest({ method, path }));

  test('GET and HEAD on the pixel paths /i and /ice.png', () => {
    for (const path of ['/i', '/ice.png']) {
      assert.equal(matches('GET', path), true, path);
      assert.equal(matches('HEAD', path), true, path);
      assert.equal(matches('POST', path), false, path);
    }
  });

  test('POST on every configured post path, and on nothing else', () => {
    const config = { ...CONFIG, post_paths: [TP2, '/custom/events'] };
    assert.equal(matches('POST', TP2, config), true);
    assert.equal(matches('POST', '/custom/events', config), true);
    assert.equal(matches('POST', '/custom/events', CONFIG), false);
    assert.equal(matches('GET', TP2), false);
    assert.equal(matches('POST', `${TP2}/`), false);
  });

  test('GET /r/tp2 only when redirects are enabled (else it is left to 404)', () => {
    assert.equal(matches('GET', '/r/tp2'), true);
    assert.equal(matches('GET', '/r/tp2', { ...CONFIG, redirect_enabled: false }), false);
    assert.equal(matches('POST', '/r/tp2'), false);
  });

  test('paths are exact and case-sensitive; OPTIONS is the HTTP layer’s (CORS)', () => {
    for (const path of ['/', '/I', '/i/', '/ice.gif', '/i.png', '/com.snowplowanalytics.snowplow/TP2']) {
      assert.equal(matches('GET', path), false, path);
      assert.equal(matches('POST', path), false, path);
    }
    assert.equal(matches('OPTIONS', '/i'), false);
    assert.equal(matches('OPTIONS', TP2), false);
  });

  test('handle on a request that does not match answers 404 instead of throwing', () => {
    const result = handle({ method: 'DELETE', path: '/i' });
    assert.equal(result.response.status, 404);
    assert.equal(onlyRejection(result).errorType, 'protocol_violation');
  });
});

describe('Snowplow adapter: responses', () => {
  test('a pixel request gets the 43-byte transparent GIF of Snowplow’s collector, uncached', () => {
    const result = get({ e: 'pv' });
    assert.equal(result.response.status, 200);
    assert.deepEqual(result.response.headers, {
      'content-type': 'image/gif',
      'cache-control': 'no-cache, no-store, must-revalidate',
    });
    assert.deepEqual(result.response.body, Buffer.from(SNOWPLOW_GIF, 'base64'));
    assert.equal((result.response.body as Buffer).length, 43);
    assert.equal((result.response.body as Buffer).subarray(0, 6).toString('latin1'), 'GIF89a');
  });

  test('HEAD is read like GET: same answer (the HTTP layer drops the body) and the event is recorded', () => {
    const result = handle({ method: 'HEAD', path: '/ice.png', query: 'e=pv&eid=0b1ee1f5-0b8f-4e35-8bfb-7a6c63d1b1a4' });
    assert.deepEqual(result.response, get({ e: 'pv' }).response);
    assert.deepEqual(
      result.events.map((event) => [event.eventName, event.eventId]),
      [['page_view', '0b1ee1f5-0b8f-4e35-8bfb-7a6c63d1b1a4']],
    );
  });

  test('a pixel request whose event is bad still gets the GIF: a retry would not fix it', () => {
    const result = get({ e: 'nonsense' });
    assert.equal(result.rejections.length, 1);
    assert.equal(result.response.status, 200);
    assert.deepEqual(result.response.body, Buffer.from(SNOWPLOW_GIF, 'base64'));
  });

  test('a POST gets 200 "ok" as text, whatever its events', () => {
    for (const result of [post(payload({ e: 'pv' })), post('not json')]) {
      assert.equal(result.response.status, 200);
      assert.equal(result.response.body, 'ok');
      assert.equal(result.response.headers?.['content-type'], 'text/plain; charset=utf-8');
    }
  });
});

describe('Snowplow adapter: requests captured from the real trackers', () => {
  for (const name of FIXTURE_NAMES) {
    test(`${name}: every event is read, with no rejection, and validates`, async () => {
      const fixture = readFixture(name);
      const events = eventsOf(fixture);
      const nodeTracker = name.startsWith('node');
      assert.deepEqual(
        events.map((event) => event.eventName ?? event.schema),
        nodeTracker
          ? ['page_view', 'page_ping', 'struct', SCENARIO.linkClick.schema, 'transaction', 'transaction_item']
          : ['page_view', 'page_ping', 'struct', SCENARIO.linkClick.schema],
      );
      for (const event of events) await assertValid(event);
    });
  }

  test('node tracker: the columns, timestamps, data and source of each event', () => {
    const [pageView, pagePing, struct, linkClick, transaction, item] = eventsOf(readFixture('node-tracker-get'));
    const fields = {
      app_id: 'shop',
      platform: 'srv',
      user_id: SCENARIO.userId,
      domain_userid: SCENARIO.domainUserId,
      network_userid: SCENARIO.networkUserId,
      session_id: SCENARIO.sessionId,
      session_index: 3,
    };
    const page = { page_url: SCENARIO.pageUrl, page_title: SCENARIO.pageTitle, page_referrer: SCENARIO.referrer };
    assert.deepEqual(sameAcrossTransports(pageView!), {
      schema: 'iglu:dev.sluice/page_view/jsonschema/1-0-0',
      data: {},
      eventName: 'page_view',
      eventTstamp: '2026-01-15T09:00:00.000Z',
      fields: { ...fields, ...page },
      source: { tv: 'node-4.8.0', tna: 'sluice-test' },
    });
    // tracker-core drops a 0 offset (`if (minXOffset && ...)`), so min_x never arrives for 0.
    assert.deepEqual(pagePing!.data, { max_x: 10, min_y: 150, max_y: 900 });
    assert.deepEqual(pagePing!.fields, { ...fields, ...page });
    assert.deepEqual(struct!.data, {
      category: 'checkout',
      action: 'add-to-basket',
      label: 'sku-7',
      property: 'size:M',
      value: 2.5,
    });
    assert.equal(struct!.eventTstamp, '2026-01-15T08:58:20.000Z', 'ttm, the true timestamp, is the event time');
    assert.deepEqual(linkClick!.data, SCENARIO.linkClick.data);
    assert.equal(linkClick!.eventName, undefined, 'a self-describing event is named after its schema by the collector');
    assert.deepEqual(linkClick!.contexts, [SCENARIO.webPage]);
    assert.deepEqual(transaction!.data, {
      order_id: 'order-1',
      affiliation: 'web',
      total: 30.5,
      tax: 2.5,
      shipping: 5,
      city: 'Lyon',
      state: 'ARA',
      country: 'FR',
      currency: 'EUR',
    });
    assert.deepEqual(item!.data, {
      order_id: 'order-1',
      sku: 'sku-7',
      name: 'T-shirt',
      category: 'apparel',
      price: 12.5,
      quantity: 2,
      currency: 'EUR',
    });
    assert.deepEqual([transaction!.eventName, item!.eventName], ['transaction', 'transaction_item']);
  });

  test('node tracker: the event id is the tracker’s eid', () => {
    const fixture = readFixture('node-tracker-get');
    const eid = new URLSearchParams(fixture.requests[0]!.query).get('eid');
    assert.equal(eventsOf(fixture)[0]!.eventId, eid);
  });

  test('browser format: browser fields without a column are kept in source', () => {
    const [pageView, , struct] = eventsOf(readFixture('browser-post'));
    const { stm, ...source } = pageView!.source as Record<string, string>;
    assert.match(stm!, /^\d{13}$/);
    assert.deepEqual(source, { tv: 'js-4.10.1', tna: 'sluice-test', ...SCENARIO.browser });
    assert.deepEqual(pageView!.contexts, [SCENARIO.webPage]);
    assert.deepEqual(struct!.fields, {
      app_id: 'shop',
      platform: 'web',
      user_id: SCENARIO.userId,
      domain_userid: SCENARIO.domainUserId,
      session_id: SCENARIO.sessionId,
      session_index: 3,
      page_url: SCENARIO.pageUrl,
      page_referrer: SCENARIO.referrer,
    });
  });

  test('the same events arrive whether sent by GET (base64) or POST (batched or JSON)', () => {
    const node = ['node-tracker-get', 'node-tracker-post'] as const;
    assert.deepEqual(
      ...(node.map((name) => eventsOf(readFixture(name)).map(sameAcrossTransports)) as [unknown, unknown]),
    );
    const browser = ['browser-get', 'browser-post'] as const;
    assert.deepEqual(
      ...(browser.map((name) => eventsOf(readFixture(name)).map(sameAcrossTransports)) as [unknown, unknown]),
    );
  });

  for (const name of FIXTURE_NAMES) {
    test(`${name}: a live capture still matches the fixture (else regenerate: node test/support/capture-snowplow.ts)`, async () => {
      const live = await capture(name);
      assert.deepEqual(comparableRequests(live.requests), comparableRequests(readFixture(name).requests));
      assert.equal(eventsOf(live).length, eventsOf(readFixture(name)).length);
    });
  }
});

describe('Snowplow adapter: self-describing events (e=ue)', () => {
  test('ue_pr: the event inside the unstruct_event wrapper, as JSON text', () => {
    const event = onlyEvent(get({ e: 'ue', ue_pr: ue(LINK_CLICK) }));
    assert.equal(event.schema, LINK_CLICK.schema);
    assert.deepEqual(event.data, LINK_CLICK.data);
    assert.equal(event.eventName, undefined);
    assert.equal(event.source, undefined, 'ue_pr and e are consumed');
  });

  test('ue_px: base64url unpadded or padded, and the standard alphabet', () => {
    // Chosen so that its base64 has both 62nd/63rd characters (+/ in standard, -_ in url-safe) and padding.
    const tricky = { schema: 'iglu:com.acme/tricky/jsonschema/1-0-0', data: { text: '>>>???~~~ÿ!' } };
    const json = ue(tricky);
    const standard = Buffer.from(json).toString('base64');
    assert.match(standard, /[+]/);
    assert.match(standard, /[/]/);
    assert.match(standard, /=$/);
    const variants = {
      unpadded: Buffer.from(json).toString('base64url'),
      padded: standard.replaceAll('+', '-').replaceAll('/', '_'),
      standard,
      standardUnpadded: standard.replace(/=+$/, ''),
    };
    for (const [variant, encoded] of Object.entries(variants)) {
      const event = onlyEvent(get({ e: 'ue', ue_px: encoded }));
      assert.deepEqual([event.schema, event.data], [tricky.schema, tricky.data], variant);
    }
  });

  test('ue_px: a + left unencoded in the query (read back as a space) still decodes', () => {
    const standard = Buffer.from(
      ue({ schema: 'iglu:com.acme/tricky/jsonschema/1-0-0', data: { text: '>>>???~~~ÿ!' } }),
    ).toString('base64');
    const event = onlyEvent(get(`e=ue&ue_px=${standard.replaceAll('/', '%2F').replaceAll('=', '%3D')}`));
    assert.equal(event.schema, 'iglu:com.acme/tricky/jsonschema/1-0-0');
  });

  test('ue_pr wins over ue_px when both are sent; the other stays in source', () => {
    const other = base64url({ schema: UNSTRUCT, data: WEB_PAGE });
    const event = onlyEvent(get({ e: 'ue', ue_pr: ue(LINK_CLICK), ue_px: other }));
    assert.equal(event.schema, LINK_CLICK.schema);
    assert.deepEqual(event.source, { ue_px: other });
  });

  test('undecodable or unparseable → unparseable, keeping the parameter as raw and the rest of the event', () => {
    const cases = {
      'ue_px with a character outside base64': ['ue_px', 'eyJ*abc'],
      'ue_px of impossible length': ['ue_px', 'eyJhY'],
      'ue_px with padding in the middle': ['ue_px', 'ab=cd'],
      'ue_px that is not UTF-8': ['ue_px', Buffer.from([0xff, 0xfe, 0xfd]).toString('base64url')],
      'ue_px that is not JSON': ['ue_px', Buffer.from('{not json').toString('base64url')],
      'ue_pr that is not JSON': ['ue_pr', '{"schema":'],
    } as const;
    for (const [label, [param, value]] of Object.entries(cases)) {
      const rejection = onlyRejection(
        get({ e: 'ue', [param]: value, eid: 'e-1', aid: 'shop', dtm: '1768467600000', tv: 'js-4.10.1' }),
      );
      assert.equal(rejection.errorType, 'unparseable', label);
      assert.equal(rejection.raw, value, label);
      assert.equal(rejection.issues[0]?.path, `$.${param}`, label);
      assert.match(rejection.issues[0]?.message ?? '', new RegExp(param), label);
      assert.equal(rejection.eventId, 'e-1', label);
      assert.equal(rejection.eventTstamp, '2026-01-15T09:00:00.000Z', label);
      assert.deepEqual(rejection.fields, { app_id: 'shop' }, label);
      assert.deepEqual(rejection.source, { tv: 'js-4.10.1' }, label);
    }
  });

  test('a wrapper of the wrong shape → protocol_violation naming the expected shape', () => {
    const cases: Record<string, unknown> = {
      'the bare event, unwrapped': LINK_CLICK,
      'another wrapper schema': {
        schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-1',
        data: LINK_CLICK,
      },
      'an array': [LINK_CLICK],
      'a string': 'link_click',
      'data that is not self-describing': { schema: UNSTRUCT, data: { targetUrl: 'x' } },
      'data with extra keys': { schema: UNSTRUCT, data: { ...LINK_CLICK, extra: 1 } },
      'a wrapper with extra keys': { schema: UNSTRUCT, data: LINK_CLICK, extra: 1 },
      'data null': { schema: UNSTRUCT, data: null },
    };
    for (const [label, wrapper] of Object.entries(cases)) {
      const value = JSON.stringify(wrapper);
      const rejection = onlyRejection(get({ e: 'ue', ue_pr: value }));
      assert.equal(rejection.errorType, 'protocol_violation', label);
      assert.equal(rejection.raw, value, label);
      assert.match(rejection.issues[0]!.message, /^ue_pr (must be|data must be)/, label);
    }
    assert.equal(
      onlyRejection(get({ e: 'ue', ue_pr: JSON.stringify({ schema: UNSTRUCT, data: { ...LINK_CLICK, extra: 1 } }) }))
        .schema,
      LINK_CLICK.schema,
    );
  });

  test('e=ue without ue_pr or ue_px (or with them empty) → protocol_violation with the query as raw', () => {
    for (const query of ['e=ue&aid=shop', 'e=ue&ue_pr=&ue_px=']) {
      const rejection = onlyRejection(get(query));
      assert.equal(rejection.errorType, 'protocol_violation');
      assert.equal(rejection.raw, query);
      assert.match(rejection.issues[0]!.message, /ue_pr.*ue_px/);
    }
  });

  test('the inner schema is passed on unchecked: the collector validates it', () => {
    const event = onlyEvent(get({ e: 'ue', ue_pr: ue({ schema: 42, data: 'anything' }) }));
    assert.deepEqual([event.schema, event.data], [42, 'anything']);
  });
});

describe('Snowplow adapter: contexts (co / cx)', () => {
  test('co (JSON) and cx (base64url): contexts 1-0-0 and 1-0-1 become the entity list', () => {
    for (const version of ['1-0-0', '1-0-1']) {
      const wrapper = {
        schema: `iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/${version}`,
        data: [WEB_PAGE, LINK_CLICK],
      };
      assert.deepEqual(
        onlyEvent(get({ e: 'pv', co: JSON.stringify(wrapper) })).contexts,
        [WEB_PAGE, LINK_CLICK],
        `co ${version}`,
      );
      assert.deepEqual(
        onlyEvent(get({ e: 'pv', cx: base64url(wrapper) })).contexts,
        [WEB_PAGE, LINK_CLICK],
        `cx ${version}`,
      );
    }
  });

  test('entities are passed on as sent, even malformed ones: each is validated by the collector', () => {
    assert.deepEqual(onlyEvent(get({ e: 'pv', co: co(5, { schema: 'x' }) })).contexts, [5, { schema: 'x' }]);
  });

  test('no contexts, an empty co, or an empty entity list → no contexts', () => {
    assert.equal(onlyEvent(get({ e: 'pv' })).contexts, undefined);
    assert.equal(onlyEvent(get({ e: 'pv', co: '' })).contexts, undefined);
    assert.equal(onlyEvent(get({ e: 'pv', co: co() })).contexts, undefined);
  });

  test('co wins over cx; the unused one stays in source', () => {
    const cx = base64url({ schema: CONTEXTS, data: [LINK_CLICK] });
    const event = onlyEvent(get({ e: 'pv', co: co(WEB_PAGE), cx }));
    assert.deepEqual(event.contexts, [WEB_PAGE]);
    assert.deepEqual(event.source, { cx });
  });

  test('a bad contexts parameter rejects the whole event, with the parameter as raw', () => {
    const unparseable = onlyRejection(get({ e: 'pv', eid: 'e-2', cx: 'not*base64' }));
    assert.deepEqual(
      [unparseable.errorType, unparseable.raw, unparseable.eventId],
      ['unparseable', 'not*base64', 'e-2'],
    );
    for (const wrong of [
      JSON.stringify([WEB_PAGE]),
      JSON.stringify({ schema: CONTEXTS, data: WEB_PAGE }),
      JSON.stringify({ schema: UNSTRUCT, data: [WEB_PAGE] }),
    ]) {
      const rejection = onlyRejection(get({ e: 'pv', co: wrong }));
      assert.deepEqual(
        [rejection.errorType, rejection.raw, rejection.issues[0]?.path],
        ['protocol_violation', wrong, '$.co'],
      );
    }
  });
});

describe('Snowplow adapter: built-in events', () => {
  test('pv → page_view with empty data; the page goes to columns', async () => {
    const event = onlyEvent(
      get({ e: 'pv', url: 'https://shop.example.com/', page: 'Home', refr: 'https://ref.example/' }),
    );
    assert.deepEqual(event, {
      schema: 'iglu:dev.sluice/page_view/jsonschema/1-0-0',
      data: {},
      eventName: 'page_view',
      fields: { page_url: 'https://shop.example.com/', page_title: 'Home', page_referrer: 'https://ref.example/' },
    });
    await assertValid(event);
  });

  test('pp → page_ping with integer offsets', async () => {
    const event = onlyEvent(get({ e: 'pp', pp_mix: '0', pp_max: '1280', pp_miy: '5', pp_may: '3400' }));
    assert.deepEqual([event.eventName, event.schema], ['page_ping', 'iglu:dev.sluice/page_ping/jsonschema/1-0-0']);
    assert.deepEqual(event.data, { min_x: 0, max_x: 1280, min_y: 5, max_y: 3400 });
    await assertValid(event);
  });

  test('se → struct; category and action are required by its schema', async () => {
    const event = onlyEvent(
      get({ e: 'se', se_ca: 'video', se_ac: 'play', se_la: 'intro', se_pr: 'hd', se_va: '-1.5e2' }),
    );
    assert.deepEqual([event.eventName, event.schema], ['struct', 'iglu:dev.sluice/struct/jsonschema/1-0-0']);
    assert.deepEqual(event.data, { category: 'video', action: 'play', label: 'intro', property: 'hd', value: -150 });
    await assertValid(event);
    const missing = onlyEvent(get({ e: 'se', se_ac: 'play' }));
    const outcome = await validator.validate(missing.schema, missing.data);
    assert.equal(outcome.valid, false);
  });

  test('tr → transaction and ti → transaction_item, numbers converted', async () => {
    const transaction = onlyEvent(get({ e: 'tr', tr_id: 'o-9', tr_tt: '10', tr_tx: '0.5', tr_sh: '2', tr_cu: 'EUR' }));
    assert.deepEqual(
      [transaction.eventName, transaction.data],
      ['transaction', { order_id: 'o-9', total: 10, tax: 0.5, shipping: 2, currency: 'EUR' }],
    );
    await assertValid(transaction);
    const item = onlyEvent(get({ e: 'ti', ti_id: 'o-9', ti_sk: 's', ti_pr: '5', ti_qu: '2' }));
    assert.deepEqual(
      [item.eventName, item.data],
      ['transaction_item', { order_id: 'o-9', sku: 's', price: 5, quantity: 2 }],
    );
    await assertValid(item);
  });

  test('ti_na, the item name of older trackers, is read when ti_nm is absent', () => {
    assert.equal((onlyEvent(get({ e: 'ti', ti_na: 'Old name' })).data as Record<string, unknown>).name, 'Old name');
    const both = onlyEvent(get({ e: 'ti', ti_nm: 'New', ti_na: 'Old' }));
    assert.equal((both.data as Record<string, unknown>).name, 'New');
    assert.deepEqual(both.source, { ti_na: 'Old' });
  });

  test('a value that is not a number is kept as the string, so validation names its path', async () => {
    const event = onlyEvent(get({ e: 'tr', tr_id: 'o', tr_tt: 'ten', tr_tx: '1e999', tr_sh: '0x10' }));
    assert.deepEqual(event.data, { order_id: 'o', total: 'ten', tax: '1e999', shipping: '0x10' });
    const outcome = await validator.validate(event.schema, event.data);
    assert.deepEqual(outcome.valid ? [] : outcome.issues.map((issue) => issue.path).sort(), [
      '$.shipping',
      '$.tax',
      '$.total',
    ]);
    const ping = onlyEvent(get({ e: 'pp', pp_mix: '1.5' }));
    const pingOutcome = await validator.validate(ping.schema, ping.data);
    assert.deepEqual(pingOutcome.valid ? [] : pingOutcome.issues.map((issue) => issue.path), ['$.min_x']);
  });

  test('a missing or unknown e → protocol_violation with the query as raw', () => {
    const missing = onlyRejection(get('aid=shop&tv=js'));
    assert.deepEqual(
      [missing.errorType, missing.raw, missing.issues[0]?.path],
      ['protocol_violation', 'aid=shop&tv=js', '$.e'],
    );
    assert.deepEqual(missing.fields, { app_id: 'shop' });
    const unknown = onlyRejection(get('e=xx&eid=e-3'));
    assert.match(unknown.issues[0]!.message, /unknown event type e="xx".*ue, pv, pp, se, tr, ti/);
    assert.equal(unknown.eventId, 'e-3');
    assert.equal(onlyRejection(get({})).errorType, 'protocol_violation', 'a bare GET /i is recorded, not dropped');
  });
});

describe('Snowplow adapter: columns and source', () => {
  test('every column parameter, and every other parameter kept in source', () => {
    const event = onlyEvent(
      get({
        e: 'pv',
        eid: 'id-1',
        dtm: '1768467600123',
        aid: 'a',
        p: 'web',
        uid: 'u',
        duid: 'd',
        nuid: 'n',
        sid: 's',
        vid: '7',
        url: 'https://x.example/',
        page: 'T',
        refr: 'https://r.example/',
        ua: 'UA/1',
        ip: '203.0.113.9',
        tv: 'js-4',
        tna: 'ns',
        res: '1x1',
        stm: '1768467601000',
        custom: 'kept',
      }),
    );
    assert.equal(event.eventId, 'id-1');
    assert.equal(event.eventTstamp, '2026-01-15T09:00:00.123Z');
    assert.deepEqual(event.fields, {
      app_id: 'a',
      platform: 'web',
      user_id: 'u',
      domain_userid: 'd',
      network_userid: 'n',
      session_id: 's',
      session_index: 7,
      page_url: 'https://x.example/',
      page_title: 'T',
      page_referrer: 'https://r.example/',
      useragent: 'UA/1',
      user_ipaddress: '203.0.113.9',
    });
    assert.deepEqual(event.source, { tv: 'js-4', tna: 'ns', res: '1x1', stm: '1768467601000', custom: 'kept' });
  });

  test('tnuid (the tracker’s override) wins over nuid; nuid then stays in source', () => {
    const event = onlyEvent(get({ e: 'pv', nuid: 'n', tnuid: 't' }));
    assert.equal(event.fields?.network_userid, 't');
    assert.deepEqual(event.source, { nuid: 'n' });
  });

  test('ttm wins over dtm, which then stays in source', () => {
    const event = onlyEvent(get({ e: 'pv', dtm: '1768467600000', ttm: '1768467500000' }));
    assert.equal(event.eventTstamp, '2026-01-15T08:58:20.000Z');
    assert.deepEqual(event.source, { dtm: '1768467600000' });
  });

  test('garbage timestamps and session indexes are not guessed at: no column, the raw value in source', () => {
    const event = onlyEvent(get({ e: 'pv', dtm: 'yesterday', ttm: '-5', vid: 'three' }));
    assert.equal(event.eventTstamp, undefined);
    assert.equal(event.fields, undefined);
    assert.deepEqual(event.source, { dtm: 'yesterday', ttm: '-5', vid: 'three' });
    const afterYear9999 = onlyEvent(get({ e: 'pv', ttm: '253402300800000', dtm: '1768467600000' }));
    assert.equal(afterYear9999.eventTstamp, '2026-01-15T09:00:00.000Z');
    assert.deepEqual(afterYear9999.source, { ttm: '253402300800000' });
  });

  test('a repeated query parameter keeps its first value', () => {
    assert.equal(onlyEvent(get('e=pv&aid=first&aid=second')).fields?.app_id, 'first');
  });
});

describe('Snowplow adapter: POST payload_data', () => {
  test('payload_data 1-0-0 to 1-0-4 are accepted; other versions and schemas are not', () => {
    for (const version of ['1-0-0', '1-0-1', '1-0-2', '1-0-3', '1-0-4']) {
      const result = post({
        schema: `iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/${version}`,
        data: [{ e: 'pv' }],
      });
      assert.equal(onlyEvent(result).eventName, 'page_view', version);
    }
    for (const schema of [
      'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-5',
      'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/2-0-0',
      CONTEXTS,
      5,
      undefined,
    ]) {
      const body = JSON.stringify({ schema, data: [{ e: 'pv' }] });
      const rejection = onlyRejection(post(body));
      assert.deepEqual(
        [rejection.errorType, rejection.raw, rejection.issues[0]?.path],
        ['protocol_violation', body, '$.schema'],
        String(schema),
      );
    }
  });

  test('query parameters merge into every event; the body’s values win', () => {
    const result = post(
      payload({ e: 'pv', aid: 'from-body' }, { e: 'se', se_ca: 'c', se_ac: 'a' }),
      'aid=from-query&tnuid=n-1&e=ue',
    );
    assert.deepEqual(result.rejections, []);
    assert.deepEqual(
      result.events.map((event) => [event.eventName, event.fields?.app_id, event.fields?.network_userid]),
      [
        ['page_view', 'from-body', 'n-1'],
        ['struct', 'from-query', 'n-1'],
      ],
    );
  });

  test('the content type is not trusted: the body is read as JSON whatever it says', () => {
    const result = handle({
      method: 'POST',
      path: TP2,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(payload({ e: 'pv' })),
    });
    assert.equal(onlyEvent(result).eventName, 'page_view');
  });

  test('a UTF-8 byte order mark is ignored', () => {
    assert.equal(onlyEvent(post(`\uFEFF${JSON.stringify(payload({ e: 'pv' }))}`)).eventName, 'page_view');
  });

  test('a body that is not JSON → unparseable, with the body as raw', () => {
    for (const body of ['not json', '{"schema":', '{"a":1}{"b":2}']) {
      const rejection = onlyRejection(post(body));
      assert.deepEqual([rejection.errorType, rejection.raw], ['unparseable', body]);
      assert.match(rejection.issues[0]!.message, /not valid JSON/);
    }
    const bytes = Buffer.from([0x7b, 0xff, 0x7d]);
    const notText = onlyRejection(post(bytes));
    assert.equal(notText.errorType, 'unparseable');
    assert.match(notText.issues[0]!.message, /not UTF-8/);
  });

  test('a body of the wrong shape → one protocol_violation for the body', () => {
    const cases: Record<string, [string, string]> = {
      empty: ['', '$'],
      'data a number': ['{"data": 5}', '$.schema'],
      'data a number with the right schema': [JSON.stringify({ schema: PAYLOAD_DATA, data: 5 }), '$.data'],
      'data empty': [JSON.stringify({ schema: PAYLOAD_DATA, data: [] }), '$.data'],
      'data an object': [JSON.stringify({ schema: PAYLOAD_DATA, data: { e: 'pv' } }), '$.data'],
      'an array body': [JSON.stringify([{ e: 'pv' }]), '$'],
      null: ['null', '$'],
      'a string': ['"hello"', '$'],
    };
    for (const [label, [body, path]] of Object.entries(cases)) {
      const rejection = onlyRejection(post(body));
      assert.deepEqual(
        [rejection.errorType, rejection.raw, rejection.issues[0]?.path],
        ['protocol_violation', body, path],
        label,
      );
    }
  });

  test('an element that is not an object, or has a value that is not a string, is rejected alone', () => {
    const result = post(
      payload({ e: 'pv', aid: 'first' }, 5, null, ['e', 'pv'], { e: 'pv', vid: 3 }, { e: 'pv', aid: 'last' }),
    );
    assert.deepEqual(
      result.events.map((event) => event.fields?.app_id),
      ['first', 'last'],
    );
    assert.deepEqual(
      result.rejections.map((rejection) => [rejection.errorType, rejection.issues[0]?.path, rejection.raw]),
      [
        ['protocol_violation', '$.data[1]', '5'],
        ['protocol_violation', '$.data[2]', 'null'],
        ['protocol_violation', '$.data[3]', '["e","pv"]'],
        ['protocol_violation', '$.data[4].vid', '{"e":"pv","vid":3}'],
      ],
    );
    assert.match(
      result.rejections[3]!.issues[0]!.message,
      /\$\.data\[4\]\.vid is a number; payload_data requires every parameter value to be a string/,
    );
  });

  test('a bad event of a batch is rejected with its index in the issue path and its own JSON as context', () => {
    const result = post(payload({ e: 'pv' }, { e: 'ue', eid: 'e-5', ue_px: '%%' }, { e: 'pp' }));
    assert.deepEqual(
      result.events.map((event) => event.eventName),
      ['page_view', 'page_ping'],
    );
    const rejection = onlyRejection({ ...result, events: [] });
    assert.deepEqual(
      [rejection.errorType, rejection.issues[0]?.path, rejection.raw, rejection.eventId],
      ['unparseable', '$.data[1].ue_px', '%%', 'e-5'],
    );
  });

  test('10 000 events with one bad one → 9 999 events and 1 rejection', () => {
    const events = Array.from({ length: 10_000 }, (_, index) => ({
      e: 'se',
      se_ca: 'bulk',
      se_ac: String(index),
      eid: `id-${index}`,
    }));
    events[6_789] = {
      e: 'se',
      se_ca: 'bulk',
      se_ac: 'bad',
      eid: 'id-6789',
      ue_px: 'x',
      e_: 'y',
      se_va: { not: 'a string' },
    } as never;
    const result = post(payload(...events));
    assert.equal(result.events.length, 9_999);
    assert.equal(result.rejections.length, 1);
    assert.equal(result.rejections[0]!.issues[0]!.path, '$.data[6789].se_va');
    assert.equal(result.events[6_789]!.eventId, 'id-6790');
  });
});

describe('Snowplow adapter: hostile input', () => {
  test('__proto__ parameters stay plain data and never touch Object.prototype', () => {
    const body =
      '{"schema":"' +
      PAYLOAD_DATA +
      '","data":[{"e":"ue","__proto__":"x","constructor":"y","ue_pr":' +
      JSON.stringify(
        '{"schema":"' +
          UNSTRUCT +
          '","data":{"schema":"iglu:com.acme/x/jsonschema/1-0-0","data":{"__proto__":{"polluted":true}}}}',
      ) +
      ',"co":' +
      JSON.stringify(`{"schema":"${CONTEXTS}","data":[{"__proto__":{"polluted":true}}]}`) +
      '}]}';
    const event = onlyEvent(post(body, '__proto__[polluted]=1&toString=2'));
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(Object.hasOwn(Object.prototype, 'polluted'), false);
    const source = event.source as Record<string, unknown>;
    assert.equal(Object.getPrototypeOf(source), Object.prototype);
    assert.deepEqual(Object.keys(source).sort(), ['__proto__', '__proto__[polluted]', 'constructor', 'toString']);
    assert.equal(Object.getOwnPropertyDescriptor(source, '__proto__')?.value, 'x');
    assert.equal(Object.hasOwn(event.data as object, '__proto__'), true);
    assert.equal(Object.hasOwn(event.contexts![0] as object, '__proto__'), true);
    const fromQuery = onlyEvent(get('e=pv&__proto__=x&constructor=y'));
    assert.equal(Object.getOwnPropertyDescriptor(fromQuery.source, '__proto__')?.value, 'x');
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  test('a parameter named like a prototype member is not mistaken for a column or event type', () => {
    assert.equal(onlyRejection(get('e=constructor')).errorType, 'protocol_violation');
    assert.equal(onlyRejection(get('e=toString')).errorType, 'protocol_violation');
    assert.equal(onlyRejection(get('e=__proto__')).errorType, 'protocol_violation');
  });

  test('JSON nested deeper than BigQuery stores is refused as size_exceeded, never a stack overflow', () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const body = `{"schema":"${PAYLOAD_DATA}","data":[${deep}, {"e":"pv"}]}`;
    const whole = onlyRejection(post(body));
    assert.deepEqual([whole.errorType, whole.raw], ['size_exceeded', body]);
    const ue_pr = `{"schema":"${UNSTRUCT}","data":{"schema":"iglu:a/b/jsonschema/1-0-0","data":${deep}}}`;
    const param = onlyRejection(get({ e: 'ue', eid: 'e-7', ue_pr }));
    assert.deepEqual(
      [param.errorType, param.raw, param.eventId, param.issues[0]?.path],
      ['size_exceeded', ue_pr, 'e-7', '$.ue_pr'],
    );
    const cx = Buffer.from(`{"schema":"${CONTEXTS}","data":[${deep}]}`).toString('base64url');
    assert.equal(onlyRejection(get({ e: 'pv', cx })).errorType, 'size_exceeded');
  });

  test('long values are quoted back in messages only in part', () => {
    const long = 'x'.repeat(100_000);
    const rejection = onlyRejection(get({ e: long }));
    assert.ok(rejection.issues[0]!.message.length < 200);
    assert.equal(rejection.raw?.length, long.length + 2, 'raw is kept whole: the collector truncates it');
  });
});

describe('Snowplow adapter: /r/tp2 redirect', () => {
  const redirect = (query: string): ProtocolResult => handle({ path: '/r/tp2', query });
  const u = (url: string): string => `u=${encodeURIComponent(url)}`;

  test('an allowed target: 302 to it, recorded as a uri_redirect event', () => {
    const result = redirect(`${u('https://shop.example.com/sale?x=1#top')}&aid=mail`);
    assert.equal(result.response.status, 302);
    assert.deepEqual(result.response.headers, {
      location: 'https://shop.example.com/sale?x=1#top',
      'cache-control': 'no-cache, no-store, must-revalidate',
    });
    const event = onlyEvent(result);
    assert.deepEqual(
      [event.schema, event.data, event.fields],
      [
        'iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0',
        { uri: 'https://shop.example.com/sale?x=1#top' },
        { app_id: 'mail' },
      ],
    );
  });

  test('with a tracker event in the query, the event is kept and uri_redirect is added as a context', async () => {
    const result = redirect(
      `e=se&se_ca=email&se_ac=click&${u('https://shop.example.com/')}&co=${encodeURIComponent(co(WEB_PAGE))}`,
    );
    const event = onlyEvent(result);
    assert.equal(event.eventName, 'struct');
    assert.deepEqual(event.contexts, [
      WEB_PAGE,
      {
        schema: 'iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0',
        data: { uri: 'https://shop.example.com/' },
      },
    ]);
    await assertValid(event);
    assert.equal(result.response.status, 302);
  });

  test('a bad tracker event is rejected, but the browser is still redirected', () => {
    const result = redirect(`e=zz&${u('https://shop.example.com/')}`);
    assert.equal(onlyRejection(result).errorType, 'protocol_violation');
    assert.equal(result.response.status, 302);
  });

  test('hosts: exact entries, *.domain for any subdomain (not the apex), case-insensitive', () => {
    for (const url of [
      'https://shop.example.com/',
      'HTTPS://SHOP.Example.COM/x',
      'http://a.example.org/',
      'https://a.b.example.org:8443/p',
    ]) {
      assert.equal(redirect(u(url)).response.status, 302, url);
    }
    for (const url of [
      'https://example.org/',
      'https://example.com/',
      'https://other.example.com/',
      'https://shop.example.com.evil.test/',
      'https://evilexample.org/',
    ]) {
      assert.equal(redirect(u(url)).response.status, 400, url);
    }
  });

  test('refused targets: 400 with a reason, one protocol_violation with the query as raw', () => {
    const refused = {
      'a host not allowed': 'https://evil.test/',
      'userinfo hiding the real host': 'https://shop.example.com@evil.test/',
      'the allowed host in the query only': 'https://evil.test/?next=shop.example.com',
      'javascript:': 'javascript:alert(document.cookie)',
      'data:': 'data:text/html,<script>alert(1)</script>',
      'a relative URL': '//evil.test/',
      'a path': '/account',
      'CR LF header injection': 'https://shop.example.com/\r\nSet-Cookie: a=b',
      'a tab': 'https://shop.example.com/\tx',
      'not a URL': 'http://[not-an-ip/',
    };
    for (const [label, url] of Object.entries(refused)) {
      const query = `${u(url)}&e=pv`;
      const result = redirect(query);
      assert.equal(result.response.status, 400, label);
      assert.equal(result.response.headers?.location, undefined, label);
      const rejection = onlyRejection(result);
      assert.deepEqual(
        [rejection.errorType, rejection.raw, rejection.issues[0]?.path],
        ['protocol_violation', query, '$.u'],
        label,
      );
      assert.equal(result.response.body, `${rejection.issues[0]?.message}\n`, `${label}: the answer gives the reason`);
      assert.equal(result.response.headers?.['content-type'], 'text/plain; charset=utf-8', label);
    }
    assert.match(
      String(redirect(u('https://evil.test/')).response.body),
      /host "evil\.test".*snowplow\.redirect_allowed_domains/,
    );
    assert.match(
      String(redirect(u('https://shop.example.com/%0d%0a')).response.headers?.location),
      /%0d%0a$/i,
      'encoded CR LF stays encoded',
    );
  });

  test('a missing u, and an empty allow-list', () => {
    assert.match(String(redirect('e=pv').response.body), /u parameter is missing/);
    const closed = createSnowplowAdapter({ ...CONFIG, redirect_allowed_domains: [] });
    const result = closed.handle(inboundRequest({ path: '/r/tp2', query: u('https://shop.example.com/') }));
    assert.equal(result.response.status, 400);
    assert.match(String(result.response.body), /redirect_allowed_domains is empty/);
  });
});

test('every rejection has an error type a protocol may use', () => {
  const results = [
    get({}),
    post('x'),
    post('{"data":5}'),
    get({ e: 'ue', ue_px: '*' }),
    handle({ path: '/r/tp2', query: 'u=javascript:x' }),
  ];
  for (const rejection of results.flatMap((result) => result.rejections))
    assert.ok(ERROR_TYPES.has(rejection.errorType), rejection.errorType);
});

describe('Snowplow: JSON parameters repeated in a batch (decoded once per request)', () => {
  test('events with the same co get equal contexts; events with other co, or cx, get their own', () => {
    const shared = co(WEB_PAGE);
    const other = co(LINK_CLICK);
    const result = post(
      payload(
        { e: 'pv', eid: 'a', co: shared },
        { e: 'pv', eid: 'b', co: other },
        { e: 'pv', eid: 'c', co: shared },
        { e: 'pv', eid: 'd', cx: base64url({ schema: CONTEXTS, data: [LINK_CLICK, WEB_PAGE] }) },
        { e: 'pv', eid: 'e' },
      ),
    );
    assert.deepEqual(result.rejections, []);
    assert.deepEqual(
      result.events.map((event) => [event.eventId, event.contexts]),
      [
        ['a', [WEB_PAGE]],
        ['b', [LINK_CLICK]],
        ['c', [WEB_PAGE]],
        ['d', [LINK_CLICK, WEB_PAGE]],
        ['e', undefined],
      ],
    );
  });

  test('a cx whose exact text comes again as co is not taken as decoded: co is JSON text, not base64', () => {
    const text = base64url({ schema: CONTEXTS, data: [WEB_PAGE] });
    const result = post(payload({ e: 'pv', eid: 'x', cx: text }, { e: 'pv', eid: 'y', co: text }));
    assert.deepEqual(onlyEvent({ ...result, rejections: [] }).contexts, [WEB_PAGE]);
    const rejection = onlyRejection({ ...result, events: [] });
    assert.deepEqual(
      [rejection.eventId, rejection.errorType, rejection.issues[0]?.path],
      ['y', 'unparseable', '$.data[1].co'],
    );
  });

  test('the same malformed co in several events: each is rejected with its own path', () => {
    const result = post(payload({ e: 'pv', eid: 'p', co: '{not json' }, { e: 'pv', eid: 'q', co: '{not json' }));
    assert.deepEqual(result.events, []);
    assert.deepEqual(
      result.rejections.map((rejection) => [
        rejection.eventId,
        rejection.errorType,
        rejection.issues[0]?.path,
        rejection.raw,
      ]),
      [
        ['p', 'unparseable', '$.data[0].co', '{not json'],
        ['q', 'unparseable', '$.data[1].co', '{not json'],
      ],
    );
  });

  test('each request decodes its own: a co seen in an earlier request is not reused', () => {
    const first = post(payload({ e: 'pv', co: co(WEB_PAGE) }));
    const second = post(payload({ e: 'pv', co: co(WEB_PAGE) }));
    assert.notEqual(onlyEvent(first).contexts?.[0], onlyEvent(second).contexts?.[0]);
    assert.deepEqual(onlyEvent(second).contexts, [WEB_PAGE]);
  });
});
