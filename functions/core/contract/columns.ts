/**
 * The data contract's single definition of the BigQuery columns. The row types (rows.ts), the
 * BigQuery table schemas (table-schema.ts), the Pub/Sub message encoding (message.ts) and the CDKTF
 * stack are all derived from this list. Each column is defined once, in the file of its group
 * (event-columns.ts, enrichment-column-definitions.ts), and nowhere else.
 *
 * `valid` / `invalid` give the column's mode in the `events` and `invalid_events` tables;
 * `null` means the column does not exist in that table.
 *
 * The order is the tables' column order, and it is frozen: BigQuery adds a column to an existing
 * table only at the end of its schema, so a column is only ever appended to this list, at the end
 * of its last group or as a new group after that (after `replayed_at` come the write_metadata
 * columns, then every column added since: see table-schema.ts), and a new column is NULLABLE in
 * both tables.
 */
import type { ColumnDefinition, ColumnMode } from './column-definition.ts';
import { ENRICHMENT_COLUMN_DEFINITIONS } from './enrichment-column-definitions.ts';
import { EVENT_COLUMNS } from './event-columns.ts';

export type { ColumnDefinition, ColumnMode, ColumnType } from './column-definition.ts';
export { ERROR_TYPES, type ErrorType, PROTOCOLS, type Protocol } from './column-values.ts';

/** Every column, in table order: each group's file holds its columns in that order. */
export const COLUMNS = [
  ...EVENT_COLUMNS,
  ...ENRICHMENT_COLUMN_DEFINITIONS,
] as const satisfies readonly ColumnDefinition[];

export type Column = (typeof COLUMNS)[number];
export type ColumnName = Column['name'];

/** Which table a row belongs to. */
export type RowKind = 'valid' | 'invalid';

/** The columns of one table, in table order. */
export function columnsOf(kind: RowKind): readonly ColumnDefinition[] {
  return kind === 'valid' ? VALID_COLUMNS : INVALID_COLUMNS;
}

const VALID_COLUMNS: readonly ColumnDefinition[] = COLUMNS.filter((column) => column.valid !== null);
const INVALID_COLUMNS: readonly ColumnDefinition[] = COLUMNS.filter((column) => column.invalid !== null);

export function modeOf(column: ColumnDefinition, kind: RowKind): ColumnMode | null {
  return kind === 'valid' ? column.valid : column.invalid;
}
