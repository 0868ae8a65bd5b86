import type { InvalidRow, ValidRow } from '../contract/rows.ts';
import { isJsonObject } from '../json-object.ts';
import { truncate } from '../text.ts';

/** What became of the rows and items a replay read. Rows are counted per event; items per row read. */
export interface ReplayCounts {
  /** Items read that matched the filter. */
  read: number;
  /** Events that pass now (published, or would be with --dry-run). */
  now_valid: number;
  /** Of those, accepted by the target (Pub/Sub acknowledged them, or the file was appended). */
  published: number;
  /** Of those, already in the target under the same event_id (local store), so not added twice. */
  already_present: number;
  /** Events that still fail; they stay where they are. */
  still_invalid: number;
  /** Items that do not keep enough to try again (size_exceeded, raw cut short, ...). */
  not_replayable: number;
  /** Items that are not contract rows at all (a foreign message on the topic). */
  unreadable: number;
  /** Items left for a later run because a registry could not answer. */
  retry_later: number;
  /** Items whose valid rows could not be published; left for a later run. */
  failed: number;
  /** Items outside --schema / --error-type, left alone. */
  skipped: number;
}

export interface ReplayErrorSample {
  readonly id: string;
  readonly event_id: string | null;
  readonly outcome: 'still_invalid' | 'not_replayable' | 'unreadable' | 'retry_later' | 'failed';
  readonly error_type: string | null;
  readonly schema: string | null;
  readonly message: string;
}

export interface ReplaySummaryJson {
  readonly source: string;
  readonly target: string;
  readonly dry_run: boolean;
  /** False when something must be tried again (failed or retry_later): the exit status is then 1. */
  readonly ok: boolean;
  readonly counts: ReplayCounts;
  readonly still_invalid_by_error_type: Record<string, number>;
  readonly still_invalid_by_schema: Record<string, number>;
  readonly now_valid_by_schema: Record<string, number>;
  readonly first_errors: readonly ReplayErrorSample[];
  readonly elapsed_ms: number;
}

/** How many error samples the summary lists. */
export const MAX_ERROR_SAMPLES = 10;
const NO_SCHEMA = '(none)';

/** Counts a replay as it goes; {@link toJSON} is the summary printed at the end. */
export class ReplaySummary {
  readonly counts: ReplayCounts = {
    read: 0,
    now_valid: 0,
    published: 0,
    already_present: 0,
    still_invalid: 0,
    not_replayable: 0,
    unreadable: 0,
    retry_later: 0,
    failed: 0,
    skipped: 0,
  };
  readonly #byErrorType = new Map<string, number>();
  readonly #bySchema = new Map<string, number>();
  readonly #validBySchema = new Map<string, number>();
  readonly #samples: ReplayErrorSample[] = [];

  nowValid(rows: readonly ValidRow[]): void {
    this.counts.now_valid += rows.length;
    for (const row of rows) bump(this.#validBySchema, row.schema);
  }

  stillInvalid(id: string, rows: readonly InvalidRow[]): void {
    this.counts.still_invalid += rows.length;
    for (const row of rows) {
      bump(this.#byErrorType, row.error_type);
      bump(this.#bySchema, row.schema ?? NO_SCHEMA);
      this.sample({
        id,
        event_id: row.event_id,
        outcome: 'still_invalid',
        error_type: row.error_type,
        schema: row.schema ?? null,
        message: firstMessage(row),
      });
    }
  }

  sample(sample: ReplayErrorSample): void {
    if (this.#samples.length < MAX_ERROR_SAMPLES)
      this.#samples.push({ ...sample, message: truncate(sample.message, 500) });
  }

  get ok(): boolean {
    return this.counts.failed === 0 && this.counts.retry_later === 0;
  }

  toJSON(context: { source: string; target: string; dryRun: boolean; elapsedMs: number }): ReplaySummaryJson {
    return {
      source: context.source,
      target: context.target,
      dry_run: context.dryRun,
      ok: this.ok,
      counts: { ...this.counts },
      still_invalid_by_error_type: Object.fromEntries(this.#byErrorType),
      still_invalid_by_schema: Object.fromEntries(this.#bySchema),
      now_valid_by_schema: Object.fromEntries(this.#validBySchema),
      first_errors: [...this.#samples],
      elapsed_ms: Math.round(context.elapsedMs),
    };
  }
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

function firstMessage(row: InvalidRow): string {
  const first = Array.isArray(row.errors) ? row.errors[0] : undefined;
  return isJsonObject(first) && typeof first.message === 'string' ? first.message : row.error_type;
}
