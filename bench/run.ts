/**
 * `npm run bench`: the benchmark suite. In one run on loopback it measures a bare
 * functions-framework function (the baseline) and the collector with a no-op sink, on the
 * Pub/Sub emulator and as `npm start` runs it (local NDJSON sink), for each scenario in
 * scenarios.ts; then the cold start of the deployable bundle against the baseline's. It writes bench/RESULTS.md and prints the same tables.
 *
 * Every server runs in its own process through the framework's CLI, as on Cloud Functions, and is
 * started fresh per scenario so that its peak RSS belongs to that scenario. The load generator
 * (autocannon) runs in this process: on a small machine it competes with the server for CPU, the
 * same for the baseline as for Sluice, which is one more reason to read the ratios.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleFunction } from '../build/bundle-function.ts';
import { startFakeGcs } from '../test/support/fake-gcs-server.ts';
import {
  createTopic,
  emulatorAvailable,
  type PubsubEmulator,
  startPubsubEmulator,
} from '../test/support/pubsub-emulator.ts';
import { coldStartMs, median, moduleLoadMs } from './cold-start.ts';
import type { SinkCounters } from './functions/collector-function.ts';
import { combineLoads, type LoadResult, runLoad } from './load.ts';
import { type BenchOptions, parseBenchOptions, USAGE, UsageError } from './options.ts';
import {
  type BenchReport,
  type ColdStart,
  coldStartTable,
  machineDescription,
  PERFORMANCE_PAGE,
  quoteResults,
  renderReport,
  resultsTable,
  type ScenarioRun,
  type ServerKind,
  targetChecks,
  targetsTable,
} from './report.ts';
import { BENCH_SEGMENT_TRACKING_PLAN, SCENARIOS, type Scenario } from './scenarios.ts';
import {
  cpuMs,
  type FunctionServer,
  type FunctionSpec,
  ROOT,
  startFunctionServer,
  startLocalServer,
} from './servers.ts';

const BENCH_DIR = join(ROOT, 'dist', 'bench');
/** The results file docs/performance.md quotes. */
export const DEFAULT_RESULTS = join(ROOT, 'bench', 'RESULTS.md');
const VALID_TOPIC = 'bench-events';
const INVALID_TOPIC = 'bench-invalid-events';
const EMULATOR_PROJECT = 'sluice-bench';
/** Schemas the scenarios use: the project's own and the bench's context entity. */
const REGISTRIES = [`file://${join(ROOT, 'schemas')}`, `file://${join(ROOT, 'bench', 'schemas')}`].join(',');

/** Every enrichment off (the `noop-off` server). */
const ENRICHMENTS_OFF = {
  SLUICE_ENRICHMENTS_URL_PARTS_ENABLED: 'false',
  SLUICE_ENRICHMENTS_CAMPAIGN_ENABLED: 'false',
  SLUICE_ENRICHMENTS_REFERER_ENABLED: 'false',
  SLUICE_ENRICHMENTS_USER_AGENT_ENABLED: 'false',
};
/** MaxMind's test databases, read where they are (the `noop-geo` server). */
const MAXMIND_TEST = join(ROOT, '..', 'shared', 'maxmind-test');
const GEO_DATABASES = {
  SLUICE_ENRICHMENTS_GEO_DATABASE: `file://${join(MAXMIND_TEST, 'GeoLite2-City-Test.mmdb')}`,
  SLUICE_ENRICHMENTS_ASN_DATABASE: `file://${join(MAXMIND_TEST, 'GeoLite2-ASN-Test.mmdb')}`,
};

export interface Bundles {
  readonly baseline: string;
  readonly collector: string;
  readonly deployable: string;
}

/** Bundles the three functions with the deploy bundler, so that each server runs one esbuild file. */
export async function bundleAll(dir: string = BENCH_DIR): Promise<Bundles> {
  const [baseline, collector, deployable] = await Promise.all([
    bundleFunction(join(dir, 'baseline'), { entry: join(ROOT, 'bench', 'functions', 'baseline-function.ts') }),
    bundleFunction(join(dir, 'collector'), { entry: join(ROOT, 'bench', 'functions', 'collector-function.ts') }),
    bundleFunction(join(dir, 'function')),
  ]);
  return { baseline: baseline.dir, collector: collector.dir, deployable: deployable.dir };
}

/** The environment of a collector process: config defaults, the bench's registries, the sink. */
function collectorEnv(
  sink: 'noop' | 'noop-off' | 'noop-geo' | 'pubsub' | 'local',
  emulator: PubsubEmulator | undefined,
  localDir?: string,
): Record<string, string> {
  const env: Record<string, string> = {
    SLUICE_CONFIG: '',
    SLUICE_REGISTRIES: REGISTRIES,
    SLUICE_SEGMENT_TRACKING_PLAN_TRACK: JSON.stringify(BENCH_SEGMENT_TRACKING_PLAN),
    // Pub/Sub's emulator host comes from config only: an inherited PUBSUB_EMULATOR_HOST must not leak in.
    PUBSUB_EMULATOR_HOST: '',
  };
  if (sink === 'noop') return { ...env, SLUICE_SINK: 'local', BENCH_SINK: 'noop' };
  if (sink === 'noop-off') return { ...env, ...ENRICHMENTS_OFF, SLUICE_SINK: 'local', BENCH_SINK: 'noop' };
  if (sink === 'noop-geo') return { ...env, ...GEO_DATABASES, SLUICE_SINK: 'local', BENCH_SINK: 'noop' };
  if (sink === 'local') return { ...env, SLUICE_SINK: 'local', SLUICE_LOCAL_DIR: localDir ?? join(BENCH_DIR, 'local') };
  if (emulator === undefined) throw new Error('the Pub/Sub sink needs the emulator');
  return {
    ...env,
    SLUICE_SINK: 'pubsub',
    SLUICE_PROJECT: emulator.projectId,
    SLUICE_PUBSUB_EMULATOR_HOST: emulator.host,
    SLUICE_VALID_TOPIC: VALID_TOPIC,
    SLUICE_INVALID_TOPIC: INVALID_TOPIC,
  };
}

function specFor(
  kind: Exclude<ServerKind, 'local'>,
  bundles: Bundles,
  emulator: PubsubEmulator | undefined,
): FunctionSpec {
  if (kind === 'baseline') return { source: bundles.baseline, target: 'baseline', cwd: bundles.baseline };
  return { source: bundles.collector, target: 'collect', cwd: bundles.collector, env: collectorEnv(kind, emulator) };
}

/**
 * A server of one kind, fresh for one scenario; `npm start` writes to a directory of its own that
 * is removed with it, since a scenario's rows can reach hundreds of MB.
 */
async function startServer(
  kind: ServerKind,
  bundles: Bundles,
  emulator: PubsubEmulator | undefined,
  scenario: string,
): Promise<FunctionServer> {
  if (kind !== 'local') return startFunctionServer(specFor(kind, bundles, emulator));
  const dir = join(bundles.collector, '..', `local-${scenario}`);
  await rm(dir, { recursive: true, force: true });
  const server = await startLocalServer(collectorEnv('local', emulator, dir), dir);
  return {
    ...server,
    stop: async () => {
      await server.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Log = (line: string) => void;

/**
 * One scenario on every server kind. The servers run side by side and are measured in turns
 * (`rounds` slices each, alternating), so that load from elsewhere on the machine falls on all of
 * them alike and the ratios stay meaningful. CPU time is read from /proc around each slice.
 */
async function measureScenario(
  scenario: Scenario,
  kinds: readonly ServerKind[],
  bundles: Bundles,
  emulator: PubsubEmulator | undefined,
  options: BenchOptions,
  log: Log,
): Promise<ScenarioRun[]> {
  const servers: Array<{ kind: ServerKind; server: FunctionServer }> = [];
  try {
    for (const kind of kinds) servers.push({ kind, server: await startServer(kind, bundles, emulator, scenario.id) });
    const measured = new Map<
      ServerKind,
      { slices: LoadResult[]; cpuMs: number; emulatorCpuMs: number; before?: SinkCounters }
    >();
    for (const { kind, server } of servers) {
      if (options.warmup > 0)
        await runLoad(server.url, scenario, {
          connections: options.latencyConnections,
          durationSeconds: options.warmup,
        });
      measured.set(kind, {
        slices: [],
        cpuMs: 0,
        emulatorCpuMs: 0,
        ...(kind === 'baseline' ? {} : { before: await server.counters() }),
      });
    }
    const sliceSeconds = Math.max(1, options.duration / options.rounds);
    for (let round = 0; round < options.rounds; round++) {
      for (const { kind, server } of servers) {
        const entry = measured.get(kind)!;
        const cpuBefore = server.cpuMs();
        const emulatorPid = kind === 'pubsub' ? emulator?.pid : undefined;
        const emulatorBefore = emulatorPid === undefined ? 0 : cpuMs(emulatorPid);
        entry.slices.push(
          await runLoad(server.url, scenario, { connections: options.connections, durationSeconds: sliceSeconds }),
        );
        entry.cpuMs += server.cpuMs() - cpuBefore;
        if (emulatorPid !== undefined) entry.emulatorCpuMs += cpuMs(emulatorPid) - emulatorBefore;
      }
    }
    const runs: ScenarioRun[] = [];
    for (const { kind, server } of servers) {
      const entry = measured.get(kind)!;
      const max = combineLoads(entry.slices);
      let messagesPerPublish: number | undefined;
      if (entry.before !== undefined) {
        const after = await server.counters();
        // The sink saw at least the events of the 2xx answers (an answer comes only after publish).
        const noop = kind === 'noop' || kind === 'noop-off' || kind === 'noop-geo';
        const sinkValid = noop
          ? (after.valid ?? 0) - (entry.before.valid ?? 0)
          : kind === 'local'
            ? (after.valid ?? 0) + (after.invalid ?? 0) - (entry.before.valid ?? 0) - (entry.before.invalid ?? 0)
            : (after.acknowledged ?? 0) - (entry.before.acknowledged ?? 0);
        const sinkExpected = noop ? max.validEvents : max.events;
        if (sinkValid < sinkExpected) {
          throw new Error(
            `${scenario.id} on ${kind}: ${sinkExpected} events answered 2xx but the sink counted ${sinkValid}`,
          );
        }
        if (kind === 'pubsub') {
          const calls = after.publishCalls - entry.before.publishCalls;
          const messages = (after.messages ?? 0) - (entry.before.messages ?? 0);
          messagesPerPublish = calls > 0 ? messages / calls : undefined;
        }
      }
      const half =
        options.latencyDuration > 0 && max.requestsPerSecond > 0
          ? await runLoad(server.url, scenario, {
              connections: options.latencyConnections,
              durationSeconds: options.latencyDuration,
              rate: max.requestsPerSecond / 2,
            })
          : undefined;
      const run: ScenarioRun = {
        scenario: scenario.id,
        title: scenario.title,
        server: kind,
        singleEvent: scenario.singleEvent,
        max,
        half,
        cpuMsPerRequest: max.ok > 0 ? entry.cpuMs / max.ok : 0,
        peakRssBytes: server.peakRssBytes(),
        messagesPerPublish,
        emulatorCpuMsPerEvent:
          kind === 'pubsub' && emulator?.pid !== undefined && max.events > 0
            ? entry.emulatorCpuMs / max.events
            : undefined,
      };
      log(
        `  ${kind.padEnd(8)} ${Math.round(max.requestsPerSecond)} req/s, ${Math.round(max.eventsPerSecond)} events/s, ${max.failed} failed, ` +
          `${(run.cpuMsPerRequest * 1000).toFixed(0)} µs CPU/request` +
          (half ? `; at ${Math.round(half.requestsPerSecond)} req/s p50 ${half.p50} ms p99 ${half.p99} ms` : '') +
          `; peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MB` +
          (messagesPerPublish === undefined ? '' : `; ${messagesPerPublish.toFixed(1)} msgs/publish`) +
          (run.emulatorCpuMsPerEvent === undefined
            ? ''
            : `; emulator ${(run.emulatorCpuMsPerEvent * 1000).toFixed(0)} µs CPU/event`),
      );
      if (max.failed > 0) log(`  ! ${max.failed} requests failed on ${kind}; server output:\n${server.output()}`);
      runs.push(run);
    }
    return runs;
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}

async function measureColdStart(
  bundles: Bundles,
  emulator: PubsubEmulator | undefined,
  runs: number,
  bundleDir: string,
  log: Log,
): Promise<ColdStart> {
  const firstRequest = (SCENARIOS.find((scenario) => scenario.id === 'tp2-1') as Scenario).requests[0]!;
  const sink = emulator ? 'pubsub' : 'local';
  const env = collectorEnv(sink, emulator, join(bundleDir, 'cold-local'));
  const baselineSpec: FunctionSpec = { source: bundles.baseline, target: 'baseline', cwd: bundles.baseline };
  const bundleSpec: FunctionSpec = { source: bundles.deployable, target: 'collect', cwd: bundles.deployable, env };
  // As deployed, the schemas come from a gs:// registry: here the bench's schemas served by a
  // local stand-in for the Cloud Storage JSON API, so that the first request also pays for
  // loading the Cloud Storage client and the object reads.
  const gcs = await startFakeGcs({
    objects: schemaObjects(GCS_BUCKET, GCS_PREFIX, [join(ROOT, 'schemas'), join(ROOT, 'bench', 'schemas')]),
  });
  const gcsSpec: FunctionSpec = {
    ...bundleSpec,
    env: { ...env, SLUICE_REGISTRIES: `gs://${GCS_BUCKET}/${GCS_PREFIX}`, STORAGE_EMULATOR_HOST: gcs.endpoint },
  };
  const baseline: number[] = [];
  const bundle: number[] = [];
  const bundleGcs: number[] = [];
  const load: number[] = [];
  try {
    // Alternate, so that a burst of load from elsewhere on the machine hits all alike.
    for (let i = 0; i < runs; i++) {
      baseline.push(await coldStartMs(baselineSpec, firstRequest));
      bundle.push(await coldStartMs(bundleSpec, firstRequest));
      bundleGcs.push(await coldStartMs(gcsSpec, firstRequest));
      load.push(await moduleLoadMs(join(bundles.deployable, 'index.js'), bundles.deployable, env));
    }
  } finally {
    await gcs.close();
  }
  const result: ColdStart = {
    baselineMs: median(baseline),
    bundleMs: median(bundle),
    bundleGcsMs: median(bundleGcs),
    moduleLoadMs: median(load),
    runs,
    sink: emulator ? 'Pub/Sub emulator' : 'local sink',
  };
  const list = (values: number[]): string => values.map((ms) => ms.toFixed(0)).join(', ');
  log(
    `  baseline ${list(baseline)} ms; bundle ${list(bundle)} ms; with gs:// ${list(bundleGcs)} ms; module load ${list(load)} ms`,
  );
  return result;
}

const GCS_BUCKET = 'sluice-bench-schemas';
const GCS_PREFIX = 'schemas';

/** Every schema file below `dirs` as an object `bucket/prefix/vendor/name/format/version`. */
function schemaObjects(bucket: string, prefix: string, dirs: readonly string[]): Record<string, Buffer> {
  const objects: Record<string, Buffer> = {};
  for (const dir of dirs) {
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
      if (!entry.isFile()) continue;
      const path = join(entry.parentPath, entry.name);
      objects[`${bucket}/${prefix}/${relative(dir, path).split(sep).join('/')}`] = readFileSync(path);
    }
  }
  return objects;
}

export interface BenchOutcome {
  readonly report: BenchReport;
  readonly markdown: string;
}

/** `bundleDir`: where the three bundles go (default dist/bench); the harness test uses its own. */
export async function runBench(
  options: BenchOptions,
  log: Log = console.log,
  bundleDir: string = BENCH_DIR,
): Promise<BenchOutcome> {
  const notes: string[] = [];
  log('bundling the baseline, the bench collector and the deployable function…');
  const bundles = await bundleAll(bundleDir);

  let emulator: PubsubEmulator | undefined;
  const wantsPubsub = options.sinks.includes('pubsub');
  if (wantsPubsub || options.coldRuns > 0) {
    const availability = emulatorAvailable();
    if (availability.available) {
      log('starting the Pub/Sub emulator…');
      emulator = await startPubsubEmulator({ projectId: EMULATOR_PROJECT });
      // No subscriptions: a topic without one acknowledges and drops, so millions of benchmark
      // messages do not pile up in the emulator's memory.
      await createTopic(emulator, VALID_TOPIC);
      await createTopic(emulator, INVALID_TOPIC);
    } else if (wantsPubsub) {
      notes.push(`Pub/Sub emulator runs skipped: ${availability.reason}`);
      log(`! ${notes.at(-1)}`);
    }
  }

  try {
    const runs: ScenarioRun[] = [];
    const kinds: ServerKind[] = [
      'baseline',
      ...options.sinks.filter((sink) => sink !== 'pubsub' || emulator !== undefined),
    ];
    for (const scenario of SCENARIOS.filter((candidate) => options.scenarios.includes(candidate.id))) {
      log(`${scenario.title}:`);
      runs.push(...(await measureScenario(scenario, kinds, bundles, emulator, options, log)));
    }
    let coldStart: ColdStart | undefined;
    if (options.coldRuns > 0) {
      log('cold start:');
      coldStart = await measureColdStart(bundles, emulator, options.coldRuns, bundleDir, log);
    }
    const report: BenchReport = {
      date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      machine: machineDescription(),
      node: process.version,
      settings:
        `${options.duration} s at max rate per server in ${options.rounds} interleaved slices at ${options.connections} connections; latency at half of each server's max rate, ` +
        `${options.latencyDuration} s at ${options.latencyConnections} connections; ${options.warmup} s warm-up per server`,
      runs,
      coldStart,
      notes,
    };
    return { report, markdown: renderReport(report) };
  } finally {
    await emulator?.stop();
  }
}

/** The tables as printed to the terminal: the same as in RESULTS.md. */
export function printable(report: BenchReport): string {
  return [
    resultsTable(report.runs),
    ...(report.coldStart ? [coldStartTable(report.coldStart)] : []),
    targetsTable(targetChecks(report)),
  ].join('\n\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options: BenchOptions;
  try {
    options = parseBenchOptions(process.argv.slice(2), process.env, DEFAULT_RESULTS);
  } catch (error) {
    if (!(error instanceof UsageError) && !(error instanceof TypeError)) throw error;
    if (error.message !== '') console.error(error.message);
    console.error(USAGE);
    process.exit(error.message === '' ? 0 : 2);
  }
  const { report, markdown } = await runBench(options);
  console.log(`\n${report.machine}; Node ${report.node}; ${report.date}\n`);
  console.log(printable(report));
  if (options.out !== '') {
    mkdirSync(resolve(options.out, '..'), { recursive: true });
    writeFileSync(options.out, markdown);
    console.log(`\nwrote ${options.out}`);
    // docs/performance.md quotes the project's own results file, never a side run's.
    if (resolve(options.out) === DEFAULT_RESULTS) {
      const page = join(ROOT, PERFORMANCE_PAGE);
      writeFileSync(page, quoteResults(readFileSync(page, 'utf8'), markdown));
      console.log(`updated the quoted results in ${page}`);
    }
  }
}
