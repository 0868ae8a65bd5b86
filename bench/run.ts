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
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  createTopic,
  emulatorAvailable,
  type PubsubEmulator,
  startPubsubEmulator,
} from '../test/support/pubsub-emulator.ts';
import { measureColdStart } from './measure-cold-start.ts';
import { type Log, measureScenario } from './measure-scenario.ts';
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
import { SCENARIOS } from './scenarios.ts';
import { BENCH_DIR, bundleAll, EMULATOR_PROJECT, INVALID_TOPIC, VALID_TOPIC } from './server-setup.ts';
import { ROOT } from './servers.ts';

/** The results file docs/performance.md quotes. */
export const DEFAULT_RESULTS = join(ROOT, 'bench', 'RESULTS.md');

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
