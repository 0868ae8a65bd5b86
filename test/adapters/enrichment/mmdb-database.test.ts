import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  EnrichmentDatabaseError,
  openMmdb,
  readConfiguredDatabases,
  readFileMmdb,
  readGsMmdb,
} from '../../../functions/adapters/enrichment/mmdb-database.ts';
import { asnColumns, cityColumns } from '../../../functions/core/enrichment/geo.ts';
import { startFakeGcs } from '../../support/fake-gcs-server.ts';
import {
  ASN_DB_URL,
  CITY_DB,
  CITY_DB_URL,
  COUNTRY_DB_URL,
  MAXMIND_TEST_DIR,
  sourceRecords,
} from '../../support/maxmind-test.ts';

const city = readFileMmdb('geo', CITY_DB_URL);
const asn = readFileMmdb('asn', ASN_DB_URL);

test('IPv4 in the City test database: London, with region, postcode, coordinates and time zone', () => {
  assert.deepEqual(cityColumns(city.get('81.2.69.142')), {
    geo_country: 'GB',
    geo_region: 'ENG',
    geo_city: 'London',
    geo_latitude: 51.5142,
    geo_longitude: -0.0931,
    geo_timezone: 'Europe/London',
  });
  assert.deepEqual(cityColumns(city.get('216.160.83.58')), {
    geo_country: 'US',
    geo_region: 'WA',
    geo_city: 'Milton',
    geo_zipcode: '98354',
    geo_latitude: 47.2513,
    geo_longitude: -122.3149,
    geo_timezone: 'America/Los_Angeles',
  });
  assert.equal(cityColumns(city.get('89.160.20.115')).geo_city, 'Linköping');
});

test('IPv6 in the City test database', () => {
  const columns = cityColumns(city.get('2001:218:85a3::8a2e:370:7334'));
  assert.equal(columns.geo_country, 'JP');
  assert.equal(columns.geo_timezone, 'Asia/Tokyo');
});

test('every network of the City source file is found with the record it was built from', () => {
  const records = sourceRecords('City');
  assert.ok(records.length > 200);
  for (const [network, record] of records) {
    const address = network.split('/')[0] as string;
    assert.deepEqual(cityColumns(city.get(address)), cityColumns(record), network);
  }
});

test('ASN: number and organization, IPv4 and IPv6, for every network of the source file', () => {
  assert.deepEqual(asnColumns(asn.get('1.128.0.1')), { ip_asn: 1221, ip_organization: 'Telstra Pty Ltd' });
  for (const [network, record] of sourceRecords('ASN')) {
    const address = network.split('/')[0] as string;
    assert.deepEqual(asnColumns(asn.get(address)), asnColumns(record), network);
  }
  assert.ok(
    sourceRecords('ASN').some(([network]) => network.includes(':')),
    'the source covers IPv6',
  );
});

test('a Country database gives the country only', () => {
  const country = readFileMmdb('geo', COUNTRY_DB_URL);
  assert.deepEqual(cityColumns(country.get('81.2.69.142')), { geo_country: 'GB' });
});

test('addresses the database does not hold give no columns', () => {
  assert.deepEqual(cityColumns(city.get('10.0.0.1')), {});
  assert.deepEqual(cityColumns(city.get('127.0.0.1')), {});
  assert.deepEqual(asnColumns(asn.get('::1')), {});
});

test('errors name the setting, the value and the fix', () => {
  assert.throws(
    () => readFileMmdb('geo', 'file://./no/such/GeoLite2-City.mmdb'),
    (error: unknown) =>
      error instanceof EnrichmentDatabaseError &&
      /enrichments\.geo\.database: cannot read file:\/\/\.\/no\/such\/GeoLite2-City\.mmdb .*ENOENT.*fix the path/.test(
        error.message,
      ),
  );
  assert.throws(
    () => readFileMmdb('asn', CITY_DB_URL),
    /enrichments\.asn\.database: .* is a GeoLite2-City database, but this setting needs an ASN database/,
  );
  assert.throws(
    () => openMmdb('geo', readFileSync(`${MAXMIND_TEST_DIR}README.md`), 'file://README.md'),
    /enrichments\.geo\.database: file:\/\/README\.md is not a MaxMind database/,
  );
});

test('relative file:// paths are read from the working directory', () => {
  const database = readFileMmdb('geo', `file://./${CITY_DB.split('/').pop()}`, MAXMIND_TEST_DIR);
  assert.equal(cityColumns(database.get('81.2.69.142')).geo_country, 'GB');
});

test('the configured databases are read; empty settings read none', () => {
  const base = { geo: { database: '' }, asn: { database: '' } };
  const none = readConfiguredDatabases(base as never);
  assert.deepEqual(none, { databases: {} });
  const both = readConfiguredDatabases({ geo: { database: CITY_DB_URL }, asn: { database: ASN_DB_URL } } as never);
  assert.ok(both.databases.geo && both.databases.asn);
  assert.equal(both.pending, undefined);
});

test('gs:// databases are read with one JSON API media GET, and arrive through pending', async () => {
  const gcs = await startFakeGcs({ objects: { 'geo-bucket/maxmind/GeoLite2-City.mmdb': readFileSync(CITY_DB) } });
  try {
    const database = await readGsMmdb('geo', 'gs://geo-bucket/maxmind/GeoLite2-City.mmdb', { endpoint: gcs.endpoint });
    assert.equal(cityColumns(database.get('81.2.69.142')).geo_city, 'London');
    assert.deepEqual(gcs.requests, ['GET /storage/v1/b/geo-bucket/o/maxmind%2FGeoLite2-City.mmdb?alt=media']);

    const configured = readConfiguredDatabases(
      { geo: { database: 'gs://geo-bucket/maxmind/GeoLite2-City.mmdb' }, asn: { database: ASN_DB_URL } } as never,
      readFileMmdb,
      (kind, url) => readGsMmdb(kind, url, { endpoint: gcs.endpoint }),
    );
    assert.ok(configured.databases.asn, 'file:// at once');
    assert.equal(configured.databases.geo, undefined, 'gs:// later');
    const all = await configured.pending;
    assert.ok(all?.geo && all.asn);
  } finally {
    await gcs.close();
  }
});

test('gs:// failures name the setting, the URL and the cause', async () => {
  const gcs = await startFakeGcs({ objects: { 'geo-bucket/notes.mmdb': 'not a database' }, buckets: ['geo-bucket'] });
  try {
    await assert.rejects(
      readGsMmdb('geo', 'gs://geo-bucket/missing.mmdb', { endpoint: gcs.endpoint }),
      /enrichments\.geo\.database: reading gs:\/\/geo-bucket\/missing\.mmdb failed \(HTTP 404\).*service account may read it/,
    );
    await assert.rejects(
      readGsMmdb('asn', 'gs://geo-bucket/notes.mmdb', { endpoint: gcs.endpoint }),
      /enrichments\.asn\.database: gs:\/\/geo-bucket\/notes\.mmdb is not a MaxMind database/,
    );
    await assert.rejects(
      readGsMmdb('geo', 'gs://Bad_Bucket', { endpoint: gcs.endpoint }),
      /is not a gs:\/\/<bucket>\/<object> URL/,
    );
    gcs.setDown(true);
    await assert.rejects(
      readGsMmdb('geo', 'gs://geo-bucket/notes.mmdb', { endpoint: gcs.endpoint }),
      /reading gs:\/\/geo-bucket\/notes\.mmdb failed \(HTTP 503\)/,
    );
  } finally {
    await gcs.close();
  }
});
