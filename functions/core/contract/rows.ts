import type { Column, ColumnType, RowKind } from './columns.ts';

/** Any value JSON can hold: the type of the contract's JSON columns. */
export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * How each column type is held in memory (and shown by the local sink, as BigQuery would return it):
 * TIMESTAMP as an RFC 3339 UTC string (`2026-11-26T04:15:27.123Z`, up to microseconds), INT64 as a
 * safe integer, FLOAT64 as a finite number, BOOL as a boolean, JSON as the parsed value. The wire form sent to Pub/Sub differs: see message.ts.
 */
type ValueOf<T extends ColumnType> = T extends 'STRING'
  ? string
  : T extends 'INT64' | 'FLOAT64'
    ? number
    : T extends 'BOOL'
      ? boolean
      : T extends 'TIMESTAMP'
        ? string
        : JsonValue;

type ModeIn<C extends Column, K extends RowKind> = K extends 'valid' ? C['valid'] : C['invalid'];

/** A row of one table, derived from COLUMNS: REQUIRED columns required, NULLABLE ones optional. */
export type RowOf<K extends RowKind> = {
  readonly [C in Column as ModeIn<C, K> extends 'REQUIRED' ? C['name'] : never]: ValueOf<C['type']>;
} & {
  readonly [C in Column as ModeIn<C, K> extends 'NULLABLE' ? C['name'] : never]?: ValueOf<C['type']> | null;
};

/** A row of the `events` table. */
export type ValidRow = RowOf<'valid'>;
/** A row of the `invalid_events` table. */
export type InvalidRow = RowOf<'invalid'>;
