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

type AstNode = { readonly [key: string]: unknown };

function visit(node: unknown, onSelect: (select: AstNode) => void): void {
  if (Array.isArray(node)) {
    for (const item of node) visit(item, onSelect);
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const object = node as AstNode;
  if (object.type === 'select') onSelect(object);
  for (const value of Object.values(object)) visit(value, onSelect);
}

function columnsIn(node: unknown): string[] {
  const found: string[] = [];
  const walk = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(walk);
    else if (typeof value === 'object' && value !== null) {
      const object = value as AstNode;
      if (object.type === 'column_ref') {
        const column = object.column as { expr?: { value?: unknown } } | string;
        found.push(typeof column === 'string' ? column : String(column.expr?.value));
      }
      Object.values(object).forEach(walk);
    }
  };
  walk(node);
  return found;
}

/**
 * The columns a WHERE clause mentions in each SELECT that reads `table` directly in its FROM (one
 * list per such SELECT). A filter BigQuery applies while scanning the table appears here; one
 * applied above a subquery (a window over the whole table, then a filter) does not.
 */
export function filtersOnTable(sql: string, table: string): string[][] {
  const filters: string[][] = [];
  visit(parseGoogleSql(sql), (select) => {
    const from = Array.isArray(select.from) ? (select.from as AstNode[]) : [];
    if (from.some((item) => item.table === table)) filters.push(columnsIn(select.where));
  });
  return filters;
}

/** The table functions a query calls in FROM, by name (`project.dataset.function`). */
export function tableFunctionsCalled(sql: string): string[] {
  const names: string[] = [];
  visit(parseGoogleSql(sql), (select) => {
    for (const item of Array.isArray(select.from) ? (select.from as AstNode[]) : []) {
      const expr = item.expr as { type?: string; name?: { schema?: { value?: string } } } | undefined;
      if (item.type === 'expr' && expr?.type === 'function' && expr.name?.schema?.value !== undefined)
        names.push(expr.name.schema.value);
    }
  });
  return names;
}
