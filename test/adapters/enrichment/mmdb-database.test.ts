import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import {
  EnrichmentDatabaseError,
  openMmdb,
  readConfiguredDatabases,
  readFileMmdb,
} from '../../../functions/adapters/enrichment/mmdb-database.ts';
import { asnColumns, cityColumns } from '../../../functions/core/enrichment/geo.ts';
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
  assert.deepEqual(none, {});
  const both = readConfiguredDatabases({ geo: { database: CITY_DB_URL }, asn: { database: ASN_DB_URL } } as never);
  assert.ok(both.geo && both.asn);
});
