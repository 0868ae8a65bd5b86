import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Reader } from 'mmdb-lib';
import type { EnrichmentsConfig } from '../../core/config/config.ts';
import type { EnrichmentDatabases } from '../../core/enrichment/enricher.ts';
import type { IpDatabase } from '../../core/enrichment/geo.ts';
import { SluiceError } from '../../core/errors.ts';

/** Which setting a database is read for, and the MaxMind database types it accepts. */
export const DATABASE_KINDS = {
  geo: { setting: 'enrichments.geo.database', types: /(City|Country)/, expected: 'a City or Country database' },
  asn: { setting: 'enrichments.asn.database', types: /ASN/, expected: 'an ASN database' },
} as const;
export type DatabaseKind = keyof typeof DATABASE_KINDS;

/** A database that cannot be used: the message names the setting, the value and the fix. */
export class EnrichmentDatabaseError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('enrichment_database', message, options);
  }
}

/**
 * A MaxMind database in memory, read with mmdb-lib (MIT; the reader the `maxmind` package is built
 * on). The whole file is read once per instance (GeoLite2 City is about 60 MB, ASN about 10 MB)
 * and every lookup is then a walk of its search tree, with no I/O on the request path.
 */
export function openMmdb(kind: DatabaseKind, bytes: Buffer, where: string): IpDatabase {
  const { setting, types, expected } = DATABASE_KINDS[kind];
  let reader: Reader<Record<string, unknown>>;
  try {
    reader = new Reader<Record<string, unknown>>(bytes);
  } catch (error) {
    throw new EnrichmentDatabaseError(
      `${setting}: ${where} is not a MaxMind database (${error instanceof Error ? error.message : String(error)}); point it at a GeoLite2 or GeoIP2 .mmdb file`,
      { cause: error },
    );
  }
  const type = reader.metadata.databaseType;
  if (!types.test(type))
    throw new EnrichmentDatabaseError(
      `${setting}: ${where} is a ${type} database, but this setting needs ${expected} (GeoLite2-${kind === 'geo' ? 'City' : 'ASN'}.mmdb, for example)`,
    );
  return { get: (address) => reader.get(address) };
}

/** Reads a `file://` database; the path is relative to `cwd` unless absolute. */
export function readFileMmdb(kind: DatabaseKind, url: string, cwd: string = process.cwd()): IpDatabase {
  const file = path.resolve(cwd, url.slice('file://'.length));
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (error) {
    throw new EnrichmentDatabaseError(
      `${DATABASE_KINDS[kind].setting}: cannot read ${url} (${file}): ${(error as NodeJS.ErrnoException).code ?? String(error)}; download the database from MaxMind and fix the path, or set it to "" to turn the enrichment off`,
      { cause: error },
    );
  }
  return openMmdb(kind, bytes, url);
}

/**
 * The databases the configuration names, read at start-up: a broken path stops the collector with
 * the setting named, rather than running without the columns. `gs://` databases are read by
 * {@link loadGsMmdb}.
 */
export function readConfiguredDatabases(
  config: EnrichmentsConfig,
  read: (kind: DatabaseKind, url: string) => IpDatabase = readFileMmdb,
): EnrichmentDatabases {
  const databases: { geo?: IpDatabase; asn?: IpDatabase } = {};
  if (config.geo.database !== '') databases.geo = read('geo', config.geo.database);
  if (config.asn.database !== '') databases.asn = read('asn', config.asn.database);
  return databases;
}
