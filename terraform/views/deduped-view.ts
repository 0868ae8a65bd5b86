import { TABLE_NAMES } from '../../functions/core/contract/table-schema.ts';
import { tableReference } from './sql-text.ts';

export const DEDUPED_VIEW_NAME = 'events_deduped';

/**
 * `events_deduped`: one row per `event_id`, the earliest one received. BigQuery subscriptions
 * deliver at least once and trackers retry, so `events` can hold the same event more than once
 * (https://cloud.google.com/pubsub/docs/bigquery: "BigQuery subscriptions only support at least
 * once delivery"). Ties on collector_tstamp are broken by publish time and message id, so the
 * choice is stable between queries.
 */
export function dedupedViewSql(project: string, dataset: string): string {
  return [
    'SELECT * EXCEPT (sluice_copy)',
    'FROM (',
    '  SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY collector_tstamp, publish_time, message_id) AS sluice_copy',
    `  FROM ${tableReference(project, dataset, TABLE_NAMES.valid)}`,
    ')',
    'WHERE sluice_copy = 1',
    '',
  ].join('\n');
}

/** The table function that deduplicates one range of days, reading only their partitions. */
export const DEDUPED_FUNCTION_NAME = 'events_deduped_between';
/** Its parameters: the first and the last day (UTC) of collector_tstamp to read, both included. */
export const DEDUPED_FUNCTION_ARGUMENTS = ['from_date', 'to_date'] as const;

/**
 * `events_deduped_between(from_date, to_date)`: `events_deduped` for the days from_date to
 * to_date. The view above numbers copies over the whole table, so a date filter on the view stays
 * outside its window and BigQuery reads every partition; here the date range filters the table
 * itself, on its partitioning column, so only those days are read. A copy whose first delivery
 * fell before from_date counts once inside the range.
 * (https://cloud.google.com/bigquery/docs/querying-partitioned-tables,
 * https://cloud.google.com/bigquery/docs/table-functions)
 */
export function dedupedFunctionSql(project: string, dataset: string): string {
  const [from, to] = DEDUPED_FUNCTION_ARGUMENTS;
  return [
    'SELECT * EXCEPT (sluice_copy)',
    'FROM (',
    '  SELECT *, ROW_NUMBER() OVER (PARTITION BY event_id ORDER BY collector_tstamp, publish_time, message_id) AS sluice_copy',
    `  FROM ${tableReference(project, dataset, TABLE_NAMES.valid)}`,
    `  WHERE collector_tstamp >= TIMESTAMP(${from})`,
    `    AND collector_tstamp < TIMESTAMP(DATE_ADD(${to}, INTERVAL 1 DAY))`,
    ')',
    'WHERE sluice_copy = 1',
    '',
  ].join('\n');
}
