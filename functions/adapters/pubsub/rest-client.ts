import type { PublishOptions } from '@google-cloud/pubsub';
import { messageOf } from '../../core/errors.ts';
import { MAX_CONCURRENT_PUBSUB_REQUESTS, MAX_PUBSUB_REQUEST_BYTES } from '../../core/limits.ts';
import { Slots } from '../../core/slots.ts';
import { googleApiError } from '../google/google-api-error.ts';
import { CredentialsError, type GoogleCredentials, googleCredentials } from '../google/google-credentials.ts';
import { startDeadline } from '../http/deadline.ts';
import { describeRequestError, requestText, type TextAnswer } from '../http/text-request.ts';
import type { PubsubClient } from './pubsub-client.ts';
import { pubsubEndpoint } from './pubsub-endpoint.ts';
import { RestTopic } from './rest-topic.ts';

/** Real Pub/Sub's REST endpoint (https://cloud.google.com/pubsub/docs/reference/rest). */
export const PUBSUB_REST_ENDPOINT = 'https://pubsub.googleapis.com';

/** HTTP statuses worth another attempt: throttling and server-side trouble. Anything else 4xx is final. */
const RETRYABLE_HTTP_STATUSES = new Set([429, 500, 502, 503, 504]);

/** google.rpc.Code numbers of the status names Google's REST errors carry, so errors read like the gRPC library's. */
const RPC_CODES: Readonly<Record<string, number>> = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  OUT_OF_RANGE: 11,
  UNIMPLEMENTED: 12,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  DATA_LOSS: 15,
  UNAUTHENTICATED: 16,
};

/** A Publish request that failed: `code` is the google.rpc.Code (5 = NOT_FOUND), as on the gRPC library's errors. */
export class RestPublishError extends Error {
  override readonly name = 'RestPublishError';
  readonly code: number;
  /** The HTTP status; 0 when no answer came (network error, timeout). */
  readonly httpStatus: number;
  readonly retryable: boolean;

  constructor(
    message: string,
    details: { code: number; httpStatus: number; retryable: boolean },
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.code = details.code;
    this.httpStatus = details.httpStatus;
    this.retryable = details.retryable;
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
  /** `host:port` of an emulator; absent: PUBSUB_EMULATOR_HOST, else real Pub/Sub. */
  readonly emulatorHost?: string;
  readonly retry: RestRetrySettings;
  /** Called once per batch sent (not per retry): the sink's publishCalls counter. */
  readonly onPublishRequest?: () => void;
  /** Default: none on an emulator, else {@link googleCredentials}. */
  readonly credentials?: GoogleCredentials & { invalidate?(): void };
  /** Default `https://pubsub.googleapis.com`, or `http://<emulator host>`. For tests. */
  readonly endpoint?: string;
  /** Requests on the wire at once (each holds one keep-alive connection). Default {@link MAX_CONCURRENT_PUBSUB_REQUESTS}. */
  readonly maxConcurrentRequests?: number;
  readonly env?: NodeJS.ProcessEnv;
}

/**
 * Publishes to Pub/Sub through its REST API (`POST /v1/projects/{p}/topics/{t}:publish`) with
 * node:http(s) (see http/text-request.ts): no gax, gRPC or protobuf to load, which was most of the collector's cold
 * start and a good part of its memory. Implements the part of the library's `PubSub` the sink
 * uses; batching is RestTopic's, retries and auth are here.
 *
 * Connections: a keep-alive agent reuses them, and opens one per request on the wire; {@link MAX_CONCURRENT_PUBSUB_REQUESTS} bounds those, further batches wait for a slot
 * (within their retry budget).
 */
export class PubsubRestClient implements PubsubClient {
  readonly #options: PubsubRestClientOptions;
  readonly #endpoint: string;
  readonly #emulator: boolean;
  readonly #credentials: (GoogleCredentials & { invalidate?(): void }) | undefined;
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
    const endpoint = pubsubEndpoint(options.projectId, options.emulatorHost, env);
    this.#emulator = endpoint.apiEndpoint !== undefined;
    this.#endpoint = (
      options.endpoint ?? (this.#emulator ? `http://${endpoint.apiEndpoint}` : PUBSUB_REST_ENDPOINT)
    ).replace(/\/+$/, '');
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
    if (this.#credentials === undefined) return Promise.reject(new CredentialsError('no project configured'));
    this.#project ??= this.#credentials.projectId(signal);
    this.#project.catch(() => (this.#project = undefined));
    return this.#project;
  }

  /**
   * Sends one batch and returns its message ids, in order. Retries network errors, timeouts and
   * {@link RETRYABLE_HTTP_STATUSES} with capped, jittered exponential backoff until the retry
   * budget is spent; then, or at once for any other answer, rejects with a RestPublishError.
   */
  async publish(topic: string, body: string, messageCount: number): Promise<string[]> {
    this.#options.onPublishRequest?.();
    const { budgetMs, initialDelayMs, maxDelayMs } = this.#options.retry;
    const deadline = Date.now() + budgetMs;
    let delay = initialDelayMs;
    let refreshedToken = false;
    let lastError: RestPublishError | undefined;
    for (;;) {
      // A pause that overran the budget ends with the error that caused it, not a made-up one.
      if (lastError !== undefined && Date.now() >= deadline) throw lastError;
      let error: RestPublishError;
      try {
        return await this.#attempt(topic, body, messageCount, deadline);
      } catch (caught) {
        error =
          caught instanceof RestPublishError
            ? caught
            : new RestPublishError(String(caught), { code: 2, httpStatus: 0, retryable: false }, { cause: caught });
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

  async #attempt(topic: string, body: string, messageCount: number, deadline: number): Promise<string[]> {
    const remaining = deadline - Date.now();
    if (remaining <= 0)
      throw new RestPublishError(`4 DEADLINE_EXCEEDED: no attempt left within the retry budget for topic ${topic}`, {
        code: 4,
        httpStatus: 0,
        retryable: false,
      });
    const timeout = startDeadline(remaining, `no answer within ${remaining} ms`);
    try {
      return await this.#attemptWithin(topic, body, messageCount, timeout.signal);
    } finally {
      timeout.clear();
    }
  }

  async #attemptWithin(topic: string, body: string, messageCount: number, signal: AbortSignal): Promise<string[]> {
    const release = await this.#slots.acquire(signal).catch((error: unknown) => {
      throw new RestPublishError(
        `4 DEADLINE_EXCEEDED: waited for a free connection until the retry budget ran out (${describeRequestError(error)})`,
        { code: 4, httpStatus: 0, retryable: false },
        { cause: error },
      );
    });
    let url = `${this.#endpoint}/v1/${topic}:publish`;
    try {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      try {
        url = `${this.#endpoint}/v1/${await this.topicName(topic, signal)}:publish`;
      } catch (error) {
        const detail = messageOf(error);
        throw new RestPublishError(
          `2 UNKNOWN: no project for topic ${topic}: ${detail}; set project (SLUICE_PROJECT)`,
          { code: 2, httpStatus: 0, retryable: true },
          { cause: error },
        );
      }
      try {
        if (this.#credentials !== undefined)
          headers.authorization = `Bearer ${await this.#credentials.accessToken(signal)}`;
      } catch (error) {
        throw new RestPublishError(
          `16 UNAUTHENTICATED: ${messageOf(error)}`,
          { code: 16, httpStatus: 0, retryable: true },
          { cause: error },
        );
      }
      let answer: TextAnswer;
      try {
        answer = await requestText(url, { method: 'POST', headers, body, signal });
      } catch (error) {
        const timedOut = error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
        const status = timedOut ? '4 DEADLINE_EXCEEDED' : '14 UNAVAILABLE';
        throw new RestPublishError(
          `${status}: POST ${url} failed: ${describeRequestError(error)}`,
          { code: timedOut ? 4 : 14, httpStatus: 0, retryable: true },
          { cause: error },
        );
      }
      if (!isOk(answer.status)) throw httpError(url, answer.status, answer.text);
      const ids = parseMessageIds(answer.text);
      if (!Array.isArray(ids) || ids.length !== messageCount) {
        throw new RestPublishError(
          `13 INTERNAL: POST ${url} answered ${Array.isArray(ids) ? ids.length : 'no'} message ids for ${messageCount} messages`,
          { code: 13, httpStatus: answer.status, retryable: false },
        );
      }
      return ids as string[];
    } finally {
      release();
    }
  }

  /** Creates a topic on the emulator if it is missing (PUT; 409 means it exists). Emulator only. */
  async createTopic(topic: string): Promise<void> {
    if (!this.#emulator) throw new Error('topics are only created on a Pub/Sub emulator');
    const url = `${this.#endpoint}/v1/${await this.topicName(topic)}`;
    const { status, text } = await requestText(url, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    if (!isOk(status) && status !== 409) throw httpError(url, status, text);
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

/** The error for a non-2xx answer, from Google's JSON error body (`{"error":{"code","message","status"}}`) when there is one. */
function httpError(url: string, httpStatus: number, text: string): RestPublishError {
  const said = googleApiError(text);
  const message = said.message ?? text.trim().slice(0, 300);
  const status =
    said.status ??
    (httpStatus === 404
      ? 'NOT_FOUND'
      : httpStatus === 429
        ? 'RESOURCE_EXHAUSTED'
        : httpStatus === 503
          ? 'UNAVAILABLE'
          : 'UNKNOWN');
  const code = RPC_CODES[status] ?? 2;
  return new RestPublishError(`${code} ${status}: ${message || '(no message)'} (HTTP ${httpStatus} from POST ${url})`, {
    code,
    httpStatus,
    retryable: RETRYABLE_HTTP_STATUSES.has(httpStatus),
  });
}
