import type { InvalidRow, ValidRow } from '../../core/contract/rows.ts';
import type { DeliveryReport, ReplayItem, ReplaySource, ReplayTarget } from '../../core/replay/replay-source.ts';
import type { LocalSink } from '../sink/local-sink.ts';

/**
 * Local mode: the invalid rows of `<local.dir>/invalid.ndjson`, oldest first. The file is never
 * changed: rows that still fail stay in it, and acknowledging is a no-op, so every run reads the
 * whole file again. What keeps a second run from adding anything twice is the target below.
 */
export function localReplaySource(sink: LocalSink): ReplaySource {
  return {
    description: `local file ${sink.path('invalid')}`,
    async *[Symbol.asyncIterator](): AsyncIterator<ReplayItem> {
      const rows = await sink.read('invalid');
      for (const [index, row] of rows.entries()) yield localItem(row, index);
    },
    close: async () => {},
  };
}

function localItem(row: InvalidRow, index: number): ReplayItem {
  return { id: `invalid.ndjson row ${index + 1}`, row, ack: async () => {}, release: async () => {} };
}

/**
 * Appends rows that now pass to `<local.dir>/valid.ndjson` (through the LocalSink, so a running
 * `npm start` shows them at /local/valid), skipping every event_id the file already holds: an
 * event already delivered, by replay or because the tracker sent it again, is not added twice.
 */
export function localReplayTarget(sink: LocalSink): ReplayTarget {
  let known: Promise<Set<string>> | undefined;
  // Deliveries made in the same tick are appended together: one write instead of one per event.
  let pending: { rows: ValidRow[]; written: Promise<void> } | undefined;
  const append = (rows: readonly ValidRow[]): Promise<void> => {
    if (pending === undefined) {
      const batch: ValidRow[] = [];
      const written = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        pending = undefined;
        return sink.publish({ valid: batch, invalid: [] });
      });
      pending = { rows: batch, written };
    }
    pending.rows.push(...rows);
    return pending.written;
  };
  return {
    description: `local file ${sink.path('valid')}`,
    async deliver(rows: readonly ValidRow[]): Promise<DeliveryReport> {
      known ??= sink.read('valid').then((existing) => new Set(existing.map((row) => row.event_id)));
      const ids = await known;
      const fresh = rows.filter((row) => !ids.has(row.event_id));
      // Claimed before the append, so that concurrent items with the same event_id add it once.
      for (const row of fresh) ids.add(row.event_id);
      try {
        if (fresh.length > 0) await append(fresh);
      } catch (error) {
        for (const row of fresh) ids.delete(row.event_id);
        throw error;
      }
      return { delivered: fresh.length, alreadyPresent: rows.length - fresh.length };
    },
    close: () => sink.close(),
  };
}
