import type { InvalidRow, ValidRow } from '../contract/rows.ts';

/**
 * The ports of the replay tool. A source yields the invalid rows to try again, each as a
 * {@link ReplayItem}; a target receives the rows that now pass. Sources and targets are adapters
 * (Pub/Sub subscription, BigQuery, the local NDJSON store); the decision what to do with a row is
 * core (replay-event.ts, replay-run.ts).
 */
export interface ReplayItem {
  /** Where the row came from, for messages: a Pub/Sub message id, a BigQuery row number, a line. */
  readonly id: string;
  /** The row, or why it could not be read (a message that is not a contract row). */
  readonly row: InvalidRow | { readonly unreadable: string };
  /**
   * Called once the item is done with: its valid rows were accepted by the target, or it was
   * counted as still invalid. A Pub/Sub message is acknowledged here, never before.
   */
  ack(): Promise<void>;
  /** Called when the item must be tried again later (its publish failed, the registry was down). */
  release(): Promise<void>;
}

export interface ReplaySource extends AsyncIterable<ReplayItem> {
  /** What is read, for the summary: `subscription projects/p/subscriptions/s`, a table, a file. */
  readonly description: string;
  /** Hands back what was read but not acknowledged, flushes acknowledgements, releases clients. */
  close(): Promise<void>;
}

/** What a target did with the rows of one item. */
export interface DeliveryReport {
  /** Rows the target accepted (Pub/Sub acknowledged them; the file was appended). */
  readonly delivered: number;
  /** Rows the target already holds under the same event_id, so not delivered again. */
  readonly alreadyPresent: number;
}

export interface ReplayTarget {
  /** What receives the rows, for the summary. */
  readonly description: string;
  /** Resolves once every row is durably accepted; rejects otherwise (the item is then released). */
  deliver(rows: readonly ValidRow[]): Promise<DeliveryReport>;
  close(): Promise<void>;
}

/** Which rows a replay considers; the others are left alone (not acknowledged, not counted as read). */
export interface ReplayFilter {
  /** Exact Iglu URIs; empty means every schema. */
  readonly schemas: readonly string[];
  /** Contract error types; empty means every type. */
  readonly errorTypes: readonly string[];
}

export function matchesFilter(row: InvalidRow, filter: ReplayFilter): boolean {
  if (filter.schemas.length > 0 && (typeof row.schema !== 'string' || !filter.schemas.includes(row.schema)))
    return false;
  if (filter.errorTypes.length > 0 && !filter.errorTypes.includes(row.error_type)) return false;
  return true;
}
