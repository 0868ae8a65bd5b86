import { COLUMNS } from './columns.ts';
import { METADATA_AFTER_COLUMN, METADATA_FIELDS } from './table-schema.ts';

/**
 * The contract as a Markdown table, for docs/querying.md. A test checks that the page holds exactly
 * this table, so the documented contract cannot drift from the code. The write_metadata columns
 * get one row where they sit in both tables, so that the table shows the tables' column order.
 */
export function contractMarkdownTable(): string {
  const mode = (value: string | null) => (value === null ? '—' : value.toLowerCase());
  const lines = [
    '| column | type | valid (`events`) | invalid (`invalid_events`) | meaning |',
    '|---|---|---|---|---|',
  ];
  for (const column of COLUMNS) {
    lines.push(
      `| \`${column.name}\` | ${column.type} | ${mode(column.valid)} | ${mode(column.invalid)} | ${column.description} |`,
    );
    if (column.name === METADATA_AFTER_COLUMN) {
      lines.push(
        `| ${METADATA_FIELDS.map((field) => `\`${field.name}\``).join(', ')} | ${METADATA_FIELDS.map((field) => field.type).join(', ')} | nullable | nullable | Written by the BigQuery subscription (write_metadata), not by Sluice. Every column below was added later and comes after these: BigQuery adds columns only at the end of a table. |`,
      );
    }
  }
  return lines.join('\n');
}
