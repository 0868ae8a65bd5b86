import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { buildPageView, newTracker } from '@snowplow/node-tracker';
import { CloudEvent, emitterFor, Mode } from 'cloudevents';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import { directHeader } from '../support/forwarded-for.ts';
import { ASN_DB_URL, CITY_DB_URL } from '../support/maxmind-test.ts';
import { startLocalServer } from '../support/npm-start.ts';

/**
 * `npm start` with the geo and ASN test databases configured, fed by real clients over every
 * protocol that carries a page URL or a user agent: the stored rows carry the enrichment columns.
 */
const IPHONE =
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FIREFOX = 'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const PAGE = 'https://shop.example/sale?utm_source=newsletter&utm_medium=email&utm_campaign=spring&fbclid=IwAR1';
const REFERRER = 'https://www.bing.com/search?q=spring+sale';
const LONDON = '81.2.69.142';
const TELSTRA = '1.128.0.1';

describe('npm start: enrichment columns on stored rows, every protocol', () => {
  let dir = '';
  let base = '';
  let stop: () => Promise<void>;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-enrich-'));
    const server = await startLocalServer(
      {
        SLUICE_LOCAL_DIR: dir,
        SLUICE_PRIVACY_IP_ANONYMIZATION: 'truncate',
        SLUICE_ENRICHMENTS_GEO_DATABASE: CITY_DB_URL,
        SLUICE_ENRICHMENTS_ASN_DATABASE: ASN_DB_URL,
      },
      'See it:',
    );
    base = `http://localhost:${server.port}`;
    stop = () => server.stop();
  });
  after(async () => {
    await stop();
    await rm(dir, { recursive: true, force: true });
  });

  async function rows(): Promise<{ valid: ValidRow[]; invalid: InvalidRow[] }> {
    const valid = (await (await fetch(`${base}/local/valid?limit=1000`)).json()) as ValidRow[];
    const invalid = (await (await fetch(`${base}/local/invalid?limit=1000`)).json()) as InvalidRow[];
    for (const row of valid) assert.deepEqual(rowProblems('valid', row), []);
    for (const row of invalid) assert.deepEqual(rowProblems('invalid', row), []);
    return { valid, invalid };
  }

  for (const eventMethod of ['post', 'get'] as const) {
    test(`Snowplow node tracker, ${eventMethod === 'post' ? 'POST tp2' : 'GET /i'}: URL parts, campaign, referer, device, and geo from its ip=`, async () => {
      await fetch(`${base}/local/reset`, { method: 'POST' });
      const tracker = newTracker(
        { namespace: `enrich-${eventMethod}`, appId: 'shop' },
        { endpoint: base, eventMethod, bufferSize: 1 },
      );
      tracker.setUseragent(IPHONE);
      tracker.setIpAddress(TELSTRA);
      tracker.track(buildPageView({ pageUrl: PAGE, pageTitle: 'Sale', referrer: REFERRER }));
      await tracker.flush();
      const [row] = (await rows()).valid;
      assert.ok(row, 'a page view row');
      assert.equal(row.protocol, 'snowplow');
      assert.equal(row.user_ipaddress, '1.128.0.0', 'stored truncated');
      assert.deepEqual(
        [row.page_urlhost, row.page_urlpath, row.page_urlquery, row.refr_urlhost, row.refr_urlpath],
        [
          'shop.example',
          '/sale',
          'utm_source=newsletter&utm_medium=email&utm_campaign=spring&fbclid=IwAR1',
          'www.bing.com',
          '/search',
        ],
      );
      assert.deepEqual(
        [row.mkt_source, row.mkt_medium, row.mkt_campaign, row.mkt_clickid, row.mkt_network],
        ['newsletter', 'email', 'spring', 'IwAR1', 'Facebook'],
      );
      assert.deepEqual([row.refr_medium, row.refr_source, row.refr_term], ['search', 'Bing', 'spring sale']);
      assert.deepEqual(
        [row.br_family, row.os_family, row.dvce_type, row.dvce_ismobile, row.is_bot],
        ['Mobile Safari', 'iOS', 'mobile', true, false],
      );
      assert.deepEqual([row.ip_asn, row.ip_organization], [1221, 'Telstra Pty Ltd'], 'from the ip= the tracker sent');
    });
  }

  test('self-describing, named pixel, webhook and CloudEvents: device and geo from the request, a forged X-Forwarded-For ignored', async () => {
    await fetch(`${base}/local/reset`, { method: 'POST' });
    const headers = { 'user-agent': FIREFOX, 'x-forwarded-for': directHeader(LONDON, TELSTRA) };
    const checkout = { order_id: 'A-1', total: 30, currency: 'EUR' };
    const answers = [
      await fetch(`${base}/self-describing`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify({ schema: CHECKOUT, data: checkout }),
      }),
      await fetch(
        `${base}/pixel/com.example/checkout/jsonschema/1-0-0?b64=${Buffer.from(JSON.stringify(checkout)).toString('base64url')}`,
        {
          headers,
        },
      ),
      await fetch(`${base}/webhook/com.example/checkout/jsonschema/1-0-0`, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: JSON.stringify(checkout),
      }),
    ];
    for (const answer of answers) assert.equal(answer.status, 200, await answer.text());
    // The SDK makes the binary-mode message; sent with the client's headers, as its own transport has none.
    const emit = emitterFor(
      (message) =>
        fetch(`${base}/cloudevents`, {
          method: 'POST',
          headers: { ...(message.headers as Record<string, string>), ...headers },
          body: message.body as string,
        }),
      { mode: Mode.BINARY },
    );
    await emit(new CloudEvent({ type: 'com.example.checkout', source: '/shop', dataschema: CHECKOUT, data: checkout }));
    const { valid } = await rows();
    assert.deepEqual(valid.map((row) => row.protocol).sort(), ['cloudevents', 'pixel', 'self_describing', 'webhook']);
    for (const row of valid) {
      assert.deepEqual(
        [row.br_family, row.os_family, row.dvce_type, row.is_bot, row.geo_country, row.geo_city, row.user_ipaddress],
        ['Firefox', 'Ubuntu', 'desktop', false, 'GB', 'London', '81.2.69.0'],
        row.protocol,
      );
      assert.equal(row.ip_asn, undefined, `${row.protocol}: the forged Telstra address was not used`);
    }
  });

  test('an invalid event is enriched too', async () => {
    await fetch(`${base}/local/reset`, { method: 'POST' });
    await fetch(`${base}/self-describing`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)',
        'x-forwarded-for': '2001:218::1',
      },
      body: JSON.stringify({ schema: CHECKOUT, data: { order_id: 'A-2', total: -1, currency: 'EUR' } }),
    });
    const [row] = (await rows()).invalid;
    assert.equal(row?.error_type, 'validation_failed');
    assert.equal(row?.is_bot, true);
    assert.equal(row?.geo_country, 'JP', 'IPv6');
  });
});
