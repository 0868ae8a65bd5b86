import type { PublishOptions } from '@google-cloud/pubsub';
import { messageOf, SluiceError } from '../../core/errors.ts';
import { MAX_CONCURRENT_PUBSUB_REQUESTS, MAX_PUBSUB_REQUEST_BYTES } from '../../core/limits.ts';
import { Slots } from '../../core/slots.ts';
import { GOOGLE_CLIENT_HEADERS } from '../google/client-headers.ts';
import { googleApiError } from '../google/google-api-error.ts';
import {
  authorizationHeaders,
  CredentialsError,
  type GoogleCredentials,
  googleCredentials,
} from '../google/google-credentials.ts';
import { PUBLISH_RETRY_CODES, RPC_CODES, type RpcStatusName, statusForHttp } from '../google/rpc-status.ts';
import { attemptTimeoutMs, startDeadline } from '../http/deadline.ts';
import { describeRequestError, requestText, type TextAnswer } from '../http/text-request.ts';
import type { PubsubClient } from './pubsub-client.ts';
import { pubsubEndpoint } from './pubsub-endpoint.ts';
import { RestTopic } from './rest-topic.ts';

/** Real Pub/Sub's REST endpoint (https://cloud.google.com/pubsub/docs/reference/rest). */
export const PUBSUB_REST_ENDPOINT = 'https://pubsub.googleapis.com';

/** Status names worth another attempt: the Pub/Sub library's Publish retry codes. */
const RETRYABLE_STATUSES: ReadonlySet<string> = new Set(PUBLISH_RETRY_CODES);

/**
 * A Publish request that failed. The message starts as the gRPC library's do (`5 NOT_FOUND: …`),
 * so logs read the same on both transports; `rpcStatus` and `rpcCode` are the google.rpc.Code
 * (read them through `rpcCodeOf`, which also reads the gRPC library's numeric `code`).
 */
export class RestPublishError extends SluiceError {
  readonly rpcStatus: RpcStatusName;
  readonly rpcCode: number;
  /** The HTTP status; 0 when no answer came (network error, timeout). */
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(
    status: RpcStatusName,
    detail: string,
    transport: { httpStatus: number; retryable: boolean },
    options?: ErrorOptions,
  ) {
    super('pubsub_publish_failed', `${RPC_CODES[status]} ${status}: ${detail}`, options);
    this.rpcStatus = status;
    this.rpcCode = RPC_CODES[status];
    this.httpStatus = transport.httpStatus;
    this.retryable = transport.retryable;
  }
}

/** How long a batch may be retried, and how long to wait between attempts. */
export interface RestRetrySettings {
  /** From the moment a batch is sent: no attempt starts after it, and each attempt's deadline is cut to it. */
  readonly budgetMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export interface PubsubRestClientOptions {
  /** Empty: `sluice-local` on an emulator, otherwise the credentials' project. */
  readonly projectId: string;
  /** `host:port` of an emulator (a leading `http://` is accepted, as the library accepts it); absent: PUBSUB_EMULATOR_HOST, else real Pub/Sub. */
  readonly emulatorHost?: string;
  /**
   * Real Pub/Sub at another address (pubsub.api_endpoint): a regional or private endpoint such as
   * `europe-west1-pubsub.googleapis.com` or `https://pubsub-myendpoint.p.googleapis.com`. HTTPS
   * unless written with `http://`. Ignored on an emulator.
   */
  readonly apiEndpoint?: string;
  readonly retry: RestRetrySettings;
  /** Called once per batch sent (not per retry): the sink's publishCalls counter. */
  readonly onPublishRequest?: () => void;
  /** Default: none on an emulator, else {@link googleCredentials}. */
  readonly credentials?: GoogleCredentials;
  /** Origin to send to, overriding everything above. For tests. */
  readonly endpoint?: string;
  /** Requests on the wire at once (each holds one keep-alive connection). Default {@link MAX_CONCURRENT_PUBSUB_REQUESTS}. */
  readonly maxConcurrentRequests?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Publishes to Pub/Sub through its REST API (`POST /v1/projects/{p}/topics/{t}:publish`) with
 * node:http(s) (see http/text-request.ts): no gax, gRPC or protobuf to load, which would be most of the collector's
 * cold start (`pubsub-sdk` in docs/performance.md) and a good part of its memory. Implements the part of the library's `PubSub` the sink
 * uses; batching is RestTopic's, retries and auth are here, and they follow the library's: the
 * same retry codes, a deadline per attempt, one token refresh on 401.
 *
 * Connections: a keep-alive agent reuses them, and opens one per request on the wire; {@link MAX_CONCURRENT_PUBSUB_REQUESTS} bounds those, further batches wait for a slot
 * (within their retry budget).
 */
export class PubsubRestClient implements PubsubClient {
  readonly #options: PubsubRestClientOptions;
  readonly #endpoint: string;
  readonly #emulator: boolean;
  readonly #credentials: GoogleCredentials | undefined;
  readonly #configuredProject: string | undefined;
  #project: Promise<string> | undefined;
  readonly #slots: Slots;
  #closed = false;

  constructor(options: PubsubRestClientOptions) {
    const { budgetMs, initialDelayMs, maxDelayMs } = options.retry;
    if (!(budgetMs >= 1 && initialDelayMs >= 0 && maxDelayMs >= initialDelayMs)) {
      throw new RangeError(
        `PubsubRestClient retry settings must have budgetMs >= 1 and 0 <= initialDelayMs <= maxDelayMs, got ${JSON.stringify(options.retry)}`,
      );
    }
    this.#options = options;
    const env = options.env ?? process.env;
    const endpoint = pubsubEndpoint(options.projectId, options.emulatorHost, env, options.apiEndpoint);
    this.#emulator = endpoint.emulatorMode === true;
    let origin = PUBSUB_REST_ENDPOINT;
    if (this.#emulator) origin = `http://${endpoint.apiEndpoint}`;
    else if (endpoint.apiEndpoint !== undefined)
      origin = /^http:\/\//i.test(options.apiEndpoint?.trim() ?? '')
        ? `http://${endpoint.apiEndpoint}`
        : `https://${endpoint.apiEndpoint}`;
    this.#endpoint = (options.endpoint ?? origin).replace(/\/+$/, '');
    // The emulator reads no credentials; real Pub/Sub needs a token.
    this.#credentials = options.credentials ?? (this.#emulator ? undefined : googleCredentials(env));
    this.#configuredProject = endpoint.projectId;
    this.#slots = new Slots(options.maxConcurrentRequests ?? MAX_CONCURRENT_PUBSUB_REQUESTS);
  }

  topic(name: string, options?: PublishOptions): RestTopic {
    const batching = options?.batching ?? {};
    return new RestTopic(name, this, {
      maxMessages: batching.maxMessages ?? 100,
      maxMilliseconds: batching.maxMilliseconds ?? 10,
      maxBytes: batching.maxBytes ?? MAX_PUBSUB_REQUEST_BYTES,
    });
  }

  /** `projects/<p>/topics/<t>` for a topic id, or the full name as given. */
  async topicName(topic: string, signal?: AbortSignal): Promise<string> {
    if (topic.startsWith('projects/')) return topic;
    return `projects/${await this.projectId(signal)}/topics/${topic}`;
  }

  projectId(signal?: AbortSignal): Promise<string> {
    if (this.#configuredProject !== undefined) return Promise.resolve(this.#configuredProject);
    if (this.#credentials === undefined)
      return Promise.reject(new CredentialsError('no project configured; set project (SLUICE_PROJECT)'));
    this.#project ??= this.#credentials.projectId(signal);
    this.#project.catch(() => (this.#project = undefined));
    return this.#project;
  }

  /**
   * Sends one batch and returns its message ids, in order. Retries, with capped, jittered
   * exponential backoff until the retry budget is spent, what the library's Publish retries:
   * the error's status name (from Google's JSON error body, else from the HTTP status, see
   * rpc-status.ts) in its retry codes, network errors (UNAVAILABLE) and attempts cut by their
   * deadline (DEADLINE_EXCEEDED). Then, or at once for anything else (a missing topic, no
   * permission, no credentials), rejects with a RestPublishError.
   */
  async publish(topic: string, body: string, messageCount: number): Promise<string[]> {
    this.#options.onPublishRequest?.();
    const { budgetMs, initialDelayMs, maxDelayMs } = this.#options.retry;
    const deadline = Date.now() + budgetMs;
    const attemptMs = attemptTimeoutMs(budgetMs);
    let delay = initialDelayMs;
    let refreshedToken = false;
    let lastError: RestPublishError | undefined;
    for (;;) {
      // A pause that overran the budget ends with the error that caused it, not a made-up one.
      if (lastError !== undefined && Date.now() >= deadline) throw lastError;
      let error: RestPublishError;
      try {
        return await this.#attempt(topic, body, messageCount, deadline, attemptMs);
      } catch (caught) {
        error =
          caught instanceof RestPublishError
            ? caught
            : new RestPublishError('UNKNOWN', String(caught), { httpStatus: 0, retryable: false }, { cause: caught });
      }
      // A token revoked or expired early: fetch a new one once, then it is final.
      const unauthenticated =
        error.httpStatus === 401 && !refreshedToken && this.#credentials?.invalidate !== undefined;
      if (unauthenticated) {
        refreshedToken = true;
        this.#credentials?.invalidate?.();
      } else if (!error.retryable) {
        throw error;
      }
      const pause = Math.round(Math.min(delay, maxDelayMs) * (0.5 + Math.random() / 2));
      if (this.#closed || Date.now() + pause >= deadline) throw error;
      lastError = error;
      await new Promise((resolve) => setTimeout(resolve, pause));
      delay = Math.max(1, delay * 2);
    }
  }

  /** One try: a free connection slot (waited for within the budget), then token and request within the attempt's own deadline. */
  async #attempt(
    topic: string,
    body: string,
    messageCount: number,
    deadline: number,
    attemptMs: number,
  ): Promise<string[]> {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new RestPublishError('DEADLINE_EXCEEDED', `no attempt left within the retry budget for topic ${topic}`, {
        httpStatus: 0,
        retryable: false,
      });
    const budget = startDeadline(remaining, `no free connection within ${remaining} ms`);
    let release: () => void;
    try {
      release = await this.#slots.acquire(budget.signal);
    } catch (error) {
      throw new RestPublishError(
        'DEADLINE_EXCEEDED',
        `waited for a free connection until the retry budget ran out (${describeRequestError(error)})`,
        { httpStatus: 0, retryable: false },
        { cause: error },
      );
    } finally {
      budget.clear();
    }
    const limit = Math.min(attemptMs, Math.max(1, deadline - Date.now()));
    const timeout = startDeadline(limit, `no answer within ${limit} ms`);
    try {
      return await this.#attemptWithin(topic, body, messageCount, timeout.signal);
    } finally {
      timeout.clear();
      release();
    }
  }

  async #attemptWithin(topic: string, body: string, messageCount: number, signal: AbortSignal): Promise<string[]> {
    let url = `${this.#endpoint}/v1/${topic}:publish`;
    const headers: Record<string, string> = { 'content-type': 'application/json', ...GOOGLE_CLIENT_HEADERS };
    try {
      url = `${this.#endpoint}/v1/${await this.topicName(topic, signal)}:publish`;
    } catch (error) {
      throw credentialsFailure(topic, error, 'no project', '; set project (SLUICE_PROJECT)');
    }
    try {
      if (this.#credentials !== undefined)
        Object.assign(headers, await authorizationHeaders(this.#credentials, signal));
    } catch (error) {
      throw credentialsFailure(topic, error, 'no credentials', '');
    }
    let answer: TextAnswer;
    try {
      answer = await requestText(url, { method: 'POST', headers, body, signal });
    } catch (error) {
      const timedOut = isTimeout(error);
      throw new RestPublishError(
        timedOut ? 'DEADLINE_EXCEEDED' : 'UNAVAILABLE',
        `POST ${url} failed: ${describeRequestError(error)}`,
        { httpStatus: 0, retryable: true },
        { cause: error },
      );
    }
    if (!isOk(answer.status)) throw publishAnswerError(url, answer.status, answer.text);
    const ids = parseMessageIds(answer.text);
    if (!Array.isArray(ids) || ids.length !== messageCount) {
      throw new RestPublishError(
        'INTERNAL',
        `POST ${url} answered ${Array.isArray(ids) ? ids.length : 'no'} message ids for ${messageCount} messages`,
        { httpStatus: answer.status, retryable: false },
      );
    }
    return ids as string[];
  }

  /** Creates a topic on the emulator if it is missing (PUT; 409 means it exists). Emulator only. */
  async createTopic(topic: string): Promise<void> {
    if (!this.#emulator) throw new Error('topics are only created on a Pub/Sub emulator');
    const url = `${this.#endpoint}/v1/${await this.topicName(topic)}`;
    const { status, text } = await requestText(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', ...GOOGLE_CLIENT_HEADERS },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    if (!isOk(status) && status !== 409) throw publishAnswerError(url, status, text);
  }

  /** Further publish() retries stop; requests on the wire finish (close() of the sink flushes first). */
  async close(): Promise<void> {
    this.#closed = true;
  }
}

function isOk(status: number): boolean {
  return status >= 200 && status < 300;
}

/** `messageIds` of a 2xx publish answer; undefined when the text is not the expected JSON. */
function parseMessageIds(text: string): unknown {
  try {
    return (JSON.parse(text) as { messageIds?: unknown } | null)?.messageIds;
  } catch {
    return undefined;
  }
}

/**
 * The error for a non-2xx answer: the status name from Google's JSON error body
 * (`{"error":{"code","message","status"}}`), else from the HTTP status (a proxy's HTML page, an
 * empty body); retryable when that name is one of the library's Publish retry codes.
 */
export function publishAnswerError(url: string, httpStatus: number, text: string): RestPublishError {
  const said = googleApiError(text);
  const message = said.message ?? text.trim().slice(0, 300);
  const detail = `${message || '(no message)'} (HTTP ${httpStatus} from POST ${url})`;
  if (said.status === undefined) {
    const status = statusForHttp(httpStatus);
    return new RestPublishError(status, detail, { httpStatus, retryable: RETRYABLE_STATUSES.has(status) });
  }
  if (Object.hasOwn(RPC_CODES, said.status)) {
    const status = said.status as RpcStatusName;
    return new RestPublishError(status, detail, { httpStatus, retryable: RETRYABLE_STATUSES.has(status) });
  }
  // A name google.rpc.Code does not define: kept in the message, and not retried, since nothing says it is transient.
  return new RestPublishError('UNKNOWN', `status ${said.status}: ${detail}`, { httpStatus, retryable: false });
}

/** An abort by a deadline (ours are TimeoutErrors; a caller's may be an AbortError). */
function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
}

/**
 * No project or no token: final when the credentials say so (a configuration mistake, whose fix
 * the message names), retried when the metadata server was only slow or failing, or the attempt's
 * deadline cut the wait.
 */
function credentialsFailure(topic: string, error: unknown, what: string, fix: string): RestPublishError {
  const detail = messageOf(error);
  if (isTimeout(error))
    return new RestPublishError(
      'DEADLINE_EXCEEDED',
      `${what} for topic ${topic} in time: ${detail}`,
      { httpStatus: 0, retryable: true },
      { cause: error },
    );
  const retryable = error instanceof CredentialsError && error.retryable;
  return new RestPublishError(
    'UNAUTHENTICATED',
    `${what} for topic ${topic}: ${detail}${retryable ? '' : fix}`,
    { httpStatus: 0, retryable },
    { cause: error },
  );
}
