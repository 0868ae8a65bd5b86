import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readFileMmdb } from '../../../functions/adapters/enrichment/mmdb-database.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { COLUMNS } from '../../../functions/core/contract/columns.ts';
import { rowProblems } from '../../../functions/core/contract/row-check.ts';
import type { InvalidRow, ValidRow } from '../../../functions/core/contract/rows.ts';
import { createEnricher } from '../../../functions/core/enrichment/enricher.ts';
import { ENRICHMENT_COLUMNS } from '../../../functions/core/enrichment/enrichment-columns.ts';
import { ASN_DB_URL, CITY_DB_URL } from '../../support/maxmind-test.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

const enrichments = (document: Record<string, unknown> = {}) =>
  resolveConfig({ document: { enrichments: document }, source: 'test', env: {} }).enrichments;
const databases = { databases: { geo: readFileMmdb('geo', CITY_DB_URL), asn: readFileMmdb('asn', ASN_DB_URL) } };

test('the enrichment columns are contract columns, NULLABLE in both tables', () => {
  for (const name of ENRICHMENT_COLUMNS) {
    const column = COLUMNS.find((candidate) => candidate.name === name);
    assert.ok(column, name);
    assert.equal(column.valid, 'NULLABLE', name);
    assert.equal(column.invalid, 'NULLABLE', name);
  }
});

test('valid and invalid rows alike, as new rows: the batch given is left as it was', () => {
  const enricher = createEnricher(enrichments(), databases);
  const valid: ValidRow = {
    ...validRow,
    page_url: 'https://shop.example/a?utm_campaign=x',
    page_referrer: 'https://t.co/abc',
    useragent:
      'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    user_ipaddress: '89.160.20.115',
  };
  const invalid: InvalidRow = { ...invalidRow, page_url: 'https://shop.example/b', user_ipaddress: '89.160.20.115' };
  const batch = enricher.enrich(
    { valid: [valid], invalid: [invalid] },
    { clientIp: '89.160.20.115', storedIp: '89.160.20.115' },
  );
  assert.equal(batch.valid[0]?.mkt_campaign, 'x');
  assert.equal(batch.valid[0]?.refr_source, 'Twitter');
  assert.equal(batch.valid[0]?.br_family, 'Chrome');
  assert.equal(batch.valid[0]?.geo_city, 'Linköping');
  assert.equal(batch.invalid[0]?.page_urlpath, '/b');
  assert.equal(batch.invalid[0]?.geo_country, 'SE');
  assert.deepEqual(rowProblems('valid', batch.valid[0]), []);
  assert.deepEqual(rowProblems('invalid', batch.invalid[0]), []);
  assert.equal(valid.mkt_campaign, undefined, 'the row given is not changed');
  assert.equal(invalid.page_urlpath, undefined, 'the row given is not changed');
});

test('the stored (truncated) address is not looked up: the whole one is', () => {
  const enricher = createEnricher(enrichments(), databases);
  const given: ValidRow = { ...validRow, user_ipaddress: '81.2.69.0' };
  const [row] = enricher.enrich(
    { valid: [given], invalid: [] },
    { clientIp: '81.2.69.142', storedIp: '81.2.69.0' },
  ).valid;
  assert.equal(row?.geo_city, 'London');
});

test("a tracker's ip= that is not an address gives no geo columns, and no throw", () => {
  const enricher = createEnricher(enrichments(), databases);
  for (const ip of ['not-an-ip', '999.1.1.1', '', '::ffff:81.2.69.142']) {
    const given: ValidRow = { ...validRow, user_ipaddress: ip };
    const [row] = enricher.enrich({ valid: [given], invalid: [] }, { clientIp: undefined, storedIp: undefined }).valid;
    assert.equal(row?.geo_country, ip === '::ffff:81.2.69.142' ? 'GB' : undefined, ip);
  }
});

test('pages, referrers and addresses are remembered: the same input, the same columns', () => {
  const enricher = createEnricher(enrichments(), databases);
  const rows = Array.from({ length: 3 }, () => ({
    ...validRow,
    page_url: 'https://shop.example/?utm_source=a',
    page_referrer: 'https://shop.example/',
  }));
  const enriched = enricher.enrich({ valid: rows, invalid: [] }, { clientIp: undefined, storedIp: undefined });
  assert.equal(enriched.valid.length, 3);
  for (const row of enriched.valid) {
    assert.equal(row.mkt_source, 'a');
    assert.equal(row.refr_medium, 'internal');
  }
});

test('with everything off and no database the enricher is inactive and adds nothing', () => {
  const off = createEnricher(
    enrichments({
      url_parts: { enabled: false },
      campaign: { enabled: false },
      referer: { enabled: false },
      user_agent: { enabled: false },
    }),
  );
  assert.equal(off.active, false);
  const row: ValidRow = { ...validRow, page_url: 'https://shop.example/?utm_source=a', useragent: 'curl/8' };
  const batch = { valid: [row], invalid: [] };
  assert.equal(off.enrich(batch, { clientIp: '81.2.69.142', storedIp: '81.2.69.142' }), batch);
  assert.equal(row.page_urlhost, undefined);
  assert.equal(createEnricher(enrichments({ url_parts: { enabled: false } })).active, true);
});

test('referer without URL parts, and URL parts without referer', () => {
  const onlyReferer = createEnricher(
    enrichments({ url_parts: { enabled: false }, campaign: { enabled: false }, user_agent: { enabled: false } }),
  );
  const given: ValidRow = { ...validRow, page_url: 'https://shop.example/', page_referrer: 'https://www.bing.com/' };
  const [row] = onlyReferer.enrich({ valid: [given], invalid: [] }, { clientIp: undefined, storedIp: undefined }).valid;
  assert.equal(row?.refr_source, 'Bing');
  assert.equal(row?.refr_urlhost, undefined);
  assert.equal(row?.page_urlhost, undefined);
});

test('a database still downloading holds rows back (ready), then enriches them; a failed one is reported and skipped', async () => {
  let arrive: (databases: { geo: ReturnType<typeof readFileMmdb> }) => void = () => {};
  const pending = new Promise<{ geo: ReturnType<typeof readFileMmdb> }>((resolve) => {
    arrive = resolve;
  });
  const enricher = createEnricher(enrichments(), { pending });
  assert.ok(enricher.ready, 'not ready while downloading');
  arrive({ geo: readFileMmdb('geo', CITY_DB_URL) });
  await enricher.ready;
  assert.equal(enricher.ready, undefined);
  const [row] = enricher.enrich(
    { valid: [{ ...validRow }], invalid: [] },
    { clientIp: '81.2.69.142', storedIp: '81.2.69.142' },
  ).valid;
  assert.equal(row?.geo_city, 'London');

  const failures: unknown[] = [];
  const failing = createEnricher(enrichments(), {
    pending: Promise.reject(new Error('HTTP 403')),
    onLoadFailure: (error) => failures.push(error),
  });
  await failing.ready;
  assert.equal(failing.ready, undefined);
  assert.equal(failures.length, 1);
  const [other] = failing.enrich(
    { valid: [{ ...validRow, useragent: 'curl/8.5.0' }], invalid: [] },
    { clientIp: '81.2.69.142', storedIp: '81.2.69.142' },
  ).valid;
  assert.equal(other?.geo_country, undefined);
  assert.equal(other?.is_bot, true, 'the other enrichments go on');
});
