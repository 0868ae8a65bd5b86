import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * MaxMind's own test databases, read where they are (never copied into the project): see
 * ../shared/maxmind-test/README.md. Each `*.source.json` lists the records its database was
 * built from, so it is the expected answer for every network in it.
 */
export const MAXMIND_TEST_DIR = fileURLToPath(new URL('../../../shared/maxmind-test/', import.meta.url));
export const CITY_DB = `${MAXMIND_TEST_DIR}GeoLite2-City-Test.mmdb`;
export const COUNTRY_DB = `${MAXMIND_TEST_DIR}GeoLite2-Country-Test.mmdb`;
export const ASN_DB = `${MAXMIND_TEST_DIR}GeoLite2-ASN-Test.mmdb`;
export const CITY_DB_URL = `file://${CITY_DB}`;
export const COUNTRY_DB_URL = `file://${COUNTRY_DB}`;
export const ASN_DB_URL = `file://${ASN_DB}`;

/** Every network of a database's source file with its record, e.g. ['81.2.69.142/31', {...}]. */
export function sourceRecords(database: 'City' | 'ASN'): Array<[network: string, record: unknown]> {
  const entries = JSON.parse(readFileSync(`${MAXMIND_TEST_DIR}GeoLite2-${database}-Test.source.json`, 'utf8')) as Array<
    Record<string, unknown>
  >;
  return entries.flatMap((entry) => Object.entries(entry));
}
