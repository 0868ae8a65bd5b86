import { columnsOf } from '../../core/contract/columns.ts';
import type { InvalidRow } from '../../core/contract/rows.ts';
import { TABLE_NAMES } from '../../core/contract/table-schema.ts';
import { normalizeTimestamp } from '../../core/contract/timestamps.ts';
import { SluiceError } from '../../core/errors.ts';
import type { ReplayItem, ReplaySource } from '../../core/replay/replay-source.ts';

/**
 * The part of `@google-cloud/bigquery` the source uses: `BigQuery#createQueryJob` and
 * `Job#getQueryResults` with manual paging (https://cloud.google.com/nodejs/docs/reference/bigquery/latest,
 * "autoPaginate: false" returns `[rows, nextQuery, response]`). An interface, so tests run the
 * source against a fake: there is no BigQuery emulator.
 */
export interface BigQueryPort {
  getProjectId(): Promise<string>;
  createQueryJob(options: BigQueryJobRequest): Promise<[BigQueryJobPort, ...unknown[]]>;
}

export interface BigQueryJobRequest {
  readonly query: string;
  readonly params: Record<string, unknown>;
  /** Parameter types, required by the client for arrays that may be empty. */
  readonly types: Record<string, string | string[]>;
  readonly labels: Record<string, string>;
}

export interface BigQueryJobPort {
  getQueryResults(options: {
    autoPaginate: false;
    maxResults: number;
    pageToken?: string;
    parseJSON: true;
  }): Promise<[Array<Record<string, unknown>>, { pageToken?: string | null } | null | undefined, ...unknown[]]>;
}

export interface BigQuerySourceOptions {
  /** Empty: detected by the client library (Application Default Credentials). */
  readonly projectId: string;
  /** config `bigquery.dataset`. */
  readonly dataset: string;
  readonly since?: Date | undefined;
  readonly until?: Date | undefined;
  readonly schemas: readonly string[];
  readonly errorTypes: readonly string[];
  /** Rows per page of results. */
  readonly pageSize: number;
  readonly limit?: number | undefined;
  /**
   * Leave out rows whose event is in `events` already (same event_id and collector_tstamp: a
   * replayed row keeps both), so that running the same replay twice publishes nothing twice.
   */
  readonly skipDelivered: boolean;
  readonly client?: BigQueryPort | undefined;
}

/** BigQuery project ids (and domain-scoped ones, `example.com:project`) and dataset ids. */
const PROJECT_ID = /^(?:[a-z][a-z0-9.-]{0,62}:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const DATASET_ID = /^[A-Za-z_][A-Za-z0-9_]{0,1023}$/;

export interface BuiltQuery {
  readonly query: string;
  readonly params: Record<string, unknown>;
  readonly types: Record<string, string | string[]>;
}

/**
 * The query: every value from the user (times, schemas, error types, limit) is a query parameter;
 * only the table names are written into the text, and those come from the configuration, checked
 * against BigQuery's own naming rules first, and the contract (TABLE_NAMES, the column list).
 * Parameterized queries: https://cloud.google.com/bigquery/docs/parameterized-queries
 */
export function buildInvalidRowsQuery(
  projectId: string,
  options: Omit<BigQuerySourceOptions, 'projectId' | 'client' | 'pageSize'>,
): BuiltQuery {
  if (!PROJECT_ID.test(projectId))
    throw new SluiceError(
      'replay_source',
      `project id ${JSON.stringify(projectId)} is not a Google Cloud project id; set project (SLUICE_PROJECT)`,
    );
  if (!DATASET_ID.test(options.dataset))
    throw new SluiceError(
      'replay_source',
      `dataset ${JSON.stringify(options.dataset)} is not a BigQuery dataset id; fix bigquery.dataset`,
    );
  const table = (name: string) => `\`${projectId}.${options.dataset}.${name}\``;
  const columns = columnsOf('invalid')
    .map((column) => `i.${column.name}`)
    .join(', ');
  const where: string[] = [];
  const params: Record<string, unknown> = {};
  const types: Record<string, string | string[]> = {};
  if (options.since) {
    where.push('i.collector_tstamp >= @since');
    params.since = options.since.toISOString();
    types.since = 'TIMESTAMP';
  }
  if (options.until) {
    where.push('i.collector_tstamp < @until');
    params.until = options.until.toISOString();
    types.until = 'TIMESTAMP';
  }
  if (options.schemas.length > 0) {
    where.push('i.schema IN UNNEST(@schemas)');
    params.schemas = [...options.schemas];
    types.schemas = ['STRING'];
  }
  if (options.errorTypes.length > 0) {
    where.push('i.error_type IN UNNEST(@error_types)');
    params.error_types = [...options.errorTypes];
    types.error_types = ['STRING'];
  }
  if (options.skipDelivered) {
    // The same window on events lets BigQuery prune its partitions too, when it is partitioned by time.
    const window = [
      options.since ? 'e.collector_tstamp >= @since' : '',
      options.until ? 'e.collector_tstamp < @until' : '',
    ].filter(Boolean);
    where.push(
      `NOT EXISTS (SELECT 1 FROM ${table(TABLE_NAMES.valid)} AS e WHERE e.event_id = i.event_id AND e.collector_tstamp = i.collector_tstamp${window.map((condition) => ` AND ${condition}`).join('')})`,
    );
  }
  let query = `SELECT ${columns}\nFROM ${table(TABLE_NAMES.invalid)} AS i`;
  if (where.length > 0) query += `\nWHERE ${where.join('\n  AND ')}`;
  query += '\nORDER BY i.collector_tstamp, i.event_id';
  if (options.limit !== undefined) {
    query += '\nLIMIT @limit';
    params.limit = options.limit;
    types.limit = 'INT64';
  }
  return { query, params, types };
}

/**
 * Rows of `invalid_events` chosen by time (collector_tstamp), schema and error type, read page by
 * page. BigQuery rows cannot be acknowledged: a row stays in the table whatever happens, and what
 * makes a second run publish nothing twice is `skipDelivered`.
 */
export function bigQuerySource(options: BigQuerySourceOptions): ReplaySource {
  if (!Number.isInteger(options.pageSize) || options.pageSize < 1)
    throw new RangeError(`page size must be a whole number >= 1, got ${options.pageSize}`);
  return {
    description: `BigQuery table ${options.dataset}.${TABLE_NAMES.invalid}`,
    async *[Symbol.asyncIterator](): AsyncIterator<ReplayItem> {
      const client = options.client ?? (await createBigQueryClient(options.projectId));
      const projectId = options.projectId.trim() || (await client.getProjectId());
      const built = buildInvalidRowsQuery(projectId, options);
      let job: BigQueryJobPort;
      try {
        [job] = await client.createQueryJob({ ...built, labels: { tool: 'sluice-replay' } });
      } catch (error) {
        throw new SluiceError(
          'replay_source',
          `the BigQuery query on ${projectId}.${options.dataset}.${TABLE_NAMES.invalid} failed: ${String(error)}`,
          { cause: error },
        );
      }
      let pageToken: string | undefined;
      let number = 0;
      do {
        const [rows, next] = await job.getQueryResults({
          autoPaginate: false,
          maxResults: options.pageSize,
          parseJSON: true,
          ...(pageToken ? { pageToken } : {}),
        });
        for (const record of rows) {
          number++;
          const row = fromBigQueryRow(record);
          yield {
            id: `row ${number}${'event_id' in row ? ` (event ${row.event_id})` : ''}`,
            row,
            ack: async () => {},
            release: async () => {},
          };
        }
        pageToken = next?.pageToken ?? undefined;
      } while (pageToken);
    },
    close: async () => {},
  };
}

/**
 * A query result row as an InvalidRow: the client returns TIMESTAMP as `BigQueryTimestamp`
 * (`{value}`), JSON parsed (parseJSON) or as text, INT64 as a number.
 */
export function fromBigQueryRow(record: Readonly<Record<string, unknown>>): InvalidRow | { unreadable: string } {
  const row: Record<string, unknown> = {};
  for (const column of columnsOf('invalid')) {
    let value = record[column.name];
    if (value === null || value === undefined) continue;
    if (typeof value === 'object' && value !== null && 'value' in value && column.type !== 'JSON')
      value = (value as { value: unknown }).value;
    switch (column.type) {
      case 'TIMESTAMP': {
        const text = value instanceof Date ? value.toISOString() : String(value);
        const normalized = normalizeTimestamp(text);
        if (normalized === undefined)
          return { unreadable: `column ${column.name} holds ${JSON.stringify(text)}, not a timestamp` };
        row[column.name] = normalized;
        break;
      }
      case 'JSON':
        if (typeof value === 'string') {
          try {
            value = JSON.parse(value);
          } catch {
            return { unreadable: `column ${column.name} is not JSON` };
          }
        }
        row[column.name] = value;
        break;
      case 'INT64':
      case 'FLOAT64':
        row[column.name] = Number(value);
        break;
      case 'BOOL':
        row[column.name] = value === true || value === 'true';
        break;
      default:
        row[column.name] = String(value);
    }
  }
  if (typeof row.event_id !== 'string' || typeof row.error_type !== 'string')
    return { unreadable: 'the row has no event_id or error_type' };
  return row as unknown as InvalidRow;
}

async function createBigQueryClient(projectId: string): Promise<BigQueryPort> {
  // Loaded only here: the collector never needs it, and it takes time to load.
  const { BigQuery } = await import('@google-cloud/bigquery');
  const client = new BigQuery(projectId.trim() ? { projectId } : {});
  return client as unknown as BigQueryPort;
}
