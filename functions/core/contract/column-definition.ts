export type ColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'JSON';
export type ColumnMode = 'REQUIRED' | 'NULLABLE';

/** How the data contract describes one BigQuery column (see columns.ts). */
export interface ColumnDefinition {
  readonly name: string;
  readonly type: ColumnType;
  readonly valid: ColumnMode | null;
  readonly invalid: ColumnMode | null;
  readonly description: string;
}
