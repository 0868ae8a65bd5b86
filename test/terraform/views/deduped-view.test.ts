import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DEDUPED_FUNCTION_NAME, dedupedFunctionSql, dedupedViewSql } from '../../../terraform/views/deduped-view.ts';
import { readDoc } from '../../support/docs.ts';
import { filtersOnTable, parseGoogleSql, tableFunctionsCalled } from '../../support/googlesql.ts';
import { resource, synthStack, TEST_PROJECT } from '../../support/synth-stack.ts';

const EVENTS = 'my-project.sluice.events';
const QUERYING = readDoc('docs/querying.md');

/** The arguments of the first call of `name(…)` in `sql`, split at top-level commas. */
function callArguments(sql: string, name: string): { start: number; end: number; args: string[] } {
  const start = sql.indexOf(name);
  assert.ok(start >= 0, `${name} is not called`);
  let depth = 0;
  let current = '';
  const args: string[] = [];
  for (let i = sql.indexOf('(', start + name.length); i < sql.length; i++) {
    const c = sql[i] as string;
    if (c === '(' && depth++ === 0) continue;
    if (c === ')' && --depth === 0) return { start, end: i + 1, args: [...args, current.trim()] };
    if (c === ',' && depth === 1) {
      args.push(current.trim());
      current = '';
    } else current += c;
  }
  throw new Error(`unbalanced call of ${name}`);
}

/** `sql` with the call of the table function replaced by its body, the arguments substituted. */
function inlineDedupedFunction(sql: string): string {
  const call = `\`${EVENTS}_deduped_between\``;
  const { start, end, args } = callArguments(sql, call);
  assert.equal(args.length, 2);
  const body = dedupedFunctionSql('my-project', 'sluice')
    .replace(/\bfrom_date\b/g, `(${args[0]})`)
    .replace(/\bto_date\b/g, `(${args[1]})`);
  return `${sql.slice(0, start)}(${body})${sql.slice(end)}`;
}

describe('deduplication that keeps partition pruning', () => {
  test('the table function filters the events table itself on collector_tstamp, by both parameters', () => {
    const sql = dedupedFunctionSql('my-project', 'sluice');
    const [filter, ...others] = filtersOnTable(sql, EVENTS);
    assert.deepEqual(others, []);
    assert.deepEqual(filter, ['collector_tstamp', 'from_date', 'collector_tstamp', 'to_date']);
    assert.match(sql, /collector_tstamp >= TIMESTAMP\(from_date\)/);
    assert.match(sql, /collector_tstamp < TIMESTAMP\(DATE_ADD\(to_date, INTERVAL 1 DAY\)\)/);
  });

  test('a date filter on the events_deduped view does not reach the table (why the table function exists)', () => {
    const onView = `SELECT * FROM (${dedupedViewSql('my-project', 'sluice')}) WHERE DATE(collector_tstamp) = CURRENT_DATE()`;
    assert.deepEqual(filtersOnTable(onView, EVENTS), [[]]);
  });

  test("docs/querying.md's funnel recipe calls the table function, and its dates reach the table's partition column", () => {
    const recipes = [...QUERYING.matchAll(/```sql\n([\s\S]*?)```/g)].map((match) => match[1] as string);
    const funnel = recipes.find((sql) => sql.includes("'page_view'")) ?? '';
    assert.deepEqual(tableFunctionsCalled(funnel), [`${EVENTS}_deduped_between`]);
    const inlined = inlineDedupedFunction(funnel);
    assert.doesNotThrow(() => parseGoogleSql(inlined));
    assert.deepEqual(filtersOnTable(inlined, EVENTS), [['collector_tstamp', 'collector_tstamp']]);
    assert.ok(!/events_deduped`/.test(funnel), 'the funnel does not read the unpruned view');
  });

  test('the stack creates it as a SQL table function with two DATE arguments, in the dataset', () => {
    const synth = synthStack();
    const routine = resource(synth, 'google_bigquery_routine', `routine_${DEDUPED_FUNCTION_NAME}`);
    assert.equal(routine.routine_id, DEDUPED_FUNCTION_NAME);
    assert.equal(routine.routine_type, 'TABLE_VALUED_FUNCTION');
    assert.equal(routine.language, 'SQL');
    assert.equal(routine.dataset_id, '${google_bigquery_dataset.bigquery_dataset.dataset_id}');
    assert.deepEqual(routine.arguments, [
      { name: 'from_date', data_type: '{"typeKind":"DATE"}' },
      { name: 'to_date', data_type: '{"typeKind":"DATE"}' },
    ]);
    assert.equal(routine.definition_body, dedupedFunctionSql(TEST_PROJECT, 'sluice'));
    assert.deepEqual(routine.depends_on, ['google_bigquery_table.table_events']);
    assert.deepEqual(synth.json.output.table_functions?.value, [
      `\${google_bigquery_routine.routine_${DEDUPED_FUNCTION_NAME}.routine_id}`,
    ]);
  });
});
