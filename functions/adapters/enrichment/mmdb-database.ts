import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Reader } from 'mmdb-lib';
import type { EnrichmentsConfig } from '../../core/config/config.ts';
import type { EnrichmentDatabases } from '../../core/enrichment/enricher.ts';
import type { IpDatabase } from '../../core/enrichment/geo.ts';
import { SluiceError } from '../../core/errors.ts';
import { MAX_MMDB_BYTES, MMDB_DOWNLOAD_TIMEOUT_MS } from '../../core/limits.ts';
import { truncate } from '../../core/text.ts';
import { googleApiError } from '../google/google-api-error.ts';
import { type GoogleCredentials, googleCredentials, STORAGE_READ_SCOPE } from '../google/google-credentials.ts';
import { startDeadline } from '../http/deadline.ts';
import { AnswerTooLargeError, requestBody } from '../http/text-request.ts';
import { GCS_JSON_API_ENDPOINT } from '../registry/gcs-registry.ts';

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

export interface GsReadOptions {
  /** JSON API origin; default STORAGE_EMULATOR_HOST when set, else Cloud Storage's. */
  readonly endpoint?: string;
  readonly credentials?: GoogleCredentials;
  readonly env?: NodeJS.ProcessEnv;
  readonly timeoutMs?: number;
}

/**
 * Reads a `gs://bucket/object.mmdb` database with one media GET of the Cloud Storage JSON API, as
 * the gs:// schema registry reads schemas (same endpoint rules, same metadata-server token).
 */
export async function readGsMmdb(kind: DatabaseKind, url: string, options: GsReadOptions = {}): Promise<IpDatabase> {
  const { setting } = DATABASE_KINDS[kind];
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)$/.exec(url);
  if (!match)
    throw new EnrichmentDatabaseError(
      `${setting}: ${JSON.stringify(url)} is not a gs://<bucket>/<object> URL; write e.g. gs://my-bucket/GeoLite2-City.mmdb`,
    );
  const [, bucket = '', object = ''] = match;
  const env = options.env ?? process.env;
  const emulator = env.STORAGE_EMULATOR_HOST?.trim();
  const endpoint = (
    options.endpoint ??
    (emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`) : GCS_JSON_API_ENDPOINT)
  ).replace(/\/+$/, '');
  const credentials =
    options.credentials ??
    (endpoint === GCS_JSON_API_ENDPOINT ? googleCredentials(env, [STORAGE_READ_SCOPE]) : undefined);
  const timeoutMs = options.timeoutMs ?? MMDB_DOWNLOAD_TIMEOUT_MS;
  const deadline = startDeadline(timeoutMs, `did not complete within ${timeoutMs} ms`);
  try {
    const headers: Record<string, string> = {};
    if (credentials !== undefined) headers.authorization = `Bearer ${await credentials.accessToken(deadline.signal)}`;
    const answer = await requestBody(
      `${endpoint}/storage/v1/b/${encodeURIComponent(bucket)}/o/${encodeURIComponent(object)}?alt=media`,
      { headers, signal: deadline.signal, maxBytes: MAX_MMDB_BYTES },
    );
    if (answer.status < 200 || answer.status >= 300) {
      const text = answer.body.subarray(0, 4096).toString('utf8');
      const message = googleApiError(text).message ?? (text.trim() || `HTTP ${answer.status}`);
      throw new EnrichmentDatabaseError(
        `${setting}: reading ${url} failed (HTTP ${answer.status}): ${truncate(message, 300)}; check that the object exists and that the function's service account may read it`,
      );
    }
    return openMmdb(kind, answer.body, url);
  } catch (error) {
    if (error instanceof EnrichmentDatabaseError) throw error;
    const reason =
      error instanceof AnswerTooLargeError
        ? `it is over ${MAX_MMDB_BYTES} bytes`
        : deadline.signal.aborted
          ? `it did not arrive within ${timeoutMs} ms`
          : error instanceof Error
            ? error.message
            : String(error);
    throw new EnrichmentDatabaseError(`${setting}: reading ${url} failed: ${truncate(reason, 300)}`, { cause: error });
  } finally {
    deadline.clear();
  }
}

/** What the configuration names: file:// databases already open, gs:// ones still arriving. */
export interface ConfiguredDatabases {
  readonly databases: EnrichmentDatabases;
  /** Set while gs:// databases download: all of them, opened, or the first failure. */
  readonly pending?: Promise<EnrichmentDatabases>;
}

/**
 * The databases the configuration names, read at start-up. A `file://` path that cannot be used
 * stops the collector at once with the setting named, rather than running without the columns; a
 * `gs://` database is downloaded in the background (the enricher holds rows back until it is in).
 */
export function readConfiguredDatabases(
  config: EnrichmentsConfig,
  read: (kind: DatabaseKind, url: string) => IpDatabase = readFileMmdb,
  readGs: (kind: DatabaseKind, url: string) => Promise<IpDatabase> = readGsMmdb,
): ConfiguredDatabases {
  const databases: { geo?: IpDatabase; asn?: IpDatabase } = {};
  const downloads: Array<Promise<[DatabaseKind, IpDatabase]>> = [];
  for (const kind of ['geo', 'asn'] as const) {
    const url = config[kind].database;
    if (url === '') continue;
    if (url.startsWith('gs://')) downloads.push(readGs(kind, url).then((database) => [kind, database]));
    else databases[kind] = read(kind, url);
  }
  if (downloads.length === 0) return { databases };
  const pending = Promise.all(downloads).then((loaded) => {
    const all: { geo?: IpDatabase; asn?: IpDatabase } = { ...databases };
    for (const [kind, database] of loaded) all[kind] = database;
    return all;
  });
  return { databases, pending };
}
