/**
 * Where the REST Pub/Sub transport and the gs:// registry get an OAuth access token (and the
 * Pub/Sub transport, if none is configured, the project id). Loading google-auth-library costs
 * cold-start time, so on Cloud Run / Cloud Functions the token comes straight from the metadata
 * server with one HTTP request, shared by both. How Google's own libraries do each step, which
 * this follows, is cited in test/support/google-client-behaviour.ts.
 */
import { SluiceError } from '../../core/errors.ts';
import { METADATA_TIMEOUT_MS } from '../../core/limits.ts';
import { startDeadline } from '../http/deadline.ts';
import { describeRequestError, requestText, type TextAnswer } from '../http/text-request.ts';

export interface GoogleCredentials {
  /** An access token; cached, refreshed before it expires. */
  accessToken(signal?: AbortSignal): Promise<string>;
  /** The project the credentials belong to (used when `project` is not configured). */
  projectId(signal?: AbortSignal): Promise<string>;
  /** The project billed for quota (`x-goog-user-project`), when the credentials name one (ADC with a quota project). */
  quotaProjectId?(signal?: AbortSignal): Promise<string | undefined>;
  /** Forgets the cached token, after an API answered 401 with it. */
  invalidate?(): void;
}

/** https://developers.google.com/identity/protocols/oauth2/scopes#pubsub */
export const PUBSUB_SCOPE = 'https://www.googleapis.com/auth/pubsub';

/** https://developers.google.com/identity/protocols/oauth2/scopes#storage: reading schemas from Cloud Storage. */
export const STORAGE_READ_SCOPE = 'https://www.googleapis.com/auth/devstorage.read_only';

/**
 * The metadata server's link-local address, which Google's libraries (gcp-metadata's
 * HOST_ADDRESS) use for every request: no DNS lookup on the cold path. `GCE_METADATA_IP` or
 * `GCE_METADATA_HOST` overrides it, as there.
 */
export const DEFAULT_METADATA_HOST = '169.254.169.254';

/** The header the metadata server is asked with and must answer with (gcp-metadata checks the answer's too). */
const METADATA_FLAVOR = 'Google';

/**
 * Environment variables that Cloud Run (services, jobs, worker pools) and Cloud Functions set, and
 * from which Google's libraries conclude they run on Google Cloud serverless (gcp-metadata's
 * isGoogleCloudServerless). FUNCTION_TARGET is not one: the Functions Framework sets it on any
 * machine, a laptop included.
 */
export const SERVERLESS_ENV_VARS: readonly string[] = [
  'CLOUD_RUN_JOB',
  'FUNCTION_NAME',
  'K_SERVICE',
  'CLOUD_RUN_WORKER_POOL',
];

/**
 * A token is refreshed in the background once it has less than this left, while callers keep
 * getting the cached one. The metadata server renews its own cached token when 5 minutes are left,
 * so by then it hands out a new one.
 */
const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * A token is not handed out in its last seconds: a request that starts with it must not arrive
 * with an expired one (a Publish lasts at most the publish timeout, 10 s by default).
 */
const TOKEN_EXPIRY_MARGIN_MS = 10_000;

/** A background refresh is not started again sooner than this after the last one (when the server keeps the old token). */
const MIN_REFRESH_INTERVAL_MS = 5_000;

/**
 * The lifetime assumed when the metadata server's answer has no `expires_in`: the least it hands
 * out (it renews its cached token 5 minutes before expiry), so the token is cached, not fetched
 * for every request, and is never used past its real expiry.
 */
export const DEFAULT_TOKEN_LIFETIME_MS = 300_000;

/**
 * Credentials cannot be had. `retryable` says whether another attempt may succeed (the metadata
 * server did not answer in time, or answered 5xx); configuration mistakes (no ADC, no service
 * account, something that is not the metadata server) are final, so a request fails at once with
 * the fix named instead of retrying for its whole budget.
 */
export class CredentialsError extends SluiceError {
  readonly retryable: boolean;

  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('credentials_unavailable', message, options.cause === undefined ? {} : { cause: options.cause });
    this.retryable = options.retryable ?? false;
  }
}

/**
 * `authorization` (and `x-goog-user-project` when the credentials name a quota project) for one
 * request, as Google's libraries send them.
 */
export async function authorizationHeaders(
  credentials: GoogleCredentials,
  signal?: AbortSignal,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = { authorization: `Bearer ${await credentials.accessToken(signal)}` };
  const quotaProject = await credentials.quotaProjectId?.(signal);
  if (quotaProject) headers['x-goog-user-project'] = quotaProject;
  return headers;
}

/** Waits for `work` until `signal` aborts, then rejects with the signal's reason; `work` itself goes on for others. */
function waitFor<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return work;
  if (signal.aborted) return Promise.reject(abortReason(signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abortReason(signal));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError');
}

interface CachedToken {
  readonly value: string;
  /** Last moment it is handed out. */
  readonly usableUntil: number;
  /** From then on a background refresh is started. */
  readonly refreshAt: number;
}

/**
 * Tokens from the metadata server of Cloud Run / Cloud Functions (the instance's service account):
 * GET /computeMetadata/v1/instance/service-accounts/default/token with `Metadata-Flavor: Google`
 * (https://cloud.google.com/run/docs/container-contract#metadata-server).
 *
 * One fetch at a time, shared by every caller, with its own timeout; each caller waits with its own
 * signal. A cached token is served until shortly before it really expires; from
 * TOKEN_REFRESH_MARGIN_MS before that a refresh runs in the background, so no request waits for a
 * token at the refresh point.
 */
export class MetadataServerCredentials implements GoogleCredentials {
  readonly #base: string;
  #token: CachedToken | undefined;
  #refreshing: Promise<string> | undefined;
  #project: Promise<string> | undefined;

  /** `host` is `host[:port]`, with or without `http://` (tests pass a local fake). */
  constructor(host: string = metadataHost(process.env)) {
    const origin = /^https?:\/\//.test(host) ? host : `http://${host}`;
    this.#base = `${origin.replace(/\/+$/, '')}/computeMetadata/v1`;
  }

  accessToken(signal?: AbortSignal): Promise<string> {
    const cached = this.#token;
    const now = Date.now();
    if (cached !== undefined && now < cached.usableUntil) {
      if (now >= cached.refreshAt && this.#refreshing === undefined) {
        // Failures are left for the next refresh or the expiry: callers keep the valid token meanwhile.
        this.#refresh().catch(() => {});
      }
      return Promise.resolve(cached.value);
    }
    return waitFor(this.#refresh(), signal);
  }

  invalidate(): void {
    this.#token = undefined;
  }

  projectId(signal?: AbortSignal): Promise<string> {
    if (this.#project === undefined) {
      const project = this.#get('project/project-id').then((text) => text.trim());
      project.catch(() => {
        if (this.#project === project) this.#project = undefined;
      });
      this.#project = project;
    }
    return waitFor(this.#project, signal);
  }

  #refresh(): Promise<string> {
    this.#refreshing ??= this.#fetchToken().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #fetchToken(): Promise<string> {
    const url = `${this.#base}/instance/service-accounts/default/token`;
    const text = await this.#get('instance/service-accounts/default/token');
    let answer: { access_token?: unknown; expires_in?: unknown };
    try {
      answer = JSON.parse(text) as typeof answer;
    } catch (error) {
      throw new CredentialsError(`the metadata server's token answer (${url}) is not JSON: ${text.slice(0, 200)}`, {
        cause: error,
      });
    }
    if (typeof answer.access_token !== 'string' || answer.access_token === '') {
      throw new CredentialsError(
        `the metadata server answered ${url} without an access_token; does the instance have a service account?`,
      );
    }
    const lifetimeMs =
      typeof answer.expires_in === 'number' && answer.expires_in > 0
        ? answer.expires_in * 1000
        : DEFAULT_TOKEN_LIFETIME_MS;
    const now = Date.now();
    const expiresAt = now + lifetimeMs;
    this.#token = {
      value: answer.access_token,
      usableUntil: expiresAt - Math.min(TOKEN_EXPIRY_MARGIN_MS, lifetimeMs / 2),
      refreshAt: Math.max(now + MIN_REFRESH_INTERVAL_MS, expiresAt - TOKEN_REFRESH_MARGIN_MS),
    };
    return answer.access_token;
  }

  async #get(path: string): Promise<string> {
    const url = `${this.#base}/${path}`;
    const deadline = startDeadline(METADATA_TIMEOUT_MS, `no answer within ${METADATA_TIMEOUT_MS} ms`);
    let answer: TextAnswer;
    try {
      answer = await requestText(url, { headers: { 'Metadata-Flavor': METADATA_FLAVOR }, signal: deadline.signal });
    } catch (error) {
      throw new CredentialsError(`cannot reach the metadata server at ${url}: ${describeRequestError(error)}`, {
        retryable: true,
        cause: error,
      });
    } finally {
      deadline.clear();
    }
    const { status, text, headers } = answer;
    // Anything else on that address (a proxy, a local service) must not be taken for it.
    if (headers['metadata-flavor'] !== METADATA_FLAVOR) {
      throw new CredentialsError(
        `${url} answered HTTP ${status} without the Metadata-Flavor: Google header, so it is not the metadata server; ` +
          'outside Google Cloud unset K_SERVICE / FUNCTION_NAME (or set METADATA_SERVER_DETECTION=none) to use Application Default Credentials, or fix GCE_METADATA_HOST',
      );
    }
    if (status < 200 || status >= 300) {
      throw new CredentialsError(`the metadata server answered HTTP ${status} for ${url}: ${text.slice(0, 200)}`, {
        retryable: status === 429 || status >= 500,
      });
    }
    return text;
  }
}

/** Options of google-auth-library's GoogleAuth that tests set (a key file instead of the environment's). */
export interface AdcOptions {
  readonly keyFilename?: string;
}

type GoogleAuth = import('google-auth-library').GoogleAuth;
type AuthClient = import('google-auth-library').AuthClient;

/**
 * Application Default Credentials through google-auth-library, imported on first use: for runs
 * outside Google Cloud (the replay tool on a laptop after `gcloud auth application-default login`,
 * `npm start` against real Pub/Sub). Each call waits with its own signal; the quota project of
 * the credentials goes with each request; invalidate() makes the next call build a new client,
 * which fetches a new token.
 */
export class ApplicationDefaultCredentials implements GoogleCredentials {
  #auth: Promise<{ auth: GoogleAuth; client: Promise<AuthClient> }> | undefined;
  readonly #scopes: readonly string[];
  readonly #options: AdcOptions;

  constructor(scopes: readonly string[] = [PUBSUB_SCOPE], options: AdcOptions = {}) {
    this.#scopes = scopes;
    this.#options = options;
  }

  #load(): Promise<{ auth: GoogleAuth; client: Promise<AuthClient> }> {
    if (this.#auth === undefined) {
      const loading = import('google-auth-library').then((loaded) => {
        // From node_modules the exports are named; in the bundle esbuild's CommonJS interop puts them under default.
        const { GoogleAuth } =
          typeof loaded.GoogleAuth === 'function' ? loaded : (loaded as unknown as { default: typeof loaded }).default;
        const auth = new GoogleAuth({ scopes: [...this.#scopes], ...this.#options });
        const client = auth.getClient();
        client.catch(() => {});
        return { auth, client };
      });
      this.#auth = loading;
    }
    return this.#auth;
  }

  async #client(signal?: AbortSignal): Promise<AuthClient> {
    const loaded = this.#load();
    try {
      return await waitFor(
        loaded.then(({ client }) => client),
        signal,
      );
    } catch (error) {
      if (signal?.aborted) throw error;
      // Found no credentials: build the client again next time (after the user logs in).
      if (this.#auth === loaded) this.#auth = undefined;
      throw adcError(error);
    }
  }

  async accessToken(signal?: AbortSignal): Promise<string> {
    const client = await this.#client(signal);
    let token: string | null | undefined;
    try {
      // The library caches the token and refreshes it before it expires.
      token = (await waitFor(client.getAccessToken(), signal)).token;
    } catch (error) {
      if (signal?.aborted) throw error;
      throw adcError(error);
    }
    if (!token) throw new CredentialsError('Application Default Credentials gave no access token');
    return token;
  }

  async quotaProjectId(signal?: AbortSignal): Promise<string | undefined> {
    return (await this.#client(signal)).quotaProjectId || undefined;
  }

  invalidate(): void {
    this.#auth = undefined;
  }

  async projectId(signal?: AbortSignal): Promise<string> {
    const { auth } = await waitFor(this.#load(), signal);
    try {
      return await waitFor(auth.getProjectId(), signal);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new CredentialsError(
        `no Google Cloud project found in Application Default Credentials: ${String(error)}; set project (SLUICE_PROJECT)`,
        { cause: error },
      );
    }
  }
}

/** A CredentialsError for what google-auth-library threw: final unless the token endpoint was unreachable or failing. */
function adcError(error: unknown): CredentialsError {
  const status = (error as { response?: { status?: unknown } } | null)?.response?.status;
  const code = (error as { code?: unknown } | null)?.code;
  const transient =
    (typeof status === 'number' && (status === 429 || status >= 500)) ||
    (typeof code === 'string' && /^(ECONNRESET|ECONNREFUSED|ETIMEDOUT|EAI_AGAIN|EPIPE)$/.test(code));
  return new CredentialsError(
    `no Google credentials: ${String(error)}${transient ? '' : '; run gcloud auth application-default login, or set GOOGLE_APPLICATION_CREDENTIALS'}`,
    { retryable: transient, cause: error },
  );
}

/** `GCE_METADATA_IP`, else `GCE_METADATA_HOST`, else the link-local address (gcp-metadata's order). */
export function metadataHost(env: NodeJS.ProcessEnv): string {
  return env.GCE_METADATA_IP?.trim() || env.GCE_METADATA_HOST?.trim() || DEFAULT_METADATA_HOST;
}

/**
 * Whether to take tokens from the metadata server, as google-auth-library decides: a key file
 * named by GOOGLE_APPLICATION_CREDENTIALS comes first; `METADATA_SERVER_DETECTION` (assume-present
 * / none) decides if set; else the serverless variables Cloud Run and Cloud Functions set.
 */
export function usesMetadataServer(env: NodeJS.ProcessEnv): boolean {
  if (env.GOOGLE_APPLICATION_CREDENTIALS?.trim()) return false;
  const detection = env.METADATA_SERVER_DETECTION?.trim().toLowerCase();
  if (detection === 'assume-present') return true;
  if (detection === 'none') return false;
  return SERVERLESS_ENV_VARS.some((name) => Boolean(env[name]));
}

/** Metadata server on Cloud Run / Cloud Functions (see usesMetadataServer), else Application Default Credentials. */
export function googleCredentials(
  env: NodeJS.ProcessEnv = process.env,
  scopes: readonly string[] = [PUBSUB_SCOPE],
): GoogleCredentials & { invalidate(): void } {
  if (!usesMetadataServer(env)) return new ApplicationDefaultCredentials(scopes);
  // One per metadata host for the process: the Cloud Storage registry and the Pub/Sub sink then
  // share the token the first of them fetches (the service account's token covers both).
  const host = metadataHost(env);
  let credentials = metadataCredentials.get(host);
  if (credentials === undefined) {
    credentials = new MetadataServerCredentials(host);
    metadataCredentials.set(host, credentials);
  }
  return credentials;
}

const metadataCredentials = new Map<string, MetadataServerCredentials>();
