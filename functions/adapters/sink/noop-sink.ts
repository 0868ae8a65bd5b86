import type { EventSink, RowBatch } from '../../core/sink/event-sink.ts';

const ACCEPTED: Promise<void> = Promise.resolve();

/** What a {@link NoopSink} has been given. */
export interface NoopSinkStats {
  readonly valid: number;
  readonly invalid: number;
  /** publish() calls, empty batches included. */
  readonly publishCalls: number;
}

/**
 * Accepts every batch at once and only counts its rows: for benchmarks that measure the collector
 * itself (parsing, validation) without Pub/Sub or a disk in the way. Rows are not even encoded to
 * messages, so a row that the Pub/Sub sink would refuse (RowEncodingError) is accepted here.
 */
export class NoopSink implements EventSink {
  #valid = 0;
  #invalid = 0;
  #publishCalls = 0;

  publish(batch: RowBatch): Promise<void> {
    this.#publishCalls += 1;
    this.#valid += batch.valid.length;
    this.#invalid += batch.invalid.length;
    // One settled promise for every call: a sink that does nothing should cost nothing, and each
    // new promise costs async-hook work inside the functions framework.
    return ACCEPTED;
  }

  stats(): NoopSinkStats {
    return { valid: this.#valid, invalid: this.#invalid, publishCalls: this.#publishCalls };
  }

  /** Nothing is held, so nothing to flush; the counters stay readable. */
  async close(): Promise<void> {}
}

export function createNoopSink(): NoopSink {
  return new NoopSink();
}
