import assert from 'node:assert/strict';
import { test } from 'node:test';
import { columnsOf } from '../functions/core/contract/columns.ts';
import { TABLE_NAMES, tableSchema } from '../functions/core/contract/table-schema.ts';
import { readSchemaFiles } from '../terraform/schema-files.ts';
import { DEDUPED_FUNCTION_NAME, DEDUPED_VIEW_NAME } from '../terraform/views/deduped-view.ts';
import { typedViews } from '../terraform/views/typed-view.ts';
import { readDoc } from './support/docs.ts';
import { columnsMentioned, parseGoogleSql, tableFunctionsCalled, tablesRead } from './support/googlesql.ts';
import { resourcesOf, SCHEMAS_DIR, synthStack } from './support/synth-stack.ts';

/**
 * The "Query your events" recipes of docs/querying.md parse as GoogleSQL and read only tables and
 * views the stack creates, and only columns those have (or that the query itself defines).
 */
const QUERYING = readDoc('docs/querying.md');
assert.ok(QUERYING.startsWith('# Query your events\n'), 'docs/querying.md starts with "# Query your events"');
// The recipes run up to the page's first subsection, "The data contract".
const section = QUERYING.slice(0, QUERYING.indexOf('\n## '));
const recipes = [...section.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] as string);
const DATASET = 'my-project.sluice';

const synth = synthStack();
const created = [
  ...Object.values(resourcesOf(synth, 'google_bigquery_table')).map((table) => String(table.table_id)),
  ...Object.values(resourcesOf(synth, 'google_bigquery_routine')).map((routine) => String(routine.routine_id)),
];
const columns = new Map<string, Set<string>>([
  [TABLE_NAMES.valid, new Set(tableSchema('valid').map((field) => field.name))],
  [TABLE_NAMES.invalid, new Set(tableSchema('invalid').map((field) => field.name))],
  [DEDUPED_VIEW_NAME, new Set(columnsOf('valid').map((column) => column.name))],
  [DEDUPED_FUNCTION_NAME, new Set(columnsOf('valid').map((column) => column.name))],
  ...typedViews(readSchemaFiles(SCHEMAS_DIR), 'p', 'd').map(
    (view) => [view.name, new Set(view.columns.map((column) => column.name))] as [string, Set<string>],
  ),
]);

test('docs/querying.md has the six kinds of recipe', () => {
  assert.equal(recipes.length, 6);
  assert.ok(
    recipes.some((sql) => sql.includes('.events`') && /GROUP BY day, schema/.test(sql)),
    'events per schema per day',
  );
  assert.ok(
    recipes.some((sql) => sql.includes('events_deduped_between') && sql.includes("'page_view'")),
    'page-view funnel',
  );
  assert.ok(
    recipes.some((sql) => sql.includes('invalid_events') && /GROUP BY error_type/.test(sql)),
    'invalid events by error type and schema',
  );
  assert.ok(
    recipes.some((sql) => sql.includes('com_example_checkout_1')),
    'a typed view',
  );
  assert.ok(
    recipes.some((sql) => sql.includes('mkt_campaign') && /GROUP BY .*mkt_medium/.test(sql)),
    'campaign performance',
  );
  assert.ok(
    recipes.some((sql) => sql.includes('dvce_type') && sql.includes('is_bot')),
    'visitors by device, bots left out',
  );
});

test('every recipe parses and reads only what the stack creates, and only existing columns', () => {
  // Every table and view the recipes may use is one the stack creates.
  for (const name of columns.keys()) assert.ok(created.includes(name), `${name} is not created by the stack`);
  for (const sql of recipes) {
    assert.doesNotThrow(() => parseGoogleSql(sql), sql);
    const ctes = [...sql.matchAll(/\bWITH\s+(\w+)\s+AS\s*\(|,\s*(\w+)\s+AS\s*\(/gi)].map(
      (match) => match[1] ?? match[2],
    );
    const read = [...tablesRead(sql), ...tableFunctionsCalled(sql)].filter((name) => !ctes.includes(name));
    assert.ok(read.length > 0, sql);
    const available = new Set<string>();
    for (const name of read) {
      assert.ok(name.startsWith(`${DATASET}.`), `${name}: recipes use ${DATASET}`);
      const table = name.slice(DATASET.length + 1);
      const tableColumns = columns.get(table);
      assert.ok(tableColumns, `${table} is neither a table nor a view of the stack`);
      for (const column of tableColumns) available.add(column);
    }
    const aliases = new Set([...sql.matchAll(/\bAS\s+(\w+)/gi)].map((match) => match[1] as string));
    for (const column of columnsMentioned(sql)) {
      assert.ok(
        available.has(column) || aliases.has(column),
        `${column} is not a column of ${read.join(', ')}:\n${sql}`,
      );
    }
  }
});
