import type { PubsubTransport } from '../../core/config/config.ts';
import type { RowKind } from '../../core/contract/columns.ts';
import { type RowMessage, toMessage } from '../../core/contract/message.ts';
import type { InvalidRow, ValidRow } from '../../core/contract/rows.ts';
import { messageOf } from '../../core/errors.ts';
import { MAX_RAW_BYTES_CEILING } from '../../core/limits.ts';
import { type EventSink, type RowBatch, SinkUnavailableError } from '../../core/sink/event-sink.ts';
import { InFlightLimiter, type InFlightStats } from '../../core/sink/in-flight-limiter.ts';
import {
  MAX_PUBSUB_MESSAGE_BYTES,
  MAX_PUBSUB_REST_MESSAGE_BYTES,
  oversizeMessageRow,
} from '../../core/sink/oversize-message.ts';
import { truncate } from '../../core/text.ts';
import { RPC_CODES, rpcCodeOf } from '../google/rpc-status.ts';
import { messageSize } from '../pubsub/message-size.ts';
import { openPublishConnection, type PublishConnection } from '../pubsub/publish-connection.ts';
import type { PubsubClient } from '../pubsub/pubsub-client.ts';
import { pubsubEndpoint } from '../pubsub/pubsub-endpoint.ts';

const SETTLED: Promise<void> = Promise.resolve();

export interface PubsubSinkOptions {
  /** Empty: `sluice-local` against an emulator, otherwise detected by the library (ADC, metadata server). */
  readonly projectId: string;
  /** Topic ids (or full `projects/<p>/topics/<t>` names) for valid and invalid rows. */
  readonly validTopic: string;
  readonly invalidTopic: string;
  /** `host:port` of a Pub/Sub emulator; empty or absent means real Pub/Sub. */
  readonly emulatorHost?: string;
  /** Real Pub/Sub at a regional or private endpoint (pubsub.api_endpoint); absent: the global one. */
  readonly apiEndpoint?: string;
  /** How long publish() may take in all (including cold start) before it rejects. */
  readonly publishTimeoutMs: number;
  readonly batchMaxMessages: number;
  readonly batchMaxMs: number;
  /**
   * rest (default): Publish requests to the REST API over node:http(s), nothing to load; grpc: the
   * `@google-cloud/pubsub` library. Ignored when a client is injected.
   */
  readonly transport?: PubsubTransport;
  /** Caps on what waits for Pub/Sub at once (limits.max_in_flight_*); unlimited when absent. */
  readonly maxInFlightBytes?: number;
  readonly maxInFlightRequests?: number;
  /** How much of an oversize message the size_exceeded row that replaces it keeps (limits.max_raw_bytes). */
  readonly maxRawBytes?: number;
  /**
   * A ready client to use instead of loading `@google-cloud/pubsub` (tests, benchmarks). Its
   * creator owns it: close() flushes the sink's topics but does not close an injected client.
   */
  readonly client?: PubsubClient;
}

/** Counters for benchmarks and tests. */
export interface PubsubSinkStats {
  /** Messages handed to the transport. */
  readonly messages: number;
  /** Messages Pub/Sub acknowledged (a message id came back). */
  readonly acknowledged: number;
  /**
   * Publish requests (batches) sent. A batch that is retried counts once. Stays 0 with an
   * injected client that does not look like the library's Topic (see countPublishRequests).
   */
  readonly publishCalls: number;
  /** Rows replaced by a size_exceeded row because their message was over Pub/Sub's limit. */
  readonly oversize: number;
  /** What waits for Pub/Sub now, the peaks, and how many requests were shed. */
  readonly inFlight: InFlightStats;
}

/** A row's message, the topic it goes to, and its size as Pub/Sub counts it (measured once, in #encode). */
interface EncodedRow {
  readonly kind: RowKind;
  readonly message: RowMessage;
  readonly size: number;
}

/** One publish() call's state, shared between its timer and its publishing. */
interface Progress {
  /** Messages per topic not acknowledged yet, for the timeout message. */
  readonly pending: Record<RowKind, number>;
  /** The timer fired: publish() has rejected. */
  abandoned: boolean;
}

/**
 * Publishes rows to two Pub/Sub topics, one message per row (see message.ts for the body and the
 * attributes). The transport is created on the first publish and shared by all requests of this
 * instance, and its batching groups the messages of concurrent requests into few Publish calls:
 * at most `batchMaxMessages` messages, 9 MiB, or `batchMaxMs` of waiting. Two transports sit
 * behind the same `PubsubClient`/`PubsubTopic` port:
 * - `rest` (default): PubsubRestClient, Publish requests to the REST API over node:http(s). It
 *   loads nothing: the library's gax/gRPC/protobuf load and connect would be most of a cold start
 *   (`pubsub-sdk` in docs/performance.md) and tens of MB of an instance's memory.
 * - `grpc`: the `@google-cloud/pubsub` library, imported on first publish.
 *
 * Timeouts: publish() rejects after `publishTimeoutMs` at the latest, by its own timer, which also
 * covers what happens before any request (module loading, client creation, project detection, the
 * batching delay). Inside that, the transport gets a retry budget that ends a little earlier (see
 * publishRetryTiming), so a failing publish normally rejects with the transport's own error as the
 * cause, and nothing keeps retrying in the background: the library's default for Publish is up to
 * 600 s of retries with 60 s per attempt.
 *
 * At-least-once: a rejected publish() does not prove that its messages were not published. A
 * Publish attempt cut off by its deadline may still have been accepted by Pub/Sub, and messages
 * already handed to the transport are not withdrawn. (A call whose timer fires before the client
 * is ready publishes nothing: see #publishWithin.) The caller answers 503, the tracker sends the
 * events again, and the table may get duplicates with the same event_id: deduplicate on event_id
 * downstream.
 */
export class PubsubSink implements EventSink {
  readonly #options: PubsubSinkOptions;
  #connection: Promise<PublishConnection> | undefined;
  /** The connection once made, so that publish() uses it without waiting on a promise. */
  #connected: PublishConnection | undefined;
  #closed = false;
  /** publish() calls not settled yet, so that close() can let them finish. */
  readonly #inFlight = new Set<Promise<void>>();
  #messages = 0;
  #acknowledged = 0;
  #publishCalls = 0;
  #oversize = 0;
  readonly #limiter: InFlightLimiter;

  constructor(options: PubsubSinkOptions) {
    for (const [name, min] of [
      ['publishTimeoutMs', 1],
      ['batchMaxMessages', 1],
      ['batchMaxMs', 0],
    ] as const) {
      const value = options[name];
      if (!Number.isFinite(value) || value < min) {
        throw new RangeError(`PubsubSink option ${name} must be a number >= ${min}, got ${String(value)}`);
      }
    }
    for (const name of ['validTopic', 'invalidTopic'] as const) {
      if (options[name].trim() === '')
        throw new RangeError(`PubsubSink option ${name} is empty: configure valid_topic / invalid_topic`);
    }
    if (options.transport !== undefined && options.transport !== 'rest' && options.transport !== 'grpc') {
      throw new RangeError(`PubsubSink option transport must be rest or grpc, got ${String(options.transport)}`);
    }
    this.#options = options;
    this.#limiter = new InFlightLimiter({
      maxBytes: options.maxInFlightBytes ?? Number.POSITIVE_INFINITY,
      maxRequests: options.maxInFlightRequests ?? Number.POSITIVE_INFINITY,
    });
  }

  /**
   * One promise per call and none per message: inside the functions framework every promise a
   * request creates costs async-hook work (domains, AsyncLocalStorage), so the messages are
   * handed to the library with callbacks and counted down here.
   */
  publish(batch: RowBatch): Promise<void> {
    if (batch.valid.length === 0 && batch.invalid.length === 0) return SETTLED;
    if (this.#closed)
      return Promise.reject(new SinkUnavailableError('the Pub/Sub sink is closed (the instance is shutting down)'));
    // Encoding first: a row that cannot be encoded is a bug in the code that built it (RowEncodingError),
    // not an outage, so it propagates as is and nothing of this batch is published.
    const messages: Array<EncodedRow> = [];
    const counts: Record<RowKind, number> = { valid: 0, invalid: 0 };
    let release: () => void;
    try {
      for (const row of batch.valid) messages.push(this.#encode('valid', row));
      for (const row of batch.invalid) messages.push(this.#encode('invalid', row));
      let bytes = 0;
      for (const { kind, size } of messages) {
        counts[kind] += 1;
        bytes += size;
      }
      // Over the cap: SinkOverloadedError, answered 503 before anything is handed to the library.
      release = this.#limiter.acquire(bytes);
    } catch (error) {
      return Promise.reject(error);
    }
    let settle!: (error?: unknown) => void;
    const call = new Promise<void>((resolve, reject) => {
      settle = (error) => (error === undefined ? resolve() : reject(error));
    });
    this.#inFlight.add(call);
    this.#publishWithin(messages, counts, (error) => {
      this.#inFlight.delete(call);
      release();
      settle(error);
    });
    return call;
  }

  /**
   * The row's message, or, when that is over Pub/Sub's limit, the message of a size_exceeded
   * invalid row that replaces it: publishing it would fail on every retry of the tracker.
   */
  #encode(kind: RowKind, row: ValidRow | InvalidRow): EncodedRow {
    const message = toMessage(kind, row);
    const size = messageSize(message);
    const limit = this.#maxMessageBytes();
    if (size <= limit) return { kind, message, size };
    this.#oversize += 1;
    const text = message.data.subarray(0, MAX_RAW_BYTES_CEILING).toString('utf8');
    const replacement = toMessage(
      'invalid',
      oversizeMessageRow(kind, row, size, text, this.#options.maxRawBytes ?? 1024, limit),
    );
    return { kind: 'invalid', message: replacement, size: messageSize(replacement) };
  }

  /** Over REST the data travels as base64, so a message must be smaller to fit a request (see MAX_PUBSUB_REST_MESSAGE_BYTES). */
  #maxMessageBytes(): number {
    return this.#options.client === undefined && this.#transport() === 'rest'
      ? MAX_PUBSUB_REST_MESSAGE_BYTES
      : MAX_PUBSUB_MESSAGE_BYTES;
  }

  #transport(): PubsubTransport {
    return this.#options.transport ?? 'rest';
  }

  /** Publishes and calls `done` once: with nothing when all are acknowledged, else with the first error or the timeout. */
  #publishWithin(
    messages: Array<{ kind: RowKind; message: RowMessage }>,
    counts: Record<RowKind, number>,
    done: (error?: unknown) => void,
  ): void {
    const timeoutMs = this.#options.publishTimeoutMs;
    const progress: Progress = { pending: { ...counts }, abandoned: false };
    const { pending } = progress;
    let finished = false;
    const finish = (error?: unknown): void => {
      if (finished) return; // later acknowledgements and failures of an answered call change only counters
      finished = true;
      clearTimeout(timer);
      done(error);
    };
    const timer = setTimeout(() => {
      progress.abandoned = true;
      const waiting = (['valid', 'invalid'] as const)
        .filter((kind) => pending[kind] > 0)
        .map((kind) => `${pending[kind]} on topic ${this.#topicId(kind)}`)
        .join(', ');
      finish(
        new SinkUnavailableError(
          `Pub/Sub did not acknowledge ${waiting || 'the messages'} within ${timeoutMs} ms (pubsub.publish_timeout_ms): ` +
            'Pub/Sub unreachable or overloaded; the sender should retry',
        ),
      );
    }, timeoutMs);
    const send = (topics: PublishConnection['topics']): void => {
      // A slow cold start (module loading, project detection) can outlast the timeout: the caller
      // has its 503 already, so publishing now would only make a duplicate of the retry.
      if (progress.abandoned) return;
      this.#messages += messages.length;
      let unacknowledged = messages.length;
      for (const { kind, message } of messages) {
        // The attributes object is this message's own (messageAttributes builds a fresh one).
        topics[kind].publishMessage(
          { data: message.data, attributes: message.attributes as Record<string, string> },
          (error) => {
            if (error) {
              finish(this.#publishError(kind, error));
              return;
            }
            pending[kind] -= 1;
            this.#acknowledged += 1;
            if (--unacknowledged === 0) finish();
          },
        );
      }
      // The callbacks above keep this scope alive until Pub/Sub answers; the client has the
      // messages now, so the encoded rows need not wait in memory with them.
      messages.length = 0;
    };
    if (this.#connected !== undefined) send(this.#connected.topics);
    else this.#connect().then((connection) => send(connection.topics), finish);
  }

  #publishError(kind: RowKind, error: unknown): SinkUnavailableError {
    const topic = this.#topicId(kind);
    // gax appends every retried attempt's error ("Previous errors: [...]"): the cause keeps them.
    const message = messageOf(error);
    const detail = truncate(message.split(' : Previous errors')[0] ?? message, 400);
    const hint =
      rpcCodeOf(error) === RPC_CODES.NOT_FOUND
        ? `; does topic ${topic} exist in project ${this.#projectId() ?? '(detected)'}? Create it (terraform) or fix ${kind}_topic`
        : '';
    return new SinkUnavailableError(`publishing to Pub/Sub topic ${topic} failed: ${detail}${hint}`, { cause: error });
  }

  #topicId(kind: RowKind): string {
    return kind === 'valid' ? this.#options.validTopic : this.#options.invalidTopic;
  }

  /** Emulator host in use: the option, else the variable the library itself honours. */
  #emulatorHost(): string | undefined {
    return pubsubEndpoint(this.#options.projectId, this.#options.emulatorHost).apiEndpoint;
  }

  #projectId(): string | undefined {
    return pubsubEndpoint(this.#options.projectId, this.#options.emulatorHost).projectId;
  }

  /** The client and topics, created once on first use: loading the library costs cold-start time. */
  #connect(): Promise<PublishConnection> {
    this.#connection ??= openPublishConnection({ ...this.#options, transport: this.#transport() }, () => {
      this.#publishCalls += 1;
    })
      .then((connection) => (this.#connected = connection))
      .catch((error: unknown) => {
        this.#connection = undefined; // let a later request try again
        const topics = `${this.#options.validTopic} and ${this.#options.invalidTopic}`;
        throw new SinkUnavailableError(`cannot create a Pub/Sub client for topics ${topics}: ${String(error)}`, {
          cause: error,
        });
      });
    return this.#connection;
  }

  /**
   * For local runs against the emulator only: creates the two topics if they are missing, since
   * the emulator starts empty. Against real Pub/Sub the topics belong to the infrastructure stack,
   * so this refuses rather than create resources with the collector's credentials.
   */
  async createTopicsOnEmulator(): Promise<void> {
    if (this.#emulatorHost() === undefined) {
      throw new SinkUnavailableError(
        'topics are only created on a Pub/Sub emulator; against Pub/Sub itself, create them with npm run deploy',
      );
    }
    const { topics } = await this.#connect();
    for (const topic of [topics.valid, topics.invalid]) await topic.get?.({ autoCreate: true });
  }

  stats(): PubsubSinkStats {
    return {
      messages: this.#messages,
      acknowledged: this.#acknowledged,
      publishCalls: this.#publishCalls,
      oversize: this.#oversize,
      inFlight: this.#limiter.stats(),
    };
  }

  /**
   * Graceful shutdown: new publish() calls reject at once, those in flight are let finish (each
   * is bounded by publishTimeoutMs), what is still batched is sent, then the client is closed
   * (unless it was injected).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#inFlight);
    const connection = await this.#connection?.catch(() => undefined);
    if (connection === undefined) return;
    try {
      await Promise.all([connection.topics.valid.flush(), connection.topics.invalid.flush()]);
    } finally {
      if (connection.owned) await connection.client.close();
    }
  }
}

export function createPubsubSink(options: PubsubSinkOptions): PubsubSink {
  return new PubsubSink(options);
}
