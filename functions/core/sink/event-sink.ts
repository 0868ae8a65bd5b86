import type { InvalidRow, ValidRow } from '../contract/rows.ts';
import { SluiceError } from '../errors.ts';

/** The rows of one request (or one replay step), split by table. */
export interface RowBatch {
  readonly valid: readonly ValidRow[];
  readonly invalid: readonly InvalidRow[];
}

/**
 * Where rows go: Pub/Sub in production, NDJSON files locally, nothing in benchmarks.
 *
 * `publish` resolves only once every row of the batch is durably accepted (Pub/Sub has
 * acknowledged each message; the local file has been appended). The collector answers 2xx only
 * after that, because the answer is the tracker's cue to forget the event. It rejects with
 * {@link SinkUnavailableError} when that cannot be promised (publish failed or timed out); the
 * collector then answers 503 so the tracker retries. Some rows may have been published before the
 * failure: the retry then duplicates them with the same event_id (at-least-once).
 */
export interface EventSink {
  publish(batch: RowBatch): Promise<void>;
  /** Flushes what is in flight and releases clients (graceful shutdown). */
  close(): Promise<void>;
}

export class SinkUnavailableError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('sink_unavailable', message, options);
  }
}
