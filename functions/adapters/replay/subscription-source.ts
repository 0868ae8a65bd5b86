import { fromMessage } from '../../core/contract/message.ts';
import type { InvalidRow } from '../../core/contract/rows.ts';
import { messageOf, SluiceError } from '../../core/errors.ts';
import type { ReplayItem, ReplaySource } from '../../core/replay/replay-source.ts';
import { RPC_CODES, rpcCodeOf } from '../google/rpc-status.ts';
import { pubsubEndpoint } from '../pubsub/pubsub-endpoint.ts';

/** Acknowledgements are sent together every this many ms (or at ACK_BATCH_MAX ids). */
const ACK_FLUSH_MS = 20;
/** Pub/Sub accepts up to 2,500 ack ids per Acknowledge request; stay well under the 512 KB request limit. */
const ACK_BATCH_MAX = 1000;

/** Where to start reading: as the subscription stands, or after a seek. */
export type SeekTarget = { readonly time: Date } | { readonly snapshot: string };

/** The four Subscriber RPCs the source uses (v1.SubscriberClient), so tests can inject a stand-in. */
export interface SubscriberPort {
  getProjectId(): Promise<string>;
  pull(
    request: { subscription: string; maxMessages: number },
    options?: { timeout?: number },
  ): Promise<[PullResponse, ...unknown[]]>;
  acknowledge(request: { subscription: string; ackIds: string[] }): Promise<unknown>;
  modifyAckDeadline(request: { subscription: string; ackIds: string[]; ackDeadlineSeconds: number }): Promise<unknown>;
  seek(request: {
    subscription: string;
    time?: { seconds: number; nanos: number };
    snapshot?: string;
  }): Promise<unknown>;
  close(): Promise<void>;
}

export interface PullResponse {
  readonly receivedMessages?: ReadonlyArray<{
    readonly ackId?: string | null;
    readonly message?: {
      readonly data?: Uint8Array | string | null;
      readonly attributes?: Record<string, string> | null;
      readonly messageId?: string | null;
    } | null;
  }> | null;
}

export interface SubscriptionSourceOptions {
  /** Empty: `sluice-local` on an emulator, else detected by the library. */
  readonly projectId: string;
  /** Subscription id (config `replay_subscription`) or its full name. */
  readonly subscription: string;
  readonly emulatorHost?: string | undefined;
  /** Real Pub/Sub at a regional or private endpoint (pubsub.api_endpoint). */
  readonly apiEndpoint?: string | undefined;
  readonly seek?: SeekTarget | undefined;
  /** Messages asked for per pull. */
  readonly batchSize: number;
  /**
   * The backlog counts as drained once pulls have brought nothing new for this long. Pub/Sub may
   * answer a pull with nothing while messages exist, so one empty answer is not enough.
   */
  readonly idleMs: number;
  readonly client?: SubscriberPort | undefined;
  /** What to do when the subscription does not exist (the error names the subscription first). */
  readonly whenMissing?: string | undefined;
}

/** One pulled message, handed out once per run, to be acknowledged or released by its reader. */
export interface PulledMessage {
  /** `message <messageId>`, for summaries. */
  readonly id: string;
  readonly messageId: string;
  /** The bytes as published (the gRPC client gives bytes; a stand-in's string is taken as UTF-8). */
  readonly data: Uint8Array;
  readonly attributes: Readonly<Record<string, string>>;
  /** Acknowledges it (batched with others every few ms); resolves once Pub/Sub took the ack. */
  ack(): Promise<void>;
  /** Leaves it unacknowledged: it is nacked at close, so the next run sees it at once. */
  release(): Promise<void>;
}

/** The messages of one subscription until its backlog is drained. */
export interface MessageStream extends AsyncIterable<PulledMessage> {
  readonly description: string;
  close(): Promise<void>;
}

/**
 * Reads the invalid topic's replay subscription with unary Pull, so that the tool decides exactly
 * when each message is acknowledged:
 * - `ack()` acknowledges (batched every few ms), and replay calls it only after the message's
 *   valid row was acknowledged by Pub/Sub, or after counting it as still invalid;
 * - `release()` leaves a message unacknowledged; at close, released and unfinished messages get
 *   ack deadline 0 (a nack), so the next run sees them at once. A killed run nacks nothing: its
 *   messages come back when their ack deadline expires.
 * - each message is handed out once per run: a message redelivered during the run (its lease
 *   expired while it was held) is held again, not processed twice.
 *
 * `seek` runs first: to a time (every retained message published after it is unacknowledged
 * again; the subscription retains acknowledged messages for 7 days) or to a snapshot.
 * Docs: https://cloud.google.com/pubsub/docs/replay-overview, https://cloud.google.com/pubsub/docs/pull
 */
export function subscriptionSource(options: SubscriptionSourceOptions): ReplaySource {
  const messages = subscriptionMessages(options);
  return {
    get description() {
      return messages.description;
    },
    async *[Symbol.asyncIterator](): AsyncIterator<ReplayItem> {
      for await (const message of messages)
        yield { id: message.id, row: decode(message), ack: message.ack, release: message.release };
    },
    close: () => messages.close(),
  };
}

/**
 * The raw messages of a subscription, pulled and acknowledged as {@link subscriptionSource}
 * describes; the replay decodes them into rows, the redrive republishes them as they are.
 */
export function subscriptionMessages(options: SubscriptionSourceOptions): MessageStream {
  if (!Number.isInteger(options.batchSize) || options.batchSize < 1 || options.batchSize > 1000) {
    throw new RangeError(
      `batch size must be a whole number from 1 to 1000 (Pub/Sub's maximum per pull), got ${options.batchSize}`,
    );
  }
  let connection: Promise<{ client: SubscriberPort; name: string; owned: boolean }> | undefined;
  /** ack id of every message handed out or held and not acknowledged yet. */
  const unacked = new Set<string>();
  const seen = new Set<string>();
  let pendingAcks: Array<{ ackId: string; done: (error?: unknown) => void }> = [];
  let flushTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const connect = () => {
    connection ??= (async () => {
      const client = options.client ?? (await createSubscriberClient(options));
      const name = options.subscription.startsWith('projects/')
        ? options.subscription
        : `projects/${await client.getProjectId()}/subscriptions/${options.subscription}`;
      return { client, name, owned: options.client === undefined };
    })();
    return connection;
  };

  async function flushAcks(): Promise<void> {
    flushTimer = undefined;
    const batch = pendingAcks;
    pendingAcks = [];
    if (batch.length === 0) return;
    const { client, name } = await connect();
    try {
      await client.acknowledge({ subscription: name, ackIds: batch.map((entry) => entry.ackId) });
      for (const entry of batch) {
        unacked.delete(entry.ackId);
        entry.done();
      }
    } catch (error) {
      for (const entry of batch)
        entry.done(
          new SluiceError('pubsub_ack', `acknowledging messages on ${name} failed: ${String(error)}`, { cause: error }),
        );
    }
  }

  function ack(ackId: string): Promise<void> {
    return new Promise((resolve, reject) => {
      pendingAcks.push({ ackId, done: (error) => (error === undefined ? resolve() : reject(error)) });
      if (pendingAcks.length >= ACK_BATCH_MAX) void flushAcks();
      else flushTimer ??= setTimeout(() => void flushAcks(), ACK_FLUSH_MS);
    });
  }

  return {
    get description() {
      return `Pub/Sub subscription ${options.subscription}${options.seek ? ` after seeking to ${'time' in options.seek ? options.seek.time.toISOString() : `snapshot ${options.seek.snapshot}`}` : ''}`;
    },
    async *[Symbol.asyncIterator](): AsyncIterator<PulledMessage> {
      const { client, name } = await connect();
      if (options.seek) await seek(client, name, options.seek);
      let lastNew = Date.now();
      while (!closed) {
        const received = await pull(client, name, options);
        let fresh = 0;
        // All of the batch is ours until acknowledged, even what a --limit stops before reaching.
        for (const { ackId } of received) if (ackId) unacked.add(ackId);
        for (const { ackId, message } of received) {
          if (!ackId || !message) continue;
          const messageId = message.messageId ?? ackId;
          if (seen.has(messageId)) continue; // our own message back after its lease expired: hold it
          seen.add(messageId);
          fresh++;
          const data = message.data ?? '';
          yield {
            id: `message ${messageId}`,
            messageId,
            data: typeof data === 'string' ? Buffer.from(data, 'utf8') : data,
            attributes: message.attributes ?? {},
            ack: () => ack(ackId),
            release: async () => {},
          };
        }
        if (fresh > 0) lastNew = Date.now();
        else if (Date.now() - lastNew >= options.idleMs) return;
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (flushTimer) clearTimeout(flushTimer);
      await flushAcks();
      if (connection === undefined) return;
      const { client, name, owned } = await connection;
      try {
        const ids = [...unacked];
        for (let start = 0; start < ids.length; start += ACK_BATCH_MAX) {
          await client
            .modifyAckDeadline({
              subscription: name,
              ackIds: ids.slice(start, start + ACK_BATCH_MAX),
              ackDeadlineSeconds: 0,
            })
            .catch(() => {
              // Not fatal: the messages come back when their ack deadline expires instead.
            });
        }
      } finally {
        if (owned) await client.close();
      }
    },
  };
}

async function pull(client: SubscriberPort, name: string, options: SubscriptionSourceOptions) {
  try {
    const [response] = await client.pull(
      { subscription: name, maxMessages: options.batchSize },
      { timeout: Math.max(1000, Math.min(options.idleMs, 10_000)) },
    );
    return response.receivedMessages ?? [];
  } catch (error) {
    const code = rpcCodeOf(error);
    // DEADLINE_EXCEEDED: the pull found nothing within its timeout.
    if (code === RPC_CODES.DEADLINE_EXCEEDED) return [];
    if (code === RPC_CODES.NOT_FOUND) {
      throw new SluiceError(
        'replay_source',
        `subscription ${name} does not exist: ${options.whenMissing ?? 'create it with npm run deploy, or set replay_subscription to the subscription on the invalid topic'}`,
        { cause: error },
      );
    }
    throw new SluiceError('replay_source', `pulling from ${name} failed: ${String(error)}`, { cause: error });
  }
}

async function seek(client: SubscriberPort, name: string, target: SeekTarget): Promise<void> {
  try {
    if ('time' in target) {
      const millis = target.time.getTime();
      await client.seek({
        subscription: name,
        time: { seconds: Math.floor(millis / 1000), nanos: (millis % 1000) * 1_000_000 },
      });
    } else {
      const project = name.split('/')[1];
      const snapshot = target.snapshot.startsWith('projects/')
        ? target.snapshot
        : `projects/${project}/snapshots/${target.snapshot}`;
      await client.seek({ subscription: name, snapshot });
    }
  } catch (error) {
    const what = 'time' in target ? `time ${target.time.toISOString()}` : `snapshot ${target.snapshot}`;
    throw new SluiceError('replay_source', `seeking ${name} to ${what} failed: ${String(error)}`, { cause: error });
  }
}

function decode(message: PulledMessage): InvalidRow | { unreadable: string } {
  try {
    const decoded = fromMessage(message.data, message.attributes);
    if (decoded.kind !== 'invalid')
      return { unreadable: 'the message is a valid row (attribute valid=true), not an invalid one' };
    return decoded.row;
  } catch (error) {
    return { unreadable: `the message is not a Sluice row: ${messageOf(error)}` };
  }
}

async function createSubscriberClient(options: SubscriptionSourceOptions): Promise<SubscriberPort> {
  const { PubSub, v1 } = await import('@google-cloud/pubsub');
  const endpoint = pubsubEndpoint(options.projectId, options.emulatorHost, process.env, options.apiEndpoint);
  const { projectId } = endpoint;
  const pubsub = new PubSub(endpoint);
  // The documented way to get a generated client with the handwritten client's settings.
  const config = (await pubsub.getClientConfig()) as ConstructorParameters<typeof v1.SubscriberClient>[0];
  const client = new v1.SubscriberClient(config) as unknown as SubscriberPort;
  // A known project is used as is: detecting it would look for credentials an emulator never reads.
  return projectId ? Object.assign(client, { getProjectId: async () => projectId }) : client;
}
