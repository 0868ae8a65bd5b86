import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type BigQueryJobPort,
  type BigQueryJobRequest,
  type BigQueryPort,
  bigQuerySource,
  buildInvalidRowsQuery,
  fromBigQueryRow,
} from '../../../functions/adapters/replay/bigquery-source.ts';
import { replayCommand } from '../../../functions/app/replay/replay-command.ts';
import { columnsOf } from '../../../functions/core/contract/columns.ts';
import type { ReplayItem } from '../../../functions/core/replay/replay-source.ts';

/**
 * The BigQuery source against a fake of the client's query interface (there is no BigQuery
 * emulator): the query text and its parameters, paging, and how result values become rows.
 */
const COLUMNS = columnsOf('invalid')
  .map((column) => `i.${column.name}`)
  .join(', ');

/** Records the job request and serves the given pages, each ending with the next page's token. */
function fakeBigQuery(pages: Array<Array<Record<string, unknown>>>) {
  const requests: BigQueryJobRequest[] = [];
  const pageCalls: Array<{ maxResults: number; pageToken?: string }> = [];
  const job: BigQueryJobPort = {
    async getQueryResults(options) {
      pageCalls.push({
        maxResults: options.maxResults,
        ...(options.pageToken ? { pageToken: options.pageToken } : {}),
      });
      const index = options.pageToken ? Number(options.pageToken.slice('page-'.length)) : 0;
      const next = index + 1 < pages.length ? { pageToken: `page-${index + 1}` } : null;
      return [pages[index] ?? [], next];
    },
  };
  const client: BigQueryPort = {
    getProjectId: async () => 'detected-project',
    async createQueryJob(request) {
      requests.push(request);
      return [job];
    },
  };
  return { client, requests, pageCalls };
}

function bigQueryRow(eventId: string): Record<string, unknown> {
  // As @google-cloud/bigquery returns them: TIMESTAMP as BigQueryTimestamp, JSON parsed (parseJSON).
  return {
    event_id: eventId,
    collector_tstamp: { value: '2026-11-30T08:00:00.123456Z' },
    event_tstamp: null,
    protocol: 'self_describing',
    event_name: 'signup',
    schema: 'iglu:com.acme/signup/jsonschema/1-0-0',
    schema_vendor: 'com.acme',
    schema_name: 'signup',
    schema_version: '1-0-0',
    payload: { email: 'a@example.com' },
    contexts: null,
    collector: 'sluice/0.1.0',
    error_type: 'schema_not_found',
    errors: [{ schema: 'iglu:com.acme/signup/jsonschema/1-0-0', path: '$', keyword: 'schema', message: 'not found' }],
    request: { method: 'POST', path: '/self-describing', query: '', content_type: 'application/json', headers: {} },
    replay_count: 2,
  };
}

async function collect(source: AsyncIterable<ReplayItem>): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of source) items.push(item);
  return items;
}

describe('the BigQuery query', () => {
  test('every user value is a parameter; the text names only the configured tables', () => {
    const built = buildInvalidRowsQuery('my-project', {
      dataset: 'sluice',
      since: new Date('2026-11-30T00:00:00Z'),
      until: new Date('2026-12-01T00:00:00Z'),
      schemas: ['iglu:com.acme/signup/jsonschema/1-0-0', "iglu:x/y/jsonschema/1-0-0' OR TRUE --"],
      errorTypes: ['schema_not_found'],
      limit: 500,
      skipDelivered: true,
    });
    assert.equal(
      built.query,
      `SELECT ${COLUMNS}\n` +
        'FROM `my-project.sluice.invalid_events` AS i\n' +
        'WHERE i.collector_tstamp >= @since\n' +
        '  AND i.collector_tstamp < @until\n' +
        '  AND i.schema IN UNNEST(@schemas)\n' +
        '  AND i.error_type IN UNNEST(@error_types)\n' +
        '  AND NOT EXISTS (SELECT 1 FROM `my-project.sluice.events` AS e WHERE e.event_id = i.event_id AND e.collector_tstamp = i.collector_tstamp' +
        ' AND e.collector_tstamp >= @since AND e.collector_tstamp < @until)\n' +
        'ORDER BY i.collector_tstamp, i.event_id\n' +
        'LIMIT @limit',
    );
    assert.deepEqual(built.params, {
      since: '2026-11-30T00:00:00.000Z',
      until: '2026-12-01T00:00:00.000Z',
      schemas: ['iglu:com.acme/signup/jsonschema/1-0-0', "iglu:x/y/jsonschema/1-0-0' OR TRUE --"],
      error_types: ['schema_not_found'],
      limit: 500,
    });
    assert.deepEqual(built.types, {
      since: 'TIMESTAMP',
      until: 'TIMESTAMP',
      schemas: ['STRING'],
      error_types: ['STRING'],
      limit: 'INT64',
    });
    assert.ok(!built.query.includes('OR TRUE'), 'a hostile value never reaches the query text');
  });

  test('without filters the query reads the whole table; --include-delivered drops the events check', () => {
    const built = buildInvalidRowsQuery('my-project', {
      dataset: 'analytics_eu',
      schemas: [],
      errorTypes: [],
      skipDelivered: false,
    });
    assert.equal(
      built.query,
      `SELECT ${COLUMNS}\nFROM \`my-project.analytics_eu.invalid_events\` AS i\nORDER BY i.collector_tstamp, i.event_id`,
    );
    assert.deepEqual(built.params, {});
  });

  test('a project or dataset that is not a BigQuery name is refused before any query', () => {
    assert.throws(
      () =>
        buildInvalidRowsQuery('my-project`; DROP', {
          dataset: 'sluice',
          schemas: [],
          errorTypes: [],
          skipDelivered: true,
        }),
      /not a Google Cloud project id; set project/,
    );
    assert.throws(
      () => buildInvalidRowsQuery('my-project', { dataset: 'a.b', schemas: [], errorTypes: [], skipDelivered: true }),
      /not a BigQuery dataset id; fix bigquery.dataset/,
    );
  });
});

describe('the BigQuery source', () => {
  test('reads every page in order, asking for the next with its token', async () => {
    const fake = fakeBigQuery([[bigQueryRow('e-1'), bigQueryRow('e-2')], [bigQueryRow('e-3')], [bigQueryRow('e-4')]]);
    const source = bigQuerySource({
      projectId: '',
      dataset: 'sluice',
      schemas: [],
      errorTypes: ['schema_not_found'],
      pageSize: 2,
      skipDelivered: true,
      client: fake.client,
    });
    const items = await collect(source);
    assert.deepEqual(
      items.map((item) => ('event_id' in item.row ? item.row.event_id : null)),
      ['e-1', 'e-2', 'e-3', 'e-4'],
    );
    assert.deepEqual(fake.pageCalls, [
      { maxResults: 2 },
      { maxResults: 2, pageToken: 'page-1' },
      { maxResults: 2, pageToken: 'page-2' },
    ]);
    assert.equal(fake.requests.length, 1);
    assert.match(
      fake.requests[0]?.query ?? '',
      /`detected-project\.sluice\.invalid_events`/,
      'an empty project is detected by the client',
    );
    assert.deepEqual(fake.requests[0]?.labels, { tool: 'sluice-replay' });
  });

  test('result values become contract rows: timestamps from BigQueryTimestamp, JSON parsed or as text', () => {
    const row = fromBigQueryRow({
      ...bigQueryRow('e-1'),
      errors: JSON.stringify([{ message: 'x' }]),
      session_index: 4,
    });
    assert.ok(!('unreadable' in row));
    assert.equal(row.collector_tstamp, '2026-11-30T08:00:00.123456Z');
    assert.deepEqual(row.payload, { email: 'a@example.com' });
    assert.deepEqual(row.errors, [{ message: 'x' }]);
    assert.equal(row.replay_count, 2);
    assert.equal(row.session_index, 4);
    assert.equal('contexts' in row, false, 'NULL stays absent');
    assert.deepEqual(fromBigQueryRow({ event_id: 'x' }), { unreadable: 'the row has no event_id or error_type' });
  });

  test('the command passes --since, --schema, --error-type and --limit as parameters, and --dry-run publishes nothing', async () => {
    const fake = fakeBigQuery([[bigQueryRow('e-1')]]);
    let stdout = '';
    const status = await replayCommand(
      [
        '--source',
        'bigquery',
        '--since',
        '2026-11-30',
        '--schema',
        'iglu:com.acme/signup/jsonschema/1-0-0',
        '--error-type',
        'schema_not_found',
        '--limit',
        '10',
        '--dry-run',
      ],
      {
        env: {
          SLUICE_PROJECT: 'my-project',
          SLUICE_REGISTRIES: 'file:///nonexistent-registry-for-test',
          SLUICE_BIGQUERY_DATASET: 'analytics',
        },
        bigQueryClient: fake.client,
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: () => true, isTTY: false },
      },
    );
    const summary = JSON.parse(stdout);
    assert.equal(status, 1, 'the registry is unreachable: the event is left to retry');
    assert.equal(summary.counts.read, 1);
    assert.equal(summary.counts.retry_later, 1);
    assert.equal(summary.dry_run, true);
    assert.match(fake.requests[0]?.query ?? '', /`my-project\.analytics\.invalid_events`/);
    assert.deepEqual(fake.requests[0]?.params, {
      since: '2026-11-30T00:00:00.000Z',
      schemas: ['iglu:com.acme/signup/jsonschema/1-0-0'],
      error_types: ['schema_not_found'],
      limit: 10,
    });
  });
});
