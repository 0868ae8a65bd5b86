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

/** The BigQuery schema of the `events` (valid) or `invalid_events` table. */
export function tableSchema(kind: RowKind, options: { withMetadata?: boolean } = {}): BigQueryField[] {
  const fields: BigQueryField[] = columnsOf(kind).map((column) => ({
    name: column.name,
    type: column.type,
    mode: modeOf(column, kind) as ColumnMode,
    description: column.description,
  }));
  return options.withMetadata === false ? fields : [...fields, ...METADATA_FIELDS];
}
