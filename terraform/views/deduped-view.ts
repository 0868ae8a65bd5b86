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
