import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, beforeEach, describe, test } from 'node:test';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import { directHeader, loadBalancerHeader } from '../support/forwarded-for.ts';
import { serveCollector } from '../support/framework-server.ts';
import { ASN_DB_URL, CITY_DB_URL } from '../support/maxmind-test.ts';
import { recordingCollector } from '../support/recording-sink.ts';

const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const PAGE = 'https://shop.example/products/shoes?utm_source=newsletter&utm_medium=email&gclid=abc123#reviews';
const REFERRER = 'https://www.google.co.uk/search?q=running+shoes';

const pixel = (base: string, extra: Record<string, string> = {}) =>
  `${base}/i?${new URLSearchParams({ e: 'pv', url: PAGE, refr: REFERRER, aid: 'shop', ...extra })}`;

describe('collector: enrichment on stored rows', () => {
  const { collector, sink } = recordingCollector({
    privacy: { ip_anonymization: 'truncate' },
    enrichments: { geo: { database: CITY_DB_URL }, asn: { database: ASN_DB_URL } },
  });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());
  beforeEach(() => sink.clear());

  test('a page view gets URL parts, campaign, referer, device and geo columns; geo from the whole address, stored truncated', async () => {
    const response = await fetch(pixel(base), {
      headers: { 'user-agent': IPHONE, 'x-forwarded-for': directHeader('81.2.69.142', '1.128.0.1') },
    });
    assert.equal(response.status, 200);
    const [row] = sink.valid;
    assert.ok(row);
    assert.deepEqual(rowProblems('valid', row), []);
    assert.equal(row.user_ipaddress, '81.2.69.0', 'stored truncated');
    assert.deepEqual(
      {
        page_urlhost: row.page_urlhost,
        page_urlpath: row.page_urlpath,
        page_urlquery: row.page_urlquery,
        page_urlfragment: row.page_urlfragment,
        refr_urlhost: row.refr_urlhost,
        refr_urlpath: row.refr_urlpath,
        mkt_source: row.mkt_source,
        mkt_medium: row.mkt_medium,
        mkt_clickid: row.mkt_clickid,
        mkt_network: row.mkt_network,
        refr_medium: row.refr_medium,
        refr_source: row.refr_source,
        refr_term: row.refr_term,
        br_family: row.br_family,
        os_family: row.os_family,
        dvce_type: row.dvce_type,
        dvce_ismobile: row.dvce_ismobile,
        is_bot: row.is_bot,
        geo_country: row.geo_country,
        geo_city: row.geo_city,
        geo_timezone: row.geo_timezone,
      },
      {
        page_urlhost: 'shop.example',
        page_urlpath: '/products/shoes',
        page_urlquery: 'utm_source=newsletter&utm_medium=email&gclid=abc123',
        page_urlfragment: 'reviews',
        refr_urlhost: 'www.google.co.uk',
        refr_urlpath: '/search',
        mkt_source: 'newsletter',
        mkt_medium: 'email',
        mkt_clickid: 'abc123',
        mkt_network: 'Google',
        refr_medium: 'search',
        refr_source: 'Google',
        refr_term: 'running shoes',
        br_family: 'Mobile Safari',
        os_family: 'iOS',
        dvce_type: 'mobile',
        dvce_ismobile: true,
        is_bot: false,
        geo_country: 'GB',
        geo_city: 'London',
        geo_timezone: 'Europe/London',
      },
      'the forged left entry (1.128.0.1, Telstra in the ASN database) was not used',
    );
    assert.equal(row.ip_asn, undefined, '81.2.69.142 has no ASN entry in the test database');
  });

  test("a tracker's own ip= is looked up before it is truncated", async () => {
    await fetch(pixel(base, { ip: '1.128.0.1' }), { headers: { 'user-agent': IPHONE } });
    const [row] = sink.valid;
    assert.equal(row?.user_ipaddress, '1.128.0.0');
    assert.equal(row?.ip_asn, 1221);
    assert.equal(row?.ip_organization, 'Telstra Pty Ltd');
  });

  test('invalid rows are enriched too, so that replay keeps the columns', async () => {
    // A page view whose context fails its schema: an invalid row with the page and device.
    const bad = encodeURIComponent(
      JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0',
        data: [{ schema: 'iglu:com.acme/nothing/jsonschema/1-0-0', data: {} }],
      }),
    );
    await fetch(`${pixel(base)}&co=${bad}`, {
      headers: { 'user-agent': 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    });
    const [row] = sink.invalid;
    assert.ok(row, 'an invalid row');
    assert.deepEqual(rowProblems('invalid', row), []);
    assert.equal(row.page_urlhost, 'shop.example');
    assert.equal(row.is_bot, true);
    assert.equal(row.dvce_type, 'bot');
    assert.equal(row.geo_country, undefined, 'from 127.0.0.1: no geo');
  });

  test('SP-Anonymous requests get no geo or network columns', async () => {
    await fetch(pixel(base), {
      headers: { 'sp-anonymous': '*', 'user-agent': IPHONE, 'x-forwarded-for': '81.2.69.142' },
    });
    const [row] = sink.valid;
    assert.equal(row?.user_ipaddress, undefined);
    assert.equal(row?.geo_country, undefined);
    assert.equal(row?.br_family, 'Mobile Safari', 'the other enrichments still apply');
  });
});

describe('collector: behind a load balancer (client_ip.trusted_hops 2)', () => {
  const { collector, sink } = recordingCollector({
    client_ip: { trusted_hops: 2 },
    enrichments: { geo: { database: CITY_DB_URL } },
  });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());
  beforeEach(() => sink.clear());

  test('the client entry is used, not the balancer nor what the client forged', async () => {
    await fetch(pixel(base), {
      headers: { 'x-forwarded-for': loadBalancerHeader('216.160.83.58', '34.120.0.10', '81.2.69.142') },
    });
    const [row] = sink.valid;
    assert.equal(row?.user_ipaddress, '216.160.83.58');
    assert.equal(row?.geo_city, 'Milton');
  });
});

describe('collector: every enrichment off', () => {
  const { collector, sink } = recordingCollector({
    enrichments: {
      url_parts: { enabled: false },
      campaign: { enabled: false },
      referer: { enabled: false },
      user_agent: { enabled: false },
    },
  });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());
  beforeEach(() => sink.clear());

  test('rows carry none of the enrichment columns', async () => {
    await fetch(pixel(base), { headers: { 'user-agent': IPHONE } });
    const [row] = sink.valid;
    assert.ok(row);
    for (const name of ['page_urlhost', 'mkt_source', 'refr_medium', 'br_family', 'is_bot', 'geo_country'])
      assert.equal((row as Record<string, unknown>)[name], undefined, name);
  });
});

test('enriched rows reach the sink as fast-mode V8 objects, not dictionaries (enriched-row in docs/performance.md)', () => {
  // %HasFastProperties needs --allow-natives-syntax, so the collector runs in a child process.
  const support = (name: string) => JSON.stringify(new URL(`../support/${name}`, import.meta.url).href);
  const body = JSON.stringify({
    schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
    data: [0, 1].map((n) => ({
      e: 'pv',
      eid: `a1b2c3d4-0000-4000-8000-00000000000${n}`,
      url: PAGE,
      refr: REFERRER,
      p: 'web',
      tv: 'js-4.10.1',
      aid: 'shop',
    })),
  });
  const script = `
    const { recordingCollector } = await import(${support('recording-sink.ts')});
    const { serveCollector } = await import(${support('framework-server.ts')});
    const { collector, sink } = recordingCollector();
    const { base, close } = await serveCollector(collector);
    const response = await fetch(base + '/com.snowplowanalytics.snowplow/tp2', {
      method: 'POST', headers: { 'content-type': 'application/json', 'user-agent': ${JSON.stringify(IPHONE)} }, body: ${JSON.stringify(body)},
    });
    await close();
    const fast = new Function('row', 'return %HasFastProperties(row)');
    console.log(JSON.stringify({ status: response.status, rows: sink.valid.map((row) => ({ fast: fast(row), source: row.mkt_source, family: row.os_family })) }));
  `;
  const output = execFileSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  const result = JSON.parse(output.trim().split('\n').at(-1) ?? '{}');
  assert.deepEqual(result, {
    status: 200,
    rows: [0, 1].map(() => ({ fast: true, source: 'newsletter', family: 'iOS' })),
  });
});
