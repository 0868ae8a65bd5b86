import type { InvalidRow } from '../contract/rows.ts';
import { messageOf } from '../errors.ts';
import type { Replayer } from './replay-event.ts';
import {
  matchesFilter,
  type ReplayFilter,
  type ReplayItem,
  type ReplaySource,
  type ReplayTarget,
} from './replay-source.ts';
import { type ReplayCounts, ReplaySummary, type ReplaySummaryJson } from './replay-summary.ts';

export interface ReplayRunOptions {
  readonly source: ReplaySource;
  readonly target: ReplayTarget;
  readonly replayer: Replayer;
  readonly filter: ReplayFilter;
  /** Read and re-validate, but deliver and acknowledge nothing. */
  readonly dryRun: boolean;
  /** Stop after this many matching items; undefined reads until the source is drained. */
  readonly limit?: number | undefined;
  /** Items re-validated and published at the same time (publishes share Pub/Sub batches). */
  readonly concurrency: number;
  /** Called after each item, for the progress line. */
  readonly onProgress?: ((counts: Readonly<ReplayCounts>, elapsedMs: number) => void) | undefined;
  /** Aborting stops reading; the items in flight finish (Ctrl-C). */
  readonly signal?: AbortSignal | undefined;
  readonly now?: (() => number) | undefined;
}

/**
 * Runs a replay: reads items from the source, re-validates each, delivers the rows that now pass
 * and only then acknowledges the item. An item is acknowledged when it is done with — published,
 * still invalid (it stays in invalid_events and is counted), or not replayable — and released
 * (left for a later run) when its publish failed or a registry could not answer. A crash at any
 * point loses nothing: an item is only acknowledged after its rows are accepted, so at worst a row
 * is published twice with the same event_id, which `events_deduped` absorbs.
 */
export async function runReplay(options: ReplayRunOptions): Promise<ReplaySummaryJson> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const summary = new ReplaySummary();
  const inFlight = new Set<Promise<void>>();
  const concurrency = Math.max(1, Math.floor(options.concurrency));

  const progress = () => options.onProgress?.(summary.counts, now() - started);

  try {
    for await (const item of options.source) {
      if (options.signal?.aborted) {
        await item.release();
        break;
      }
      if (!('unreadable' in item.row) && !matchesFilter(item.row, options.filter)) {
        summary.counts.skipped++;
        await item.release();
        continue;
      }
      summary.counts.read++;
      const work = handleItem(item, options, summary)
        .catch((error: unknown) => {
          // An acknowledgement or release that failed: the item comes back in a later run.
          summary.counts.failed++;
          summary.sample({
            id: item.id,
            event_id: null,
            outcome: 'failed',
            error_type: null,
            schema: null,
            message: messageOf(error),
          });
        })
        .finally(() => {
          inFlight.delete(work);
          progress();
        });
      inFlight.add(work);
      if (options.limit !== undefined && summary.counts.read >= options.limit) break;
      if (inFlight.size >= concurrency) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  } finally {
    await Promise.allSettled(inFlight);
    await options.source.close();
  }
  progress();
  return summary.toJSON({
    source: options.source.description,
    target: options.target.description,
    dryRun: options.dryRun,
    elapsedMs: now() - started,
  });
}

async function handleItem(item: ReplayItem, options: ReplayRunOptions, summary: ReplaySummary): Promise<void> {
  const { row } = item;
  if ('unreadable' in row) {
    summary.counts.unreadable++;
    summary.sample({
      id: item.id,
      event_id: null,
      outcome: 'unreadable',
      error_type: null,
      schema: null,
      message: row.unreadable,
    });
    await finish(item, options);
    return;
  }
  const outcome = await options.replayer.replay(row);
  if (outcome.kind === 'not_replayable') {
    summary.counts.not_replayable++;
    summary.sample({ ...identify(item, row), outcome: 'not_replayable', message: outcome.reason });
    await finish(item, options);
    return;
  }
  const unavailable = outcome.invalid.find((invalid) => invalid.error_type === 'registry_unavailable');
  if (unavailable !== undefined) {
    // The registry could not say whether the event is valid: try again in a later run.
    summary.counts.retry_later++;
    const issue = Array.isArray(unavailable.errors)
      ? (unavailable.errors[0] as { message?: unknown } | undefined)
      : undefined;
    summary.sample({
      ...identify(item, row),
      outcome: 'retry_later',
      message: typeof issue?.message === 'string' ? issue.message : 'registry unavailable',
    });
    await item.release();
    return;
  }
  if (outcome.valid.length > 0 && !options.dryRun) {
    try {
      const report = await options.target.deliver(outcome.valid);
      summary.counts.published += report.delivered;
      summary.counts.already_present += report.alreadyPresent;
    } catch (error) {
      summary.counts.failed++;
      summary.sample({
        ...identify(item, row),
        outcome: 'failed',
        message: messageOf(error),
      });
      await item.release();
      return;
    }
  }
  summary.nowValid(outcome.valid);
  summary.stillInvalid(item.id, outcome.invalid);
  await finish(item, options);
}

/** Acknowledges a finished item, except in a dry run, which acknowledges nothing. */
async function finish(item: ReplayItem, options: ReplayRunOptions): Promise<void> {
  if (options.dryRun) await item.release();
  else await item.ack();
}

function identify(item: ReplayItem, row: InvalidRow) {
  return { id: item.id, event_id: row.event_id, error_type: row.error_type, schema: row.schema ?? null };
}
