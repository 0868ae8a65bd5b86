import { COLUMNS } from './columns.ts';

/**
 * The contract as a Markdown table, for docs/querying.md. A test checks that the page holds exactly
 * this table, so the documented contract cannot drift from the code.
 */
export function contractMarkdownTable(): string {
  const mode = (value: string | null) => (value === null ? '—' : value.toLowerCase());
  const lines = [
    '| column | type | valid (`events`) | invalid (`invalid_events`) | meaning |',
    '|---|---|---|---|---|',
    ...COLUMNS.map(
      (column) =>
        `| \`${column.name}\` | ${column.type} | ${mode(column.valid)} | ${mode(column.invalid)} | ${column.description} |`,
    ),
  ];
  return lines.join('\n');
}
