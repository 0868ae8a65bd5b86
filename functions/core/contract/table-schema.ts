import { type ColumnMode, type ColumnType, columnsOf, modeOf, type RowKind } from './columns.ts';

/** A BigQuery TableFieldSchema, as the BigQuery API and the Terraform provider take it. */
export interface BigQueryField {
  readonly name: string;
  readonly type: ColumnType;
  readonly mode: ColumnMode;
  readonly description: string;
}

export const TABLE_NAMES: Readonly<Record<RowKind, string>> = { valid: 'events', invalid: 'invalid_events' };

/**
 * The columns a BigQuery subscription with `write_metadata` fills in itself. Google documents
 * subscription_name STRING, message_id STRING, publish_time TIMESTAMP, and attributes as STRING or
 * JSON; `data` is required only when neither topic nor table schema is used, so it is left out: the
 * body is already written column for column. No mode is documented; they are NULLABLE so that
 * rows loaded by other means (replay, backfills) need not invent them.
 * Source: https://cloud.google.com/pubsub/docs/create-bigquery-subscription ("Write metadata").
 */
export const METADATA_FIELDS: readonly BigQueryField[] = [
  {
    name: 'subscription_name',
    type: 'STRING',
    mode: 'NULLABLE',
    description: 'Pub/Sub subscription that wrote the row (write_metadata).',
  },
  { name: 'message_id', type: 'STRING', mode: 'NULLABLE', description: 'Pub/Sub message id (write_metadata).' },
  {
    name: 'publish_time',
    type: 'TIMESTAMP',
    mode: 'NULLABLE',
    description: 'When the message was published to Pub/Sub (write_metadata).',
  },
  {
    name: 'attributes',
    type: 'JSON',
    mode: 'NULLABLE',
    description: 'Pub/Sub message attributes as a JSON object (write_metadata).',
  },
];

/**
 * The last column of the first release: the write_metadata columns follow it in both tables, and
 * every column added to the contract since comes after them. BigQuery adds columns to an existing
 * table only at the end of its schema ("It isn't possible to add columns in the middle of a table
 * schema": https://cloud.google.com/bigquery/docs/managing-table-schemas#add_an_empty_column), so
 * a column put anywhere else would make Terraform replace the table, which deletion protection
 * refuses. test/core/contract/golden/ holds the order; it may only grow at the end.
 */
export const METADATA_AFTER_COLUMN = 'replayed_at';

/** The BigQuery schema of the `events` (valid) or `invalid_events` table, in its frozen column order. */
export function tableSchema(kind: RowKind, options: { withMetadata?: boolean } = {}): BigQueryField[] {
  const fields: BigQueryField[] = columnsOf(kind).map((column) => ({
    name: column.name,
    type: column.type,
    mode: modeOf(column, kind) as ColumnMode,
    description: column.description,
  }));
  if (options.withMetadata === false) return fields;
  const split = fields.findIndex((field) => field.name === METADATA_AFTER_COLUMN) + 1;
  return [...fields.slice(0, split), ...METADATA_FIELDS, ...fields.slice(split)];
}
