import type { StorageOptions } from '@google-cloud/storage';
import type { Readable } from 'node:stream';
import { SluiceError } from '../../core/errors.ts';
import type { SchemaKey } from '../../core/iglu/schema-key.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS } from '../../core/limits.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
  type RegistryLookup,
  type SchemaRegistry,
} from '../../core/registry/schema-registry.ts';
import { parseSchemaDocument, readCapped } from './schema-document.ts';
import { truncate } from '../../core/text.ts';

/** The part of `@google-cloud/storage`'s `Storage` this adapter uses; a real `Storage` satisfies it. */
export interface StorageLike {
  bucket(name: string): { file(name: string): { createReadStream(): Readable } };
}

export interface GcsRegistryOptions {
  /**
   * A client to use (shared, or a test double), or options for the client created on the first
   * lookup, e.g. `{ apiEndpoint: 'http://127.0.0.1:4443', projectId: 'test' }` for an emulator.
   */
  readonly storage?: StorageLike | StorageOptions;
  /** Budget for one lookup, download included. */
  readonly timeoutMs?: number;
}

const NOT_FOUND: RegistryLookup = Object.freeze({ found: false });

// Same rule as Google's own bucket naming: 3-222 characters of a-z 0-9 . _ -, alphanumeric at both ends.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * A registry in a Cloud Storage bucket: `gs://my-bucket/schemas` reads the key
 * `vendor/name/jsonschema/1-0-0` from the object `schemas/vendor/name/jsonschema/1-0-0`;
 * `gs://my-bucket` reads it from the bucket root.
 */
export class GcsRegistry implements SchemaRegistry {
  readonly url: string;
  readonly bucket: string;
  /** Object name prefix without leading or trailing `/`; '' for the bucket root. */
  readonly prefix: string;
  readonly #timeoutMs: number;
  readonly #storageOption: StorageLike | StorageOptions | undefined;
  #storage: Promise<StorageLike> | undefined;

  constructor(url: string, options: GcsRegistryOptions = {}) {
    this.url = url;
    [this.bucket, this.prefix] = parseGsUrl(url);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0)) throw new RangeError(`GcsRegistry timeoutMs must be a positive number of milliseconds, got ${this.#timeoutMs}`);
    this.#storageOption = options.storage;
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const object = this.prefix === '' ? key.path : `${this.prefix}/${key.path}`;
    const where = `gs://${this.bucket}/${object}`;
    const storage = await this.#client();
    let timedOut = false;
    let timer: NodeJS.Timeout | undefined;
    let bytes: Uint8Array;
    try {
      // A stream rather than download(): we stop reading at the size limit instead of buffering
      // whatever the object holds. It is a single media GET, with no metadata request first.
      const stream = storage.bucket(this.bucket).file(object).createReadStream();
      timer = setTimeout(() => {
        timedOut = true;
        stream.destroy(new Error(`timed out after ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
      bytes = await readCapped(stream, this.url, key);
    } catch (error) {
      if (error instanceof InvalidSchemaDocumentError) throw error;
      if (timedOut) {
        throw new RegistryUnavailableError(this.url, `reading ${where} did not complete within ${this.#timeoutMs} ms`, { cause: error });
      }
      const status = (error as { code?: unknown }).code;
      const message = error instanceof Error ? error.message : String(error);
      // A missing bucket is also a 404, but it means a wrong URL or a deleted bucket, not a
      // missing schema: reporting "not found" would reject every event instead of raising an alarm.
      if (status === 404 && !/bucket does not exist/i.test(message)) return NOT_FOUND;
      const detail = typeof status === 'number' ? `HTTP ${status}` : typeof status === 'string' ? status : 'error';
      throw new RegistryUnavailableError(this.url, `reading ${where} failed (${detail}): ${truncate(message, 300)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
    return { found: true, schema: parseSchemaDocument(bytes, this.url, key), registry: this.url };
  }

  /** The client, created on first use: loading @google-cloud/storage costs cold-start time. */
  #client(): Promise<StorageLike> {
    this.#storage ??= this.#createClient().catch((error: unknown) => {
      this.#storage = undefined; // let a later lookup try again
      throw new RegistryUnavailableError(this.url, `cannot create a Cloud Storage client: ${String(error)}`, { cause: error });
    });
    return this.#storage;
  }

  async #createClient(): Promise<StorageLike> {
    const option = this.#storageOption;
    if (option !== undefined && typeof (option as StorageLike).bucket === 'function') return option as StorageLike;
    const { Storage } = await import('@google-cloud/storage');
    return new Storage({
      // The library retries 5xx/429 up to 3 times with backoff starting at 1 s, which would blow
      // the lookup budget while an event request waits. A failed lookup is reported as unavailable
      // and the registry chain or the sender retries instead.
      retryOptions: { autoRetry: false },
      timeout: this.#timeoutMs,
      ...(option as StorageOptions | undefined),
    });
  }
}

function parseGsUrl(url: string): [bucket: string, prefix: string] {
  const invalid = (reason: string) =>
    new SluiceError(
      'invalid_registry_url',
      `invalid Cloud Storage registry URL ${JSON.stringify(url)}: ${reason}; expected gs://<bucket>[/<prefix>], e.g. gs://my-bucket/schemas`,
    );
  const match = /^gs:\/\/([^/]*)(?:\/(.*))?$/is.exec(url);
  if (!match) throw invalid('it does not start with gs://');
  const [, bucket = '', path = ''] = match;
  if (bucket === '') throw invalid('the bucket name is missing');
  if (!BUCKET.test(bucket)) {
    throw invalid(`${JSON.stringify(bucket)} is not a bucket name (3-222 characters: lowercase letters, digits, ".", "_", "-")`);
  }
  if (/[?#]/.test(path)) throw invalid('keys are appended to the prefix, so it cannot have a ?query or #fragment');
  return [bucket, path.replace(/^\/+|\/+$/g, '')];
}
