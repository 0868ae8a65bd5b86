import { createRequire } from 'node:module';

/**
 * A GoogleSQL (BigQuery dialect) parser for tests: node-sql-parser's BigQuery grammar. It is not
 * BigQuery, but it rejects what would never run (unbalanced parentheses, a missing FROM item,
 * unterminated strings, stray tokens) and lists the tables and columns a query reads.
 */
const require = createRequire(import.meta.url);
const { Parser } = require('node-sql-parser/build/bigquery') as typeof import('node-sql-parser');
const parser = new Parser();
const OPTIONS = { database: 'bigquery' } as const;

/** Throws with the parser's message when `sql` does not parse as one BigQuery statement. */
export function parseGoogleSql(sql: string): unknown {
  return parser.astify(sql, OPTIONS);
}

/** `project.dataset.table` names the query reads (CTE names included). */
export function tablesRead(sql: string): string[] {
  return parser.tableList(sql, OPTIONS).map((entry) => entry.split('::')[2] as string);
}

/** Column names the query mentions (including its own aliases). */
export function columnsMentioned(sql: string): string[] {
  return parser.columnList(sql, OPTIONS).map((entry) => entry.split('::')[2] as string);
}
