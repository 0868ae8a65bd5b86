import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { COLUMNS, columnsOf } from '../../../functions/core/contract/columns.ts';
import { ENRICHMENT_COLUMNS } from '../../../functions/core/enrichment/enrichment-columns.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { readSchemaFiles, type SchemaFile } from '../../../terraform/schema-files.ts';
import { CLUSTERING } from '../../../terraform/stack/bigquery-tables.ts';
import { dedupedViewSql } from '../../../terraform/views/deduped-view.ts';
import {
  EVENT_COLUMNS,
  propertyColumnType,
  schemaRangeFilter,
  typedViews,
} from '../../../terraform/views/typed-view.ts';
import { MAX_CLUSTERING_COLUMNS } from '../../support/google-deploy-behaviour.ts';
import { columnsMentioned, parseGoogleSql, tablesRead } from '../../support/googlesql.ts';

/** The event columns, then the enrichment columns, then the properties. */
const LEADING_COLUMNS = EVENT_COLUMNS.length + ENRICHMENT_COLUMNS.length;

const SCHEMAS = fileURLToPath(new URL('../../../schemas', import.meta.url));
const GOLDEN = new URL('./golden/com_example_checkout_1.sql', import.meta.url);

function schemaFile(uri: string, properties: Record<string, unknown>): SchemaFile {
  const key = parseSchemaKey(uri);
  const document = {
    self: { vendor: key.vendor, name: key.name, format: 'jsonschema', version: key.version },
    type: 'object',
    properties,
  };
  return { key, path: key.path, text: JSON.stringify(document), document };
}

describe('typed views', () => {
  const views = typedViews(readSchemaFiles(SCHEMAS), 'my-project', 'sluice');

  test('one view per schema model in schemas/, named vendor_name_model', () => {
    assert.deepEqual(
      views.map((view) => view.name),
      [
        'com_example_checkout_1',
        'dev_sluice_page_ping_1',
        'dev_sluice_page_view_1',
        'dev_sluice_segment_alias_1',
        'dev_sluice_segment_group_1',
        'dev_sluice_segment_identify_1',
        'dev_sluice_segment_page_1',
        'dev_sluice_segment_screen_1',
        'dev_sluice_segment_track_1',
        'dev_sluice_struct_1',
        'dev_sluice_transaction_1',
        'dev_sluice_transaction_item_1',
        'dev_sluice_webhook_1',
      ],
    );
  });

  test('the checkout view is exactly the golden file (UPDATE_GOLDEN=1 rewrites it after a deliberate change)', () => {
    const sql = views.find((view) => view.name === 'com_example_checkout_1')?.sql ?? '';
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, sql);
    assert.equal(sql, readFileSync(GOLDEN, 'utf8'));
  });

  test('every view parses as GoogleSQL, reads only the events table and only its columns', () => {
    const eventsColumns = new Set(columnsOf('valid').map((column) => column.name));
    for (const view of views) {
      assert.doesNotThrow(() => parseGoogleSql(view.sql), `${view.name} does not parse:\n${view.sql}`);
      assert.deepEqual(tablesRead(view.sql), ['my-project.sluice.events']);
      const aliases = new Set(view.columns.map((column) => column.name));
      for (const column of columnsMentioned(view.sql))
        assert.ok(eventsColumns.has(column) || aliases.has(column), `${view.name} mentions ${column}`);
    }
  });

  test('every view carries the enrichment columns after the event columns, with their contract types', () => {
    for (const view of views) {
      assert.deepEqual(
        view.columns.slice(EVENT_COLUMNS.length, LEADING_COLUMNS).map((column) => [column.name, column.type]),
        ENRICHMENT_COLUMNS.map((name) => [name, COLUMNS.find((column) => column.name === name)?.type]),
        view.name,
      );
    }
  });

  test('one column per property, cast per JSON Schema type, after the event columns', () => {
    const checkout = views.find((view) => view.name === 'com_example_checkout_1');
    assert.deepEqual(
      checkout?.columns.slice(LEADING_COLUMNS).map((column) => [column.name, column.type]),
      [
        ['order_id', 'STRING'],
        ['total', 'FLOAT64'],
        ['currency', 'STRING'],
        ['items', 'INT64'],
        ['coupon', 'STRING'],
      ],
    );
    const pagePing = views.find((view) => view.name === 'dev_sluice_page_ping_1');
    assert.deepEqual(
      pagePing?.columns.slice(LEADING_COLUMNS).map((column) => column.type),
      ['INT64', 'INT64', 'INT64', 'INT64'],
    );
  });

  test('JSON Schema types map to BigQuery types; null only makes a column nullable', () => {
    const cases: Array<[unknown, string]> = [
      [{ type: 'string' }, 'STRING'],
      [{ type: ['string', 'null'] }, 'STRING'],
      [{ type: 'string', format: 'date-time' }, 'TIMESTAMP'],
      [{ type: 'string', format: 'date' }, 'DATE'],
      [{ type: 'string', format: 'email' }, 'STRING'],
      [{ type: 'integer' }, 'INT64'],
      [{ type: ['null', 'integer'] }, 'INT64'],
      [{ type: 'number' }, 'FLOAT64'],
      [{ type: 'boolean' }, 'BOOL'],
      [{ type: 'object', properties: { a: { type: 'string' } } }, 'JSON'],
      [{ type: 'array', items: { type: 'string' } }, 'JSON'],
      [{ type: ['string', 'number'] }, 'JSON'],
      [{ enum: ['a', 'b'] }, 'JSON'],
      [{}, 'JSON'],
      [true, 'JSON'],
    ];
    for (const [schema, type] of cases) assert.equal(propertyColumnType(schema), type, JSON.stringify(schema));
  });

  test('every conversion is lax or safe, so one bad value gives NULL rather than a failed query', () => {
    const [view] = typedViews(
      [
        schemaFile('iglu:com.acme/all/jsonschema/1-0-0', {
          s: { type: 'string' },
          t: { type: 'string', format: 'date-time' },
          d: { type: 'string', format: 'date' },
          i: { type: 'integer' },
          n: { type: 'number' },
          b: { type: 'boolean' },
          o: { type: 'object' },
          a: { type: 'array' },
        }),
      ],
      'p',
      'd',
    );
    const lines = view?.sql.split('\n') ?? [];
    const line = (column: string) =>
      lines.find((text) => text.endsWith(`AS \`${column}\`,`) || text.endsWith(`AS \`${column}\``));
    assert.equal(line('s')?.trim(), "LAX_STRING(payload['s']) AS `s`,");
    assert.equal(line('t')?.trim(), "SAFE_CAST(LAX_STRING(payload['t']) AS TIMESTAMP) AS `t`,");
    assert.equal(line('d')?.trim(), "SAFE_CAST(LAX_STRING(payload['d']) AS DATE) AS `d`,");
    assert.equal(line('i')?.trim(), "LAX_INT64(payload['i']) AS `i`,");
    assert.equal(line('n')?.trim(), "LAX_FLOAT64(payload['n']) AS `n`,");
    assert.equal(line('b')?.trim(), "LAX_BOOL(payload['b']) AS `b`,");
    assert.equal(line('o')?.trim(), "payload['o'] AS `o`,");
    assert.equal(line('a')?.trim(), "payload['a'] AS `a`");
    assert.doesNotThrow(() => parseGoogleSql(view?.sql ?? ''));
  });

  test('property names that are not identifiers are quoted as keys and sanitized as columns, without clashes', () => {
    const [view] = typedViews(
      [
        schemaFile('iglu:com.acme/odd/jsonschema/1-0-0', {
          'order-id': { type: 'string' },
          order_id: { type: 'string' },
          '2fa': { type: 'boolean' },
          "it's \\ odd": { type: 'integer' },
          event_id: { type: 'string' },
          select: { type: 'string' },
          naïve: { type: 'string' },
        }),
      ],
      'p',
      'd',
    );
    assert.deepEqual(
      view?.columns.slice(LEADING_COLUMNS).map((column) => [column.property, column.name]),
      [
        ['order-id', 'order_id'],
        ['order_id', 'order_id_2'],
        ['2fa', '_2fa'],
        ["it's \\ odd", 'it_s___odd'],
        ['event_id', 'event_id_2'],
        ['select', 'select'],
        ['naïve', 'na_ve'],
      ],
    );
    assert.ok(view?.sql.includes("LAX_INT64(payload['it\\'s \\\\ odd']) AS `it_s___odd`"), view?.sql);
    assert.ok(view?.sql.includes('AS `select`'));
    assert.doesNotThrow(() => parseGoogleSql(view?.sql ?? ''));
  });

  test('all revisions of a model share one view: properties are united, the newest type wins, other models get their own', () => {
    const views = typedViews(
      [
        schemaFile('iglu:com.acme/cart/jsonschema/1-0-0', { a: { type: 'string' }, n: { type: 'integer' } }),
        schemaFile('iglu:com.acme/cart/jsonschema/1-1-0', {
          a: { type: 'string' },
          n: { type: 'number' },
          b: { type: 'boolean' },
        }),
        schemaFile('iglu:com.acme/cart/jsonschema/2-0-0', { z: { type: 'string' } }),
      ],
      'p',
      'd',
    );
    assert.deepEqual(
      views.map((view) => [view.name, view.schemas]),
      [
        ['com_acme_cart_1', ['iglu:com.acme/cart/jsonschema/1-0-0', 'iglu:com.acme/cart/jsonschema/1-1-0']],
        ['com_acme_cart_2', ['iglu:com.acme/cart/jsonschema/2-0-0']],
      ],
    );
    assert.deepEqual(
      views[0]?.columns.slice(LEADING_COLUMNS).map((column) => `${column.name}:${column.type}`),
      ['a:STRING', 'n:FLOAT64', 'b:BOOL'],
    );
    assert.match(
      views[1]?.sql ?? '',
      /WHERE schema >= 'iglu:com\.acme\/cart\/jsonschema\/2-'\n {2}AND schema < 'iglu:com\.acme\/cart\/jsonschema\/2\.'/,
    );
  });

  test('two models that would get the same view name are refused, naming both', () => {
    assert.throws(
      () =>
        typedViews(
          [schemaFile('iglu:com.acme/a_b/jsonschema/1-0-0', {}), schemaFile('iglu:com.acme/a-b/jsonschema/1-0-0', {})],
          'p',
          'd',
        ),
      /com\.acme\/a_b\/1 and com\.acme\/a-b\/1 would both get the typed view com_acme_a_b_1/,
    );
  });
});

describe('events_deduped', () => {
  const sql = dedupedViewSql('my-project', 'sluice');

  test('parses, reads events, keeps the earliest copy of each event_id', () => {
    assert.doesNotThrow(() => parseGoogleSql(sql));
    assert.deepEqual(tablesRead(sql), ['my-project.sluice.events']);
    assert.match(
      sql,
      /ROW_NUMBER\(\) OVER \(PARTITION BY event_id ORDER BY collector_tstamp, publish_time, message_id\) AS sluice_copy/,
    );
    assert.match(sql, /WHERE sluice_copy = 1/);
    assert.match(sql, /^SELECT \* EXCEPT \(sluice_copy\)/);
  });
});

describe('the parser used above', () => {
  test('refuses SQL that BigQuery would refuse, so the parse checks can fail', () => {
    for (const bad of [
      'SELECT FROM `p.d.events`',
      "SELECT LAX_INT64(payload['a'] AS a FROM t",
      "SELECT 'open FROM t",
      'SELECT a b c FROM t',
    ]) {
      assert.throws(() => parseGoogleSql(bad), Error, bad);
    }
  });

  test('each view filters on schema, the first clustering column, with a range that holds exactly its model', () => {
    assert.equal(CLUSTERING.valid[0], 'schema');
    assert.ok(CLUSTERING.valid.length <= MAX_CLUSTERING_COLUMNS && CLUSTERING.invalid.length <= MAX_CLUSTERING_COLUMNS);
    for (const view of typedViews(readSchemaFiles(SCHEMAS), 'my-project', 'sluice')) {
      const where = view.sql.slice(view.sql.indexOf('WHERE'));
      assert.deepEqual(columnsMentioned(`SELECT 1 FROM t ${where}`), ['schema'], view.name);
    }
    // The range, evaluated as BigQuery compares strings (by code point): in and out of model 2.
    const [lower, upper] = schemaRangeFilter('com.acme', 'cart', '2').map((line) => /'(.*)'/.exec(line)?.[1] as string);
    const inRange = (uri: string) => uri >= (lower as string) && uri < (upper as string);
    for (const uri of ['iglu:com.acme/cart/jsonschema/2-0-0', 'iglu:com.acme/cart/jsonschema/2-10-3'])
      assert.ok(inRange(uri), uri);
    for (const uri of [
      'iglu:com.acme/cart/jsonschema/1-0-0',
      'iglu:com.acme/cart/jsonschema/20-0-0',
      'iglu:com.acme/cart/jsonschema/3-0-0',
      'iglu:com.acme/carts/jsonschema/2-0-0',
      'iglu:com.acme/cart/jsonschema/2',
    ])
      assert.ok(!inRange(uri), uri);
  });
});
