/**
 * Where the REST Pub/Sub transport and the gs:// registry get an OAuth access token (and the
 * Pub/Sub transport, if none is configured, the project id). Loading google-auth-library costs
 * cold-start time, so on Cloud Run / Cloud Functions the token comes straight from the metadata
 * server with one HTTP request, shared by both.
 */
import { describeRequestError, requestText, type TextAnswer } from '../http/text-request.ts';

export interface GoogleCredentials {
  /** An access token with the Pub/Sub scope; cached, refreshed shortly before it expires. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** The project the credentials belong to (used when `project` is not configured). */
  projectId(signal?: AbortSignal): Promise<string>;
}

/** https://developers.google.com/identity/protocols/oauth2/scopes#pubsub */
export const PUBSUB_SCOPE = 'https://www.googleapis.com/auth/pubsub';

/** https://developers.google.com/identity/protocols/oauth2/scopes#storage: reading schemas from Cloud Storage. */
export const STORAGE_READ_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

/** The metadata server's name inside Google Cloud; `GCE_METADATA_HOST` overrides it, as in Google's own libraries. */
export const DEFAULT_METADATA_HOST = 'metadata.google.internal';

/**
 * A cached token is replaced this long before it expires, so that no request goes out with a
 * token that expires in flight. The metadata server hands out tokens with at least a few minutes
 * left, and refreshes them itself before that.
 */
const TOKEN_REFRESH_MARGIN_MS = 60_000;

/** How long one metadata request may take when the caller gives no signal. */
const METADATA_TIMEOUT_MS = 3_000;

/** Thrown when credentials cannot be had; the REST client treats it as retryable (the metadata server may be starting). */
export class CredentialsError extends Error {
  override readonly name = 'CredentialsError';
}

/**
 * Tokens from the metadata server of Cloud Run / Cloud Functions (the instance's service account):
 * GET /computeMetadata/v1/instance/service-accounts/default/token with `Metadata-Flavor: Google`
 * (https://cloud.google.com/run/docs/container-contract#metadata-server).
 */
export class MetadataServerCredentials implements GoogleCredentials {
  readonly #base: string;
  #token: { value: string; refreshAt: number } | undefined;
  #refreshing: Promise<string> | undefined;
  #project: Promise<string> | undefined;

  /** `host` is `host[:port]` without a scheme (tests pass a local fake). */
  constructor(host: string = process.env.GCE_METADATA_HOST?.trim() || DEFAULT_METADATA_HOST) {
    this.#base = `http://${host}/computeMetadata/v1`;
  }

  accessToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    if (cached !== undefined && Date.now() < cached.refreshAt) return Promise.resolve(cached.value);
    // One refresh at a time: a burst of batches at an expiry must not become a burst of token requests.
    this.#refreshing ??= this.#fetchToken(signal).finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  /** Forgets the cached token (after Pub/Sub answered 401 with it). */
  invalidate(): void {
    this.#token = undefined;
  }

  projectId(signal?: AbortSignal): Promise<string> {
    this.#project ??= this.#get('project/project-id', signal).then((text) => text.trim());
    this.#project.catch(() => (this.#project = undefined));
    return this.#project;
  }

  async #fetchToken(signal?: AbortSignal): Promise<string> {
    const text = await this.#get('instance/service-accounts/default/token', signal);
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch (error) {
      throw new CredentialsError(`the metadata server's token answer is not JSON: ${text.slice(0, 200)}`, {
        cause: error,
      });
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new CredentialsError('the metadata server answered without an access_token');
    }
    const lifetimeMs = typeof answer.expires_in === 'number' ? answer.expires_in * 1000 : 0;
    this.#token = {
      value: answer.access_token,
      refreshAt: Date.now() + Math.max(0, lifetimeMs - TOKEN_REFRESH_MARGIN_MS),
    };
    return answer.access_token;
  }

  async #get(path: string, signal?: AbortSignal): Promise<string> {
    const url = `${this.#base}/${path}`;
    let answer: TextAnswer;
    try {
      answer = await requestText(url, {
        headers: { 'Metadata-Flavor': 'Google' },
        signal: signal ?? AbortSignal.timeout(METADATA_TIMEOUT_MS),
      });
    } catch (error) {
      throw new CredentialsError(`cannot reach the metadata server at ${url}: ${describeRequestError(error)}`, {
        cause: error,
      });
    }
    const { status, text } = answer;
    if (status < 200 || status >= 300)
      throw new CredentialsError(`the metadata server answered HTTP ${status} for ${url}: ${text.slice(0, 200)}`);
    return text;
  }
}

/**
 * Application Default Credentials through google-auth-library, imported on first use: for runs
 * outside Google Cloud (the replay tool on a laptop after `gcloud auth application-default login`).
 */
export class ApplicationDefaultCredentials implements GoogleCredentials {
  #auth: Promise<import('google-auth-library').GoogleAuth> | undefined;
  readonly #scopes: readonly string[];

  constructor(scopes: readonly string[] = [PUBSUB_SCOPE]) {
    this.#scopes = scopes;
  }

  #client(): Promise<import('google-auth-library').GoogleAuth> {
    this.#auth ??= import('google-auth-library').then((loaded) => {
      // From node_modules the exports are named; in the bundle esbuild's CommonJS interop puts them under default.
      const { GoogleAuth } =
        typeof loaded.GoogleAuth === 'function' ? loaded : (loaded as unknown as { default: typeof loaded }).default;
      return new GoogleAuth({ scopes: [...this.#scopes] });
    });
    return this.#auth;
  }

  async accessToken(): Promise<string> {
    let token: string | null | undefined;
    try {
      // The library caches the token and refreshes it before it expires.
      token = await (await this.#client()).getAccessToken();
    } catch (error) {
      throw new CredentialsError(
        `no Google credentials for Pub/Sub: ${String(error)}; run gcloud auth application-default login`,
        { cause: error },
      );
    }
    if (!token) throw new CredentialsError('Application Default Credentials gave no access token');
    return token;
  }

  invalidate(): void {}

  async projectId(): Promise<string> {
    return (await this.#client()).getProjectId();
  }
}

/** Metadata server on Cloud Run / Cloud Functions (K_SERVICE or FUNCTION_TARGET is set), else Application Default Credentials. */
export function googleCredentials(
  env: NodeJS.ProcessEnv = process.env,
  scopes: readonly string[] = [PUBSUB_SCOPE],
): GoogleCredentials & { invalidate(): void } {
  if (!(env.K_SERVICE || env.FUNCTION_TARGET)) return new ApplicationDefaultCredentials(scopes);
  // One per metadata host for the process: the Cloud Storage registry and the Pub/Sub sink then
  // share the token the first of them fetches (the service account's token covers both).
  const host = env.GCE_METADATA_HOST?.trim() || DEFAULT_METADATA_HOST;
  let credentials = metadataCredentials.get(host);
  if (credentials === undefined) {
    credentials = new MetadataServerCredentials(host);
    metadataCredentials.set(host, credentials);
  }
  return credentials;
}

const metadataCredentials = new Map<string, MetadataServerCredentials>();
