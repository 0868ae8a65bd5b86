import { loadConfig } from '../../adapters/config/load-config.ts';
import { type BigQueryPort, bigQuerySource } from '../../adapters/replay/bigquery-source.ts';
import { deadLetterSource } from '../../adapters/replay/dead-letter-source.ts';
import { localReplaySource, localReplayTarget } from '../../adapters/replay/local-source.ts';
import { type SubscriberPort, subscriptionSource } from '../../adapters/replay/subscription-source.ts';
import { type TopicPublisherPort, topicPublisher } from '../../adapters/replay/topic-publisher.ts';
import { LocalSink } from '../../adapters/sink/local-sink.ts';
import { createPubsubSink } from '../../adapters/sink/pubsub-sink.ts';
import type { SluiceConfig } from '../../core/config/config.ts';
import { messageOf } from '../../core/errors.ts';
import { deadLetterName } from '../../core/replay/dead-letter.ts';
import { progressLine, redriveProgressLine } from '../../core/replay/progress-line.ts';
import { type RedriveSummaryJson, runRedrive } from '../../core/replay/redrive-run.ts';
import { createReplayer } from '../../core/replay/replay-event.ts';
import { runReplay } from '../../core/replay/replay-run.ts';
import type { ReplaySource, ReplayTarget } from '../../core/replay/replay-source.ts';
import type { ReplaySummaryJson } from '../../core/replay/replay-summary.ts';
import { pubsubSinkOptions } from '../create-sink.ts';
import { createValidationFromConfig } from '../create-validation.ts';
import { createProtocolAdapters } from '../protocol-adapters.ts';
import {
  DEFAULT_BIGQUERY_PAGE,
  DEFAULT_PULL_BATCH,
  DRY_RUN_SEEK_MESSAGE,
  parseReplayOptions,
  REPLAY_HELP,
  type ReplayOptions,
  type ReplaySourceKind,
  ReplayUsageError,
} from './replay-options.ts';

/** Where the command writes, and what it may replace (tests inject clients; there is no BigQuery emulator). */
export interface ReplayIo {
  readonly env?: Readonly<Record<string, string | undefined>> | undefined;
  readonly cwd?: string | undefined;
  readonly stdout?: { write(text: string): unknown } | undefined;
  readonly stderr?: { write(text: string): unknown; isTTY?: boolean } | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly bigQueryClient?: BigQueryPort | undefined;
  readonly subscriberClient?: SubscriberPort | undefined;
  readonly publisherClient?: TopicPublisherPort | undefined;
  readonly now?: (() => Date) | undefined;
}

/** Most often the progress line is redrawn. */
const PROGRESS_INTERVAL_MS = 250;

/**
 * `npm run replay` / `sluice-replay`: parses the options, loads the configuration, runs the
 * replay and prints the JSON summary. Returns the exit status (see REPLAY_HELP).
 */
export async function replayCommand(argv: readonly string[], io: ReplayIo = {}): Promise<number> {
  const stdout = io.stdout ?? process.stdout;
  const stderr = io.stderr ?? process.stderr;
  let options: ReplayOptions;
  let config: SluiceConfig;
  try {
    options = parseReplayOptions(argv, io.now?.());
    if (options.help) {
      stdout.write(REPLAY_HELP);
      return 0;
    }
    config = loadConfig(io.env ?? process.env, io.cwd ?? process.cwd());
  } catch (error) {
    stderr.write(`sluice-replay: ${messageOf(error)}\n`);
    if (error instanceof ReplayUsageError) stderr.write('Run with --help to see every option.\n');
    return 2;
  }
  const kind: ReplaySourceKind = options.source ?? (config.sink === 'local' ? 'local' : 'subscription');
  if (kind === 'subscription' && options.dryRun && (options.since || options.snapshot)) {
    stderr.write(`sluice-replay: ${DRY_RUN_SEEK_MESSAGE}\n`);
    return 2;
  }
  if (kind === 'subscription' && options.until) {
    stderr.write(
      'sluice-replay: --until does not apply to a subscription (a seek reads everything after --since); use --source bigquery for a closed window\n',
    );
    return 2;
  }

  if (kind === 'dead-letter') return redriveCommand(config, options, io, stdout, stderr);

  return runWithProgress(
    progressLine,
    (onProgress) => replayFromConfig(config, kind, options, { ...io, onProgress }),
    stdout,
    stderr,
  );
}

/** `--source dead-letter`: the redrive, with the replay's output and exit statuses. */
function redriveCommand(
  config: SluiceConfig,
  options: ReplayOptions,
  io: ReplayIo,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown; isTTY?: boolean },
): Promise<number> {
  return runWithProgress(
    redriveProgressLine,
    (onProgress) => redriveFromConfig(config, options, { ...io, onProgress }),
    stdout,
    stderr,
  );
}

/**
 * Runs a replay or a redrive: a progress line on a terminal (at most every PROGRESS_INTERVAL_MS),
 * then the JSON summary on stdout. Exit status 0 when the summary is ok, 1 otherwise or on failure.
 */
async function runWithProgress<Counts, Summary extends { counts: Counts; elapsed_ms: number; ok: boolean }>(
  lineOf: (counts: Counts, elapsedMs: number) => string,
  run: (onProgress: ((counts: Counts, elapsedMs: number) => void) | undefined) => Promise<Summary>,
  stdout: { write(text: string): unknown },
  stderr: { write(text: string): unknown; isTTY?: boolean },
): Promise<number> {
  let progressAt = 0;
  const onProgress = stderr.isTTY
    ? (counts: Counts, elapsedMs: number) => {
        const at = Date.now();
        if (at - progressAt < PROGRESS_INTERVAL_MS) return;
        progressAt = at;
        stderr.write(`\r\x1b[2K${lineOf(counts, elapsedMs)}`);
      }
    : undefined;
  let summary: Summary;
  try {
    summary = await run(onProgress);
  } catch (error) {
    if (onProgress) stderr.write('\n');
    stderr.write(`sluice-replay: ${messageOf(error)}\n`);
    return 1;
  }
  if (onProgress) stderr.write(`\r\x1b[2K${lineOf(summary.counts, summary.elapsed_ms)}\n`);
  stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.ok ? 0 : 1;
}

/**
 * The redrive, wired from a configuration: both dead-letter subscriptions, as the stack names them
 * (`<topic>-dead-letter`), back to valid_topic and invalid_topic.
 */
export async function redriveFromConfig(
  config: SluiceConfig,
  options: ReplayOptions,
  io: ReplayIo & { onProgress?: Parameters<typeof runRedrive>[0]['onProgress'] } = {},
): Promise<RedriveSummaryJson> {
  const emulator = config.pubsub.emulator_host ? { emulatorHost: config.pubsub.emulator_host } : {};
  const source = deadLetterSource({
    projectId: config.project,
    ...emulator,
    holds: [config.valid_topic, config.invalid_topic].map((topic) => ({ subscription: deadLetterName(topic), topic })),
    batchSize: options.batchSize ?? DEFAULT_PULL_BATCH,
    idleMs: options.idleSeconds * 1000,
    client: io.subscriberClient,
  });
  const target = topicPublisher({
    projectId: config.project,
    ...emulator,
    client: io.publisherClient,
  });
  try {
    return await runRedrive({
      source,
      target,
      ...runControls(options, io),
    });
  } finally {
    await target.close();
  }
}

/**
 * The replay itself, wired from a configuration. The validation engine is built here, for this
 * run: its schema cache starts empty, so every schema is read from the registries at its first use
 * and a schema published a moment ago is seen (no collector's cache is involved).
 */
export async function replayFromConfig(
  config: SluiceConfig,
  kind: Exclude<ReplaySourceKind, 'dead-letter'>,
  options: ReplayOptions,
  io: ReplayIo & { onProgress?: Parameters<typeof runReplay>[0]['onProgress'] } = {},
): Promise<ReplaySummaryJson> {
  const validation = createValidationFromConfig(config);
  validation.cache.purge(); // empty already: said out loud, because seeing fresh schemas is the point
  const replayer = createReplayer({
    validator: validation.validator,
    adapters: createProtocolAdapters(config),
    maxRawBytes: config.limits.max_raw_bytes,
    now: io.now,
  });
  const filter = { schemas: options.schemas, errorTypes: options.errorTypes };
  const { source, target } = endpoints(config, kind, options, io);
  try {
    return await runReplay({
      source,
      target,
      replayer,
      filter,
      ...runControls(options, io),
    });
  } finally {
    await target.close();
  }
}

function endpoints(
  config: SluiceConfig,
  kind: Exclude<ReplaySourceKind, 'dead-letter'>,
  options: ReplayOptions,
  io: ReplayIo,
): { source: ReplaySource; target: ReplayTarget } {
  if (kind === 'local') {
    const sink = new LocalSink(config.local.dir, io.cwd ?? process.cwd());
    return { source: withinWindow(localReplaySource(sink), options), target: localReplayTarget(sink) };
  }
  const source =
    kind === 'subscription'
      ? subscriptionSource({
          projectId: config.project,
          subscription: config.replay_subscription,
          ...(config.pubsub.emulator_host ? { emulatorHost: config.pubsub.emulator_host } : {}),
          ...(config.pubsub.api_endpoint ? { apiEndpoint: config.pubsub.api_endpoint } : {}),
          ...(options.since
            ? { seek: { time: options.since } }
            : options.snapshot
              ? { seek: { snapshot: options.snapshot } }
              : {}),
          batchSize: options.batchSize ?? DEFAULT_PULL_BATCH,
          idleMs: options.idleSeconds * 1000,
          client: io.subscriberClient,
        })
      : bigQuerySource({
          projectId: config.project,
          dataset: config.bigquery.dataset,
          since: options.since,
          until: options.until,
          schemas: options.schemas,
          errorTypes: options.errorTypes,
          pageSize: options.batchSize ?? DEFAULT_BIGQUERY_PAGE,
          limit: options.limit,
          skipDelivered: !options.includeDelivered,
          client: io.bigQueryClient,
        });
  // No in-flight cap: replay bounds its own concurrency (--concurrency) and must not be shed.
  const sink = createPubsubSink(pubsubSinkOptions(config));
  const target: ReplayTarget = {
    description: `Pub/Sub topic ${config.valid_topic}`,
    async deliver(rows) {
      await sink.publish({ valid: rows, invalid: [] });
      return { delivered: rows.length, alreadyPresent: 0 };
    },
    close: () => sink.close(),
  };
  return { source, target };
}

/** --since/--until on the local file: collector_tstamp in [since, until). */
function withinWindow(source: ReplaySource, options: ReplayOptions): ReplaySource {
  if (!options.since && !options.until) return source;
  const since = options.since?.getTime() ?? -Infinity;
  const until = options.until?.getTime() ?? Infinity;
  return {
    description: source.description,
    close: () => source.close(),
    async *[Symbol.asyncIterator]() {
      for await (const item of source) {
        if ('unreadable' in item.row) {
          yield item;
          continue;
        }
        const at = Date.parse(item.row.collector_tstamp);
        if (at >= since && at < until) yield item;
      }
    },
  };
}

/** What a replay and a redrive run both take from the command line and the caller: dry run, limit, concurrency, progress, abort. */
function runControls<Progress>(
  options: ReplayOptions,
  io: { onProgress?: Progress | undefined; signal?: AbortSignal | undefined },
): {
  dryRun: boolean;
  limit: number | undefined;
  concurrency: number;
  onProgress: Progress | undefined;
  signal: AbortSignal | undefined;
} {
  return {
    dryRun: options.dryRun,
    limit: options.limit,
    concurrency: options.concurrency,
    onProgress: io.onProgress,
    signal: io.signal,
  };
}
