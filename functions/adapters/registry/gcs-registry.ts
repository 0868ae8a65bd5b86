import { messageOf, SluiceError } from '../../core/errors.ts';
import type { SchemaKey } from '../../core/iglu/schema-key.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS, MAX_GCS_LOOKUP_ATTEMPTS, MAX_SCHEMA_DOCUMENT_BYTES } from '../../core/limits.ts';
import {
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../core/registry/schema-registry.ts';
import { truncate } from '../../core/text.ts';
import { GOOGLE_CLIENT_HEADERS } from '../google/client-headers.ts';
import { googleApiError } from '../google/google-api-error.ts';
import {
  authorizationHeaders,
  CredentialsError,
  type GoogleCredentials,
  googleCredentials,
  STORAGE_READ_SCOPE,
} from '../google/google-credentials.ts';
import { attemptTimeoutMs, startDeadline } from '../http/deadline.ts';
import { AnswerTooLargeError, type BodyAnswer, requestBody } from '../http/text-request.ts';
import { documentTooLarge, parseSchemaDocument } from './schema-document.ts';

/** Cloud Storage's JSON API (https://cloud.google.com/storage/docs/json_api). */
export const GCS_JSON_API_ENDPOINT = 'https://storage.googleapis.com';

/** First pause before a retry; doubled each time, with full jitter down to half of it. */
const FIRST_RETRY_DELAY_MS = 100;

export interface GcsRegistryOptions {
  /**
   * Origin of the JSON API, e.g. `http://127.0.0.1:4443` for an emulator or a test server.
   * Default: `STORAGE_EMULATOR_HOST` when set (as Google's libraries read it), else Cloud Storage.
   */
  readonly endpoint?: string;
  /**
   * Cloud Storage at a regional or private endpoint (registry.storage_api_endpoint), e.g.
   * `storage.europe-west1.rep.googleapis.com`: HTTPS unless written with `http://`, with
   * credentials as for Cloud Storage. Ignored when `endpoint` or STORAGE_EMULATOR_HOST is set.
   */
  readonly apiEndpoint?: string;
  /**
   * Where the bearer token comes from. Default: none for an endpoint other than Cloud Storage's
   * (emulators take none), else the metadata server on Cloud Run / Cloud Functions, or
   * Application Default Credentials elsewhere.
   */
  readonly credentials?: GoogleCredentials;
  /** Budget for one lookup, token, download and retries included. */
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/** A non-2xx answer of the Cloud Storage JSON API: Google's own message, and the HTTP status. */
export class GcsHttpError extends SluiceError {
  readonly httpStatus: number;

  constructor(httpStatus: number, message: string) {
    super('gcs_http_error', message);
    this.httpStatus = httpStatus;
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
 * (and its own auth client, which fetches a second token) would add to that cold start what this
 * module's few hundred lines do not. Its retries are not wanted either: a lookup has a
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
    const apiEndpoint = options.apiEndpoint?.trim();
    let endpoint = GCS_JSON_API_ENDPOINT;
    let cloudStorage = true;
    if (options.endpoint !== undefined || emulator) {
      endpoint = options.endpoint ?? withScheme(emulator as string, 'http');
      cloudStorage = endpoint.replace(/\/+$/, '') === GCS_JSON_API_ENDPOINT;
    } else if (apiEndpoint) {
      endpoint = withScheme(apiEndpoint, 'https');
    }
    this.#endpoint = endpoint.replace(/\/+$/, '');
    // Emulators and test servers take no token; Cloud Storage at any of its addresses does.
    this.#credentials =
      options.credentials ?? (cloudStorage ? googleCredentials(env, [STORAGE_READ_SCOPE]) : undefined);
  }

  /**
   * One media download, retried within the lookup's budget (timeoutMs) on 408, 429, 5xx, a
   * dropped connection or an attempt cut by its own deadline (a third of the budget, so a silent
   * connection leaves time for a retry on a new one), at most MAX_GCS_LOOKUP_ATTEMPTS times with
   * jittered pauses. A 401 drops the cached token and is tried once more with a new one.
   */
  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const object = this.prefix === '' ? key.path : `${this.prefix}/${key.path}`;
    const where = `gs://${this.bucket}/${object}`;
    const url = `${this.#endpoint}/storage/v1/b/${encodeURIComponent(this.bucket)}/o/${encodeURIComponent(object)}?alt=media`;
    const started = Date.now();
    const budgetEnd = started + this.#timeoutMs;
    const attemptMs = attemptTimeoutMs(this.#timeoutMs);
    let refreshedToken = false;
    let answer: BodyAnswer | undefined;
    let failure: RegistryUnavailableError | undefined;
    for (let attempt = 1; ; attempt++) {
      // The first attempt gets its share exactly; later ones are also cut to what the budget has left.
      const limit = attempt === 1 ? attemptMs : Math.max(1, Math.min(attemptMs, budgetEnd - Date.now()));
      const deadline = startDeadline(limit, `did not complete within ${limit} ms`);
      let retryable: boolean;
      try {
        const headers: Record<string, string> = { ...GOOGLE_CLIENT_HEADERS };
        if (this.#credentials !== undefined)
          Object.assign(headers, await authorizationHeaders(this.#credentials, deadline.signal));
        answer = await requestBody(url, { headers, signal: deadline.signal, maxBytes: MAX_SCHEMA_DOCUMENT_BYTES });
        if (answer.status === 401 && !refreshedToken && this.#credentials?.invalidate !== undefined) {
          refreshedToken = true;
          this.#credentials.invalidate();
          retryable = true;
          failure = this.#httpFailure(where, answer);
        } else if (isTransientStatus(answer.status)) {
          retryable = true;
          failure = this.#httpFailure(where, answer);
        } else {
          break;
        }
      } catch (error) {
        if (error instanceof AnswerTooLargeError)
          throw documentTooLarge(this.url, key, `more than ${MAX_SCHEMA_DOCUMENT_BYTES}`);
        const message = messageOf(error);
        failure = deadline.signal.aborted
          ? new RegistryUnavailableError(this.url, `reading ${where} did not complete within ${limit} ms`, {
              cause: error,
            })
          : new RegistryUnavailableError(this.url, `reading ${where} failed: ${truncate(message, 300)}`, {
              cause: error,
            });
        // No credentials is a configuration mistake: asking again cannot help.
        retryable = !(error instanceof CredentialsError && !error.retryable);
      } finally {
        deadline.clear();
      }
      const pause = Math.round(FIRST_RETRY_DELAY_MS * 2 ** (attempt - 1) * (0.5 + Math.random() / 2));
      if (!retryable || attempt >= MAX_GCS_LOOKUP_ATTEMPTS || Date.now() + pause >= budgetEnd) {
        if (attempt > 1 && failure !== undefined) {
          const budget = `after ${attempt} attempts within registry.timeout_ms ${this.#timeoutMs} ms`;
          throw new RegistryUnavailableError(this.url, `${failure.message} (${budget})`, {
            cause: failure.cause,
          });
        }
        throw failure;
      }
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    if (answer.status >= 200 && answer.status < 300)
      return { found: true, schema: parseSchemaDocument(answer.body, this.url, key), registry: this.url };
    // A missing bucket is also a 404, but it means a wrong URL or a deleted bucket, not a
    // missing schema: reporting "not found" would reject every event instead of raising an alarm.
    if (answer.status === 404 && !/bucket does not exist/i.test(errorMessage(answer))) return NOT_FOUND;
    throw this.#httpFailure(where, answer);
  }

  #httpFailure(where: string, answer: BodyAnswer): RegistryUnavailableError {
    const message = errorMessage(answer);
    return new RegistryUnavailableError(
      this.url,
      `reading ${where} failed (HTTP ${answer.status}): ${truncate(message, 300)}`,
      { cause: new GcsHttpError(answer.status, message) },
    );
  }
}

/** Cloud Storage's transient answers: 408, 429 and 5xx. */
function isTransientStatus(status: number): boolean {
  return status === 408 || status === 429 || (status >= 500 && status < 600);
}

/** `http(s)://host[:port]` for an endpoint written with or without a scheme. */
function withScheme(endpoint: string, scheme: 'http' | 'https'): string {
  return /^https?:\/\//i.test(endpoint) ? endpoint : `${scheme}://${endpoint}`;
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
