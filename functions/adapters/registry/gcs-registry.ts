import { messageOf, SluiceError } from '../../core/errors.ts';
import type { SchemaKey } from '../../core/iglu/schema-key.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS, MAX_SCHEMA_DOCUMENT_BYTES } from '../../core/limits.ts';
import {
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../core/registry/schema-registry.ts';
import { truncate } from '../../core/text.ts';
import { googleApiError } from '../google/google-api-error.ts';
import { type GoogleCredentials, googleCredentials, STORAGE_READ_SCOPE } from '../google/google-credentials.ts';
import { startDeadline } from '../http/deadline.ts';
import { AnswerTooLargeError, type BodyAnswer, requestBody } from '../http/text-request.ts';
import { documentTooLarge, parseSchemaDocument } from './schema-document.ts';

/** Cloud Storage's JSON API (https://cloud.google.com/storage/docs/json_api). */
export const GCS_JSON_API_ENDPOINT = 'https://storage.googleapis.com';

export interface GcsRegistryOptions {
  /**
   * Origin of the JSON API, e.g. `http://127.0.0.1:4443` for an emulator or a test server.
   * Default: `STORAGE_EMULATOR_HOST` when set (as Google's libraries read it), else Cloud Storage.
   */
  readonly endpoint?: string;
  /**
   * Where the bearer token comes from. Default: none for an endpoint other than Cloud Storage's
   * (emulators take none), else the metadata server on Cloud Run / Cloud Functions, or
   * Application Default Credentials elsewhere.
   */
  readonly credentials?: GoogleCredentials;
  /** Budget for one lookup, token and download included. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** A non-2xx answer of the JSON API; `code` is the HTTP status, as on the library's errors. */
export class GcsHttpError extends Error {
  override readonly name = 'GcsHttpError';
  readonly code: number;

  constructor(code: number, message: string) {
    super(message);
    this.code = code;
  }
}

const NOT_FOUND: RegistryLookup = Object.freeze({ found: false });

// Same rule as Google's own bucket naming: 3-222 characters of a-z 0-9 . _ -, alphanumeric at both ends.
const BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;

/**
 * A registry in a Cloud Storage bucket: `gs://my-bucket/schemas` reads the key
 * `vendor/name/jsonschema/1-0-0` from the object `schemas/vendor/name/jsonschema/1-0-0`;
 * `gs://my-bucket` reads it from the bucket root.
 *
 * Each lookup is one media GET of the JSON API (`/storage/v1/b/<bucket>/o/<object>?alt=media`)
 * made with node:http(s), with the token the Pub/Sub sink uses too. Not @google-cloud/storage:
 * every deployed instance reads its first schema on its first request, and loading that library
 * (and its own auth client, which fetches a second token) was 0.125 s of that cold start from a
 * bundle chunk and 0.25 s from node_modules. Its retries are not wanted either: a lookup has a
 * budget while an event request waits, and a failed one is reported as unavailable so that the
 * registry chain or the sender retries.
 */
export class GcsRegistry implements SchemaRegistry {
  readonly url: string;
  readonly bucket: string;
  /** Object name prefix without leading or trailing `/`; '' for the bucket root. */
  readonly prefix: string;
  readonly #timeoutMs: number;
  readonly #endpoint: string;
  readonly #credentials: GoogleCredentials | undefined;

  constructor(url: string, options: GcsRegistryOptions = {}) {
    this.url = url;
    [this.bucket, this.prefix] = parseGsUrl(url);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0))
      throw new RangeError(`GcsRegistry timeoutMs must be a positive number of milliseconds, got ${this.#timeoutMs}`);
    const env = options.env ?? process.env;
    const emulator = env.STORAGE_EMULATOR_HOST?.trim();
    const endpoint =
      options.endpoint ??
      (emulator ? (/^https?:\/\//.test(emulator) ? emulator : `http://${emulator}`) : GCS_JSON_API_ENDPOINT);
    this.#endpoint = endpoint.replace(/\/+$/, '');
    this.#credentials =
      options.credentials ??
      (this.#endpoint === GCS_JSON_API_ENDPOINT ? googleCredentials(env, [STORAGE_READ_SCOPE]) : undefined);
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const object = this.prefix === '' ? key.path : `${this.prefix}/${key.path}`;
    const where = `gs://${this.bucket}/${object}`;
    const url = `${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(object)}?alt=media`;
    const deadline = startDeadline(this.#timeoutMs, `did not complete within ${this.#timeoutMs} ms`);
    let answer: BodyAnswer;
    try {
      const headers: Record<string, string> = {};
      if (this.#credentials !== undefined)
        headers.authorization = `Bearer ${await this.#credentials.accessToken(deadline.signal)}`;
      answer = await requestBody(url, { headers, signal: deadline.signal, maxBytes: MAX_SCHEMA_DOCUMENT_BYTES });
    } catch (error) {
      if (error instanceof AnswerTooLargeError)
        throw documentTooLarge(this.url, key, `more than ${MAX_SCHEMA_DOCUMENT_BYTES}`);
      if (deadline.signal.aborted) {
        throw new RegistryUnavailableError(this.url, `reading ${where} did not complete within ${this.#timeoutMs} ms`, {
          cause: error,
        });
      }
      const message = messageOf(error);
      throw new RegistryUnavailableError(this.url, `reading ${where} failed: ${truncate(message, 300)}`, {
        cause: error,
      });
    } finally {
      deadline.clear();
    }
    if (answer.status >= 200 && answer.status < 300)
      return { found: true, schema: parseSchemaDocument(answer.body, this.url, key), registry: this.url };
    const message = errorMessage(answer);
    // A missing bucket is also a 404, but it means a wrong URL or a deleted bucket, not a
    // missing schema: reporting "not found" would reject every event instead of raising an alarm.
    if (answer.status === 404 && !/bucket does not exist/i.test(message)) return NOT_FOUND;
    const error = new GcsHttpError(answer.status, message);
    throw new RegistryUnavailableError(
      this.url,
      `reading ${where} failed (HTTP ${answer.status}): ${truncate(message, 300)}`,
      { cause: error },
    );
  }
}

/** The message of a JSON API error body, else the text. */
function errorMessage(answer: BodyAnswer): string {
  const text = answer.body.subarray(0, 4096).toString('utf8');
  return googleApiError(text).message ?? (text.trim() || `HTTP ${answer.status}`);
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
    throw invalid(
      `${JSON.stringify(bucket)} is not a bucket name (3-222 characters: lowercase letters, digits, ".", "_", "-")`,
    );
  }
  if (/[?#]/.test(path)) throw invalid('keys are appended to the prefix, so it cannot have a ?query or #fragment');
  return [bucket, path.replace(/^\/+|\/+$/g, '')];
}
