import { SluiceError } from '../../core/errors.ts';
import type { SchemaKey } from '../../core/iglu/schema-key.ts';
import { DEFAULT_REGISTRY_TIMEOUT_MS, MAX_REGISTRY_REDIRECTS, MAX_SCHEMA_DOCUMENT_BYTES } from '../../core/limits.ts';
import {
  InvalidSchemaDocumentError,
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../core/registry/schema-registry.ts';
import { documentTooLarge, parseSchemaDocument, readCapped } from './schema-document.ts';

export interface HttpRegistryOptions {
  /** Budget for the whole lookup: connection, redirects and body. */
  readonly timeoutMs?: number;
  /** Replaces the global `fetch` (tests). */
  readonly fetch?: typeof globalThis.fetch;
}

const NOT_FOUND: RegistryLookup = Object.freeze({ found: false });

/**
 * 404 and 410 say the key does not exist. 403 is read the same way because static hosting (GCS and
 * S3 websites, most CDNs in front of a private bucket) answers 403 for a missing object when
 * listing is not allowed. The price: a registry that really forbids us everything looks empty
 * rather than unavailable.
 */
const NOT_FOUND_STATUSES = new Set([403, 404, 410]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/**
 * A registry served over HTTP(S), such as Iglu Central (`https://iglucentral.com/schemas`) or a
 * static bucket website. The key `vendor/name/jsonschema/1-0-0` is fetched from `<url>/vendor/name/jsonschema/1-0-0`.
 */
export class HttpRegistry implements SchemaRegistry {
  readonly url: string;
  readonly #base: string;
  readonly #timeoutMs: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(url: string, options: HttpRegistryOptions = {}) {
    this.url = url;
    this.#base = baseOf(url);
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REGISTRY_TIMEOUT_MS;
    if (!(this.#timeoutMs > 0))
      throw new RangeError(`HttpRegistry timeoutMs must be a positive number of milliseconds, got ${this.#timeoutMs}`);
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    // The URL currently being fetched, advanced by redirects, for error messages.
    const hop = { url: new URL(`${this.#base}/${key.path}`) };
    try {
      const response = await this.#fetchFollowingRedirects(hop, signal);
      if (response.status === 200) {
        return { found: true, schema: await this.#readDocument(response, key), registry: this.url };
      }
      await discard(response);
      if (NOT_FOUND_STATUSES.has(response.status)) return NOT_FOUND;
      throw new RegistryUnavailableError(
        this.url,
        `GET ${hop.url} answered HTTP ${response.status} ${response.statusText}`.trimEnd(),
      );
    } catch (error) {
      if (error instanceof RegistryUnavailableError || error instanceof InvalidSchemaDocumentError) throw error;
      if (signal.aborted) {
        throw new RegistryUnavailableError(this.url, `GET ${hop.url} did not complete within ${this.#timeoutMs} ms`, {
          cause: error,
        });
      }
      throw new RegistryUnavailableError(this.url, `GET ${hop.url} failed: ${describeNetworkError(error)}`, {
        cause: error,
      });
    }
  }

  /**
   * fetch would follow redirects by itself; doing it here lets us refuse any scheme but http(s)
   * and report which hop failed (`hop.url` always holds the URL being fetched).
   */
  async #fetchFollowingRedirects(hop: { url: URL }, signal: AbortSignal): Promise<Response> {
    const start = hop.url;
    for (let redirects = 0; ; redirects++) {
      const url = hop.url;
      const response = await this.#fetch(url, {
        headers: { accept: 'application/schema+json, application/json' },
        redirect: 'manual',
        signal,
      });
      if (!REDIRECT_STATUSES.has(response.status)) return response;
      await discard(response);
      const location = response.headers.get('location');
      if (location === null) {
        throw new RegistryUnavailableError(
          this.url,
          `GET ${url} answered HTTP ${response.status} without a Location header`,
        );
      }
      if (redirects >= MAX_REGISTRY_REDIRECTS) {
        throw new RegistryUnavailableError(
          this.url,
          `GET ${start} redirected more than ${MAX_REGISTRY_REDIRECTS} times`,
        );
      }
      const next = URL.parse(location, url.href);
      if (next === null || (next.protocol !== 'http:' && next.protocol !== 'https:')) {
        throw new RegistryUnavailableError(
          this.url,
          `GET ${url} redirected to ${JSON.stringify(location)}, which is not an http(s) URL`,
        );
      }
      hop.url = next;
    }
  }

  async #readDocument(response: Response, key: SchemaKey): Promise<Record<string, unknown>> {
    // content-length counts encoded bytes, so it only proves "too big" for an unencoded body;
    // the streamed count (after decompression) is the real limit either way.
    const length = Number(response.headers.get('content-length') ?? NaN);
    const encoding = response.headers.get('content-encoding');
    if ((encoding === null || encoding === 'identity') && length > MAX_SCHEMA_DOCUMENT_BYTES) {
      await discard(response);
      throw documentTooLarge(this.url, key, String(length));
    }
    const bytes = response.body === null ? new Uint8Array() : await readCapped(response.body, this.url, key);
    return parseSchemaDocument(bytes, this.url, key);
  }
}

function baseOf(url: string): string {
  const invalid = (reason: string) =>
    new SluiceError(
      'invalid_registry_url',
      `invalid HTTP registry URL ${JSON.stringify(url)}: ${reason}; expected http(s)://<host>[/<path>], e.g. https://iglucentral.com/schemas`,
    );
  const parsed = URL.parse(url);
  if (parsed === null) throw invalid('it is not a valid URL');
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw invalid(`the scheme is ${parsed.protocol} instead of http: or https:`);
  // fetch refuses URLs with credentials, and they would end up in every log line.
  if (parsed.username !== '' || parsed.password !== '')
    throw invalid('it contains credentials, which are not supported');
  if (parsed.search !== '' || parsed.hash !== '')
    throw invalid('keys are appended to the path, so it cannot have a ?query or #fragment');
  return `${parsed.origin}${parsed.pathname.replace(/\/+$/, '')}`;
}

/** Releases the connection of a response whose body we do not want. */
async function discard(response: Response): Promise<void> {
  await response.body?.cancel().catch(() => undefined);
}

/** fetch reports "fetch failed" and hides the reason (ECONNREFUSED, ENOTFOUND...) in `cause`. */
function describeNetworkError(error: unknown): string {
  const parts: string[] = [];
  for (let current = error; current instanceof Error && parts.length < 4; current = current.cause) {
    const code = (current as NodeJS.ErrnoException).code;
    parts.push(code && !current.message.includes(code) ? `${code} ${current.message}` : current.message);
  }
  return parts.length > 0 ? parts.join(': ') : String(error);
}
