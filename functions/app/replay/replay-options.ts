import { parseArgs } from 'node:util';
import { ERROR_TYPES } from '../../core/contract/columns.ts';
import { messageOf, SluiceError } from '../../core/errors.ts';
import { parseSchemaKey } from '../../core/iglu/schema-key.ts';
import { parseTimeOption } from '../../core/replay/time-option.ts';

export const REPLAY_SOURCES = ['subscription', 'bigquery', 'local', 'dead-letter'] as const;
export type ReplaySourceKind = (typeof REPLAY_SOURCES)[number];

/** What the command line asks for, checked. */
export interface ReplayOptions {
  /** Undefined: `local` when the configuration's sink is local, `subscription` otherwise. */
  readonly source?: ReplaySourceKind;
  readonly since?: Date;
  readonly until?: Date;
  readonly snapshot?: string;
  readonly schemas: readonly string[];
  readonly errorTypes: readonly string[];
  readonly limit?: number;
  readonly dryRun: boolean;
  readonly concurrency: number;
  readonly batchSize?: number;
  readonly idleSeconds: number;
  readonly includeDelivered: boolean;
  readonly help: boolean;
}

export const DEFAULT_CONCURRENCY = 256;
export const DEFAULT_IDLE_SECONDS = 10;
export const DEFAULT_PULL_BATCH = 500;
export const DEFAULT_BIGQUERY_PAGE = 1000;

export const REPLAY_HELP = `Usage: npm run replay -- [options]      (or: npx sluice-replay [options])

Re-validates invalid events against the schema registries as they are now, and delivers the ones
that pass as valid rows with the same event_id, replayed_at and replay_count set. Events that still
fail stay where they are and are counted. Configuration comes from config/sluice.yaml (SLUICE_CONFIG
names another file) and SLUICE_* variables, as for the collector: registries, topics,
replay_subscription, bigquery.dataset, local.dir.

Source (where the invalid events are read):
  --source <name>        subscription: the invalid topic's replay subscription (replay_subscription),
                           read until its backlog is drained or --limit is reached; each message is
                           acknowledged only after its valid row was acknowledged by Pub/Sub, or
                           after it was counted as still invalid.
                         bigquery: rows of the invalid_events table (bigquery.dataset) chosen by
                           --since/--until, --schema and --error-type, with a parameterized query.
                         local: .sluice/invalid.ndjson (local.dir); rows that pass now are appended to
                           .sluice/valid.ndjson, each event_id at most once.
                         dead-letter: the redrive. Reads both dead-letter subscriptions
                           (<valid_topic>-dead-letter, <invalid_topic>-dead-letter: what BigQuery
                           refused) and publishes each message back to the topic it came from, data
                           and attributes unchanged, without re-validating; each is acknowledged
                           only after Pub/Sub acknowledged its publish. Fix what BigQuery refused
                           first (see docs/operations.md). Takes --dry-run, --limit, --concurrency,
                           --batch-size and --idle only.
                         Default: local when the configured sink is local, otherwise subscription.

Choosing events:
  --since <when>         subscription: seek the subscription to this time first, so that messages
                           published since then are read again (acknowledged ones are retained for
                           7 days). bigquery, local: collector_tstamp >= this time.
                           <when> is a duration back from now (90s, 30m, 2h, 7d, 1w), an RFC 3339
                           time (2026-11-30T08:00:00Z) or a UTC date (2026-11-30).
  --until <when>         bigquery, local: collector_tstamp < this time.
  --snapshot <name>      subscription: seek to this Pub/Sub snapshot first.
  --schema <iglu uri>    only events of this schema (repeatable), e.g.
                           --schema iglu:com.example/checkout/jsonschema/1-0-0
  --error-type <type>    only events with this error type (repeatable): ${ERROR_TYPES.join(', ')}.
  --limit <n>            stop after n events.
  --include-delivered    bigquery: also rows whose event is in the events table already (by default
                           they are left out, so running the same replay twice publishes nothing twice).

Running:
  --dry-run              read and re-validate, but publish and acknowledge nothing; prints what
                           would happen (dead-letter: counts and shows the parked messages). Cannot be combined with --since or --snapshot on a
                           subscription, because a seek changes what the subscription acknowledged.
  --concurrency <n>      events re-validated and published at the same time (default ${DEFAULT_CONCURRENCY}).
  --batch-size <n>       messages per pull (subscription, default ${DEFAULT_PULL_BATCH}, at most 1000) or
                           rows per result page (bigquery, default ${DEFAULT_BIGQUERY_PAGE}).
  --idle <seconds>       subscription: the backlog counts as drained after this long without a new
                           message (default ${DEFAULT_IDLE_SECONDS}).
  -h, --help             this text.

Output: a progress line on stderr when it is a terminal; at the end a JSON summary on stdout
(counts by outcome, still-invalid events by error type and schema, the first errors; for
dead-letter: counts.read/published/failed, messages by topic and by BigQuery's reason, and the
first messages with their reason, attributes and the start of their data).
Exit status: 0 when every event read is done with (delivered, or counted as still invalid or not
replayable); 1 when some must be tried again (a publish failed, a registry was unavailable) or the
run failed; 2 for bad options or configuration.
`;

/** Bad command-line options: exit status 2 with this message and a pointer to --help. */
export class ReplayUsageError extends SluiceError {
  constructor(message: string) {
    super('replay_usage', message);
  }
}

/** The command-line options, for node:util parseArgs; --help describes each (a test checks). */
export const REPLAY_ARGS = {
  source: { type: 'string' },
  since: { type: 'string' },
  until: { type: 'string' },
  snapshot: { type: 'string' },
  schema: { type: 'string', multiple: true },
  'error-type': { type: 'string', multiple: true },
  limit: { type: 'string' },
  'dry-run': { type: 'boolean' },
  concurrency: { type: 'string' },
  'batch-size': { type: 'string' },
  idle: { type: 'string' },
  'include-delivered': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies NonNullable<Parameters<typeof parseArgs>[0]>['options'];

export function parseReplayOptions(argv: readonly string[], now: Date = new Date()): ReplayOptions {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; strict: true; allowPositionals: false; options: typeof REPLAY_ARGS }>
  >;
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: REPLAY_ARGS,
    });
  } catch (error) {
    throw new ReplayUsageError(messageOf(error));
  }
  const values = parsed.values;
  const help = values.help === true;
  const source = values.source;
  if (source !== undefined && !(REPLAY_SOURCES as readonly string[]).includes(source)) {
    throw new ReplayUsageError(`--source ${JSON.stringify(source)} is not one of ${REPLAY_SOURCES.join(', ')}`);
  }
  const time = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    try {
      return parseTimeOption(`--${name}`, value, now);
    } catch (error) {
      throw new ReplayUsageError((error as Error).message);
    }
  };
  const since = time('since', values.since);
  const until = time('until', values.until);
  if (since && until && since >= until)
    throw new ReplayUsageError(`--since (${since.toISOString()}) must be before --until (${until.toISOString()})`);
  const schemas = values.schema ?? [];
  for (const schema of schemas) {
    try {
      parseSchemaKey(schema);
    } catch (error) {
      throw new ReplayUsageError(`--schema: ${(error as Error).message}`);
    }
  }
  const errorTypes = values['error-type'] ?? [];
  for (const type of errorTypes) {
    if (!(ERROR_TYPES as readonly string[]).includes(type))
      throw new ReplayUsageError(`--error-type ${JSON.stringify(type)} is not one of ${ERROR_TYPES.join(', ')}`);
  }
  const dryRun = values['dry-run'] === true;
  const kind = source as ReplaySourceKind | undefined;
  if (values.snapshot !== undefined && since !== undefined)
    throw new ReplayUsageError('--since and --snapshot both say where to seek; give one');
  if (values.snapshot !== undefined && kind !== undefined && kind !== 'subscription')
    throw new ReplayUsageError(`--snapshot applies to --source subscription, not ${kind}`);
  if (kind === 'dead-letter') {
    const given = [
      ['--since', since],
      ['--until', until],
      ['--snapshot', values.snapshot],
      ['--schema', schemas.length > 0 ? schemas : undefined],
      ['--error-type', errorTypes.length > 0 ? errorTypes : undefined],
      ['--include-delivered', values['include-delivered']],
    ].filter(([, value]) => value !== undefined);
    if (given.length > 0)
      throw new ReplayUsageError(
        `${given.map(([name]) => name).join(', ')} do not apply to --source dead-letter, which sends back every parked message as it is; use --limit to move fewer`,
      );
  }
  if (until !== undefined && kind === 'subscription')
    throw new ReplayUsageError(
      '--until does not apply to a subscription (seek reads everything after --since); use --source bigquery for a closed window',
    );
  return {
    ...(kind ? { source: kind } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
    ...(values.snapshot !== undefined ? { snapshot: values.snapshot } : {}),
    schemas,
    errorTypes,
    ...(values.limit !== undefined ? { limit: count('--limit', values.limit, 1) } : {}),
    dryRun,
    concurrency: values.concurrency === undefined ? DEFAULT_CONCURRENCY : count('--concurrency', values.concurrency, 1),
    ...(values['batch-size'] !== undefined ? { batchSize: count('--batch-size', values['batch-size'], 1) } : {}),
    idleSeconds: values.idle === undefined ? DEFAULT_IDLE_SECONDS : seconds('--idle', values.idle),
    includeDelivered: values['include-delivered'] === true,
    help,
  };
}

export const DRY_RUN_SEEK_MESSAGE =
  '--dry-run cannot seek a subscription (--since, --snapshot): a seek changes which messages the subscription has acknowledged. ' +
  'For a dry run over a time window use --source bigquery --since ... --dry-run';

function count(option: string, value: string, min: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < min)
    throw new ReplayUsageError(`${option} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return number;
}

function seconds(option: string, value: string): number {
  const number = Number(value);
  if (value.trim() === '' || !Number.isFinite(number) || number < 0 || number > 3600)
    throw new ReplayUsageError(`${option} must be a number of seconds from 0 to 3600, got ${JSON.stringify(value)}`);
  return number;
}
