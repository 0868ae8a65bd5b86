import { messageOf } from '../errors.ts';
import { truncate } from '../text.ts';
import { originalAttributes, parkedReason } from './dead-letter.ts';
import type { ParkedMessage, RedriveSource, RedriveTarget } from './redrive-source.ts';

/** What became of the parked messages a redrive read. */
export interface RedriveCounts {
  /** Messages read from the dead-letter subscriptions. */
  read: number;
  /** Republished to their topic and acknowledged by Pub/Sub, then removed from the dead letters. */
  published: number;
  /** Whose publish (or acknowledgement) failed: left parked for a later run. */
  failed: number;
}

/** One parked message as the summary shows it: where it goes, why it was parked, how it starts. */
export interface ParkedSample {
  readonly id: string;
  readonly topic: string;
  /** BigQuery's reason (CloudPubSubDeadLetterSourceDeliveryErrorMessage), when Pub/Sub gave one. */
  readonly reason: string | null;
  readonly delivery_attempts: number | null;
  readonly source_subscription: string | null;
  readonly first_published: string | null;
  /** The attributes it goes back with. */
  readonly attributes: Readonly<Record<string, string>>;
  /** The start of its data: UTF-8 text (a contract row is JSON), or base64 when it is not text. */
  readonly data: string;
  /** Set when its publish failed. */
  readonly error?: string;
}

export interface RedriveSummaryJson {
  readonly source: string;
  readonly target: string;
  readonly dry_run: boolean;
  /** False when a message must be tried again (failed): the exit status is then 1. */
  readonly ok: boolean;
  readonly counts: RedriveCounts;
  /** Messages read per topic they go back to. */
  readonly by_topic: Record<string, number>;
  /** Messages read per BigQuery reason (`(none given)` when Pub/Sub gave none). */
  readonly by_reason: Record<string, number>;
  readonly first_messages: readonly ParkedSample[];
  readonly elapsed_ms: number;
}

export interface RedriveRunOptions {
  readonly source: RedriveSource;
  readonly target: RedriveTarget;
  /** Read, count and show, but publish and acknowledge nothing. */
  readonly dryRun: boolean;
  readonly limit?: number | undefined;
  /** Messages republished at the same time. */
  readonly concurrency: number;
  readonly onProgress?: ((counts: Readonly<RedriveCounts>, elapsedMs: number) => void) | undefined;
  /** Aborting stops reading; the messages in flight finish. */
  readonly signal?: AbortSignal | undefined;
  readonly now?: (() => number) | undefined;
}

/** How many parked messages the summary shows. */
export const MAX_PARKED_SAMPLES = 10;
/** How much of a message's data a sample shows. */
export const SAMPLE_DATA_CHARS = 300;
const NO_REASON = '(none given)';
const MAX_REASON_CHARS = 500;

/**
 * Sends parked messages back to the topics they came from, with their data and original
 * attributes unchanged (only Pub/Sub's CloudPubSubDeadLetter* attributes are removed), and
 * acknowledges each on its dead-letter subscription only after Pub/Sub acknowledged the publish.
 * A run killed at any point loses nothing: an unacknowledged message comes back after its ack
 * deadline; at worst one is published twice, and its row carries the same event_id.
 */
export async function runRedrive(options: RedriveRunOptions): Promise<RedriveSummaryJson> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const counts: RedriveCounts = { read: 0, published: 0, failed: 0 };
  const byTopic = new Map<string, number>();
  const byReason = new Map<string, number>();
  const samples: ParkedSample[] = [];
  const inFlight = new Set<Promise<void>>();
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const progress = () => options.onProgress?.(counts, now() - started);

  const handle = async (message: ParkedMessage): Promise<void> => {
    const attributes = originalAttributes(message.attributes);
    if (options.dryRun) {
      await message.release();
      return;
    }
    try {
      await options.target.publish(message.topic, message.data, attributes);
      await message.ack();
      counts.published++;
    } catch (error) {
      counts.failed++;
      const text = messageOf(error);
      if (samples.length < MAX_PARKED_SAMPLES)
        samples.push({ ...sample(message), error: truncate(text, MAX_REASON_CHARS) });
      await message.release().catch(() => {
        // It stays unacknowledged either way and comes back after its ack deadline.
      });
    }
  };

  try {
    for await (const message of options.source) {
      if (options.signal?.aborted) {
        await message.release();
        break;
      }
      counts.read++;
      bump(byTopic, message.topic);
      const reason = parkedReason(message.attributes).error;
      bump(byReason, reason === null ? NO_REASON : truncate(reason, MAX_REASON_CHARS));
      if (options.dryRun && samples.length < MAX_PARKED_SAMPLES) samples.push(sample(message));
      const work = handle(message).finally(() => {
        inFlight.delete(work);
        progress();
      });
      inFlight.add(work);
      if (options.limit !== undefined && counts.read >= options.limit) break;
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    await options.source.close();
  }
  progress();
  return {
    source: options.source.description,
    target: options.target.description,
    dry_run: options.dryRun,
    ok: counts.failed === 0,
    counts: { ...counts },
    by_topic: Object.fromEntries(byTopic),
    by_reason: Object.fromEntries(byReason),
    first_messages: samples,
    elapsed_ms: Math.round(now() - started),
  };
}

function sample(message: ParkedMessage): ParkedSample {
  const reason = parkedReason(message.attributes);
  return {
    id: message.id,
    topic: message.topic,
    reason: reason.error === null ? null : truncate(reason.error, MAX_REASON_CHARS),
    delivery_attempts: reason.deliveryAttempts,
    source_subscription: reason.sourceSubscription,
    first_published: reason.firstPublished,
    attributes: originalAttributes(message.attributes),
    data: preview(message.data),
  };
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

function preview(data: Uint8Array): string {
  try {
    return truncate(utf8.decode(data), SAMPLE_DATA_CHARS);
  } catch {
    return `base64:${truncate(Buffer.from(data).toString('base64'), SAMPLE_DATA_CHARS)}`;
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}
