import { SluiceError } from '../errors.ts';
import { isJsonObject } from '../json-object.ts';
import { ATTRIBUTE_NAMES, messageAttributes } from './attributes.ts';
import { columnsOf, type RowKind } from './columns.ts';
import type { InvalidRow, JsonValue, ValidRow } from './rows.ts';
import { fromEpochMicros, toEpochMicros } from './timestamps.ts';

/** A Pub/Sub message as the collector and the replay tool publish it. */
export interface RowMessage {
  readonly data: Buffer;
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The message body is the row as a JSON object whose fields are the table's columns, so that a
 * BigQuery subscription with `use_table_schema` writes it column for column. Google documents how
 * such a subscription reads JSON values (https://cloud.google.com/pubsub/docs/create-bigquery-subscription,
 * "Use table schema", and the "Date and time integer representation" table of
 * https://cloud.google.com/pubsub/docs/bigquery):
 * - a JSON column "must be valid JSON in an escaped string": JSON columns are sent as JSON text;
 * - a TIMESTAMP given as a number is "the number of microseconds since the Unix epoch";
 * - table columns absent from a message must be NULLABLE: null columns are left out, never sent as
 *   null or "" ("An empty string is not a valid JSON" for JSON columns);
 * - a message field with no column makes the write fail unless drop_unknown_fields is set: only
 *   the table's own columns are ever sent.
 */
export function encodeRow(kind: RowKind, row: ValidRow | InvalidRow): Record<string, string | number> {
  const wire: Record<string, string | number> = {};
  const values = row as Readonly<Record<string, unknown>>;
  for (const column of columnsOf(kind)) {
    const value = values[column.name];
    if (value === null || value === undefined) continue;
    switch (column.type) {
      case 'JSON':
        wire[column.name] = JSON.stringify(value);
        break;
      case 'TIMESTAMP': {
        const micros = toEpochMicros(value as string);
        if (micros === undefined) throw new RowEncodingError(column.name, value);
        wire[column.name] = micros;
        break;
      }
      default:
        wire[column.name] = value as string | number;
    }
  }
  return wire;
}

export function toMessage(kind: 'valid', row: ValidRow): RowMessage;
export function toMessage(kind: 'invalid', row: InvalidRow): RowMessage;
export function toMessage(kind: RowKind, row: ValidRow | InvalidRow): RowMessage;
export function toMessage(kind: RowKind, row: ValidRow | InvalidRow): RowMessage {
  return {
    data: Buffer.from(JSON.stringify(encodeRow(kind, row)), 'utf8'),
    attributes: messageAttributes(kind, row),
  };
}

export type DecodedMessage =
  | { readonly kind: 'valid'; readonly row: ValidRow }
  | { readonly kind: 'invalid'; readonly row: InvalidRow };

/**
 * Reads a message written by {@link toMessage} back into a row (for replay and tests). Which table
 * it belongs to comes from the `valid` attribute. Throws {@link RowEncodingError} on a body that
 * is not such a message.
 */
export function fromMessage(
  data: Buffer | Uint8Array | string,
  attributes: Readonly<Record<string, string>>,
): DecodedMessage {
  const kind: RowKind = attributes[ATTRIBUTE_NAMES.valid] === 'true' ? 'valid' : 'invalid';
  let wire: unknown;
  try {
    wire = JSON.parse(typeof data === 'string' ? data : Buffer.from(data).toString('utf8'));
  } catch (error) {
    throw new SluiceError('row_decoding', `message body is not JSON: ${String(error)}`, { cause: error });
  }
  if (!isJsonObject(wire)) {
    throw new SluiceError('row_decoding', 'message body is not a JSON object');
  }
  const fields = wire;
  const row: Record<string, unknown> = {};
  for (const column of columnsOf(kind)) {
    const value = fields[column.name];
    if (value === undefined || value === null) continue;
    if (column.type === 'JSON') row[column.name] = typeof value === 'string' ? (JSON.parse(value) as JsonValue) : value;
    else if (column.type === 'TIMESTAMP') row[column.name] = typeof value === 'number' ? fromEpochMicros(value) : value;
    else row[column.name] = value;
  }
  return { kind, row } as DecodedMessage;
}

/** A row value that cannot be encoded for its column: a bug in the code that built the row. */
export class RowEncodingError extends SluiceError {
  constructor(column: string, value: unknown) {
    super('row_encoding', `column ${column} cannot hold ${JSON.stringify(value)}: expected an RFC 3339 timestamp`);
  }
}
