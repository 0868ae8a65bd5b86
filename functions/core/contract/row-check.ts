import { isJsonObject } from '../json-object.ts';
import { columnsOf, modeOf, type RowKind } from './columns.ts';
import { toEpochMicros } from './timestamps.ts';

/**
 * Every way a row breaks the contract: unknown columns, REQUIRED columns missing or null, and values
 * of the wrong type for their column. An empty list means the row can be written to its table.
 * The collector's and the replay tool's tests run every row they produce through this.
 */
export function rowProblems(kind: RowKind, row: unknown): string[] {
  if (!isJsonObject(row)) return ['a row must be an object'];
  const values = row;
  const columns = columnsOf(kind);
  const known = new Set(columns.map((column) => column.name));
  const problems = Object.keys(values)
    .filter((name) => !known.has(name))
    .map((name) => `${name}: no such column in the ${kind} table`);
  for (const column of columns) {
    const value = values[column.name];
    if (value === undefined || value === null) {
      if (modeOf(column, kind) === 'REQUIRED') problems.push(`${column.name}: REQUIRED but missing`);
      continue;
    }
    const problem = typeProblem(column.type, value);
    if (problem) problems.push(`${column.name}: ${problem}`);
  }
  return problems;
}

function typeProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'STRING':
      return typeof value === 'string' ? undefined : `expected a string, got ${typeof value}`;
    case 'INT64':
      return Number.isSafeInteger(value) ? undefined : `expected a safe integer, got ${JSON.stringify(value)}`;
    case 'FLOAT64':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : `expected a finite number, got ${JSON.stringify(value)}`;
    case 'BOOL':
      return typeof value === 'boolean' ? undefined : `expected a boolean, got ${JSON.stringify(value)}`;
    case 'TIMESTAMP':
      return typeof value === 'string' && toEpochMicros(value) !== undefined
        ? undefined
        : `expected an RFC 3339 timestamp between years 0001 and 9999, got ${JSON.stringify(value)}`;
    default:
      return isJson(value) ? undefined : 'expected a JSON value (no undefined, functions, NaN or Infinity)';
  }
}

function isJson(value: unknown, depth = 0): boolean {
  if (depth > 1000) return false;
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (Array.isArray(value)) return value.every((item) => isJson(item, depth + 1));
  if (typeof value === 'object') return Object.values(value).every((item) => isJson(item, depth + 1));
  return false;
}
