import { cpus, totalmem } from 'node:os';
import type { LoadResult } from './load.ts';

export type ServerKind = 'baseline' | 'noop' | 'pubsub' | 'local' | 'noop-off' | 'noop-geo';

export const SERVER_LABELS: Readonly<Record<ServerKind, string>> = {
  baseline: 'baseline',
  noop: 'Sluice, no-op sink',
  pubsub: 'Sluice, Pub/Sub emulator',
  local: 'Sluice, npm start (local sink)',
  'noop-off': 'Sluice, no-op sink, enrichments off',
  'noop-geo': 'Sluice, no-op sink, enrichments with geo',
};

/** One scenario on one server. */
export interface ScenarioRun {
  readonly scenario: string;
  readonly title: string;
  readonly server: ServerKind;
  readonly singleEvent: boolean;
  /** As fast as it answers, at `connections` connections. */
  readonly max: LoadResult;
  /** At half of `max`'s request rate: the latency figures. */
  readonly half: LoadResult | undefined;
  /** CPU time of the server process per 2xx request during `max`, in milliseconds. */
  readonly cpuMsPerRequest: number;
  readonly peakRssBytes: number;
  /** Pub/Sub messages per Publish call during the `max` run. */
  readonly messagesPerPublish: number | undefined;
  /**
   * CPU time of the Pub/Sub emulator's process per event during the `max` run, in milliseconds
   * (Pub/Sub servers only, when the bench started the emulator): on a shared machine the emulator
   * competes with Sluice and the load generator for the same cores.
   */
  readonly emulatorCpuMsPerEvent?: number | undefined;
}

export interface ColdStart {
  readonly baselineMs: number;
  readonly bundleMs: number;
  /** The same with its schemas in a gs:// registry (a local stand-in for Cloud Storage), as deployed. */
  readonly bundleGcsMs?: number;
  readonly moduleLoadMs: number;
  readonly runs: number;
  /** What the bundle's first request went to, e.g. "Pub/Sub emulator". */
  readonly sink: string;
}

export interface BenchReport {
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly settings: string;
  readonly runs: readonly ScenarioRun[];
  readonly coldStart: ColdStart | undefined;
  readonly notes: readonly string[];
}

export function machineDescription(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() || 'unknown CPU';
  return `${model}, ${cores.length} cores, ${(totalmem() / 2 ** 30).toFixed(1)} GiB memory`;
}

/** The baseline run of the same scenario, which every ratio divides by. */
function baselineOf(runs: readonly ScenarioRun[], scenario: string): ScenarioRun | undefined {
  return runs.find((run) => run.scenario === scenario && run.server === 'baseline');
}

const number = (value: number): string => Math.round(value).toLocaleString('en-US');
const ratio = (value: number, base: number | undefined): string =>
  base === undefined || base <= 0 ? '–' : `${(value / base).toFixed(2)}×`;
const mb = (bytes: number): string => (bytes > 0 ? (bytes / 2 ** 20).toFixed(0) : '–');

/**
 * The results table: one row per scenario and server. Ratios divide by the baseline of the same
 * scenario in the same run; the events/s ratio divides by the baseline's requests/s, i.e. how many
 * events Sluice handles in the time the bare function answers one request.
 */
export function resultsTable(runs: readonly ScenarioRun[]): string {
  const lines = [
    '| scenario | server | req/s | ×base | events/s | ×base req/s | CPU µs/event | ×base | failed | p50 ms | p99 ms | peak RSS MB | msgs/publish |',
    '|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|',
  ];
  for (const run of runs) {
    const base = baselineOf(runs, run.scenario);
    const isBase = run.server === 'baseline';
    // The baseline's CPU per request is what the bare framework spends on one event.
    const cpuPerEvent = isBase
      ? run.cpuMsPerRequest
      : run.max.events > 0
        ? (run.cpuMsPerRequest * run.max.ok) / run.max.events
        : 0;
    lines.push(
      `| ${run.title} | ${SERVER_LABELS[run.server]} | ${number(run.max.requestsPerSecond)} | ${isBase ? '1.00×' : ratio(run.max.requestsPerSecond, base?.max.requestsPerSecond)} | ` +
        `${isBase ? '–' : number(run.max.eventsPerSecond)} | ${isBase ? '–' : ratio(run.max.eventsPerSecond, base?.max.requestsPerSecond)} | ` +
        `${number(cpuPerEvent * 1000)} | ${isBase ? '1.00×' : ratio(cpuPerEvent, base?.cpuMsPerRequest)} | ${run.max.failed} | ` +
        `${run.half?.p50 ?? '–'} | ${run.half?.p99 ?? '–'} | ${mb(run.peakRssBytes)} | ` +
        `${run.messagesPerPublish === undefined ? '–' : run.messagesPerPublish.toFixed(1)} |`,
    );
  }
  return lines.join('\n');
}

export function coldStartTable(cold: ColdStart): string {
  return [
    `| cold start (median of ${cold.runs}) | ms | ×base |`,
    '|---|--:|--:|',
    `| baseline: spawn → first 200 | ${cold.baselineMs.toFixed(0)} | 1.00× |`,
    `| Sluice bundle: spawn → first 200 (${cold.sink}) | ${cold.bundleMs.toFixed(0)} | ${(cold.bundleMs / cold.baselineMs).toFixed(2)}× |`,
    ...(cold.bundleGcsMs === undefined
      ? []
      : [
          `| … with its schemas in a gs:// registry, as deployed (local fake Cloud Storage) | ${cold.bundleGcsMs.toFixed(0)} | ${(cold.bundleGcsMs / cold.baselineMs).toFixed(2)}× |`,
        ]),
    `| Sluice bundle: module load (import of index.js) | ${cold.moduleLoadMs.toFixed(0)} | – |`,
  ].join('\n');
}

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean | undefined;
}

/** The targets, checked against this run; `met` is undefined when the run did not measure it. */
export function targetChecks(report: BenchReport): TargetCheck[] {
  const { runs, coldStart } = report;
  const find = (scenario: string, server: ServerKind) =>
    runs.find((run) => run.scenario === scenario && run.server === server);
  const checks: TargetCheck[] = [];
  const singles = runs.filter((run) => run.server === 'noop' && run.singleEvent);
  for (const run of singles) {
    const base = baselineOf(runs, run.scenario);
    const share = base ? run.max.requestsPerSecond / base.max.requestsPerSecond : undefined;
    checks.push({
      target: `${run.title}, no-op sink: ≥ 70% of the baseline's req/s`,
      measured: share === undefined ? 'no baseline' : `${(share * 100).toFixed(0)}%`,
      met: share === undefined ? undefined : share >= 0.7,
    });
    checks.push({
      target: `${run.title}, no-op sink: p99 < 20 ms at half of its maximum rate`,
      measured:
        run.half === undefined
          ? 'not measured'
          : `${run.half.p99} ms at ${number(run.half.requestsPerSecond)} req/s (baseline: ${base?.half?.p99 ?? '–'} ms at ${number(base?.half?.requestsPerSecond ?? 0)} req/s)`,
      met: run.half === undefined ? undefined : run.half.p99 < 20,
    });
  }
  // The enrichment step (issue 13): with every enrichment and the geo databases on, each
  // single-event req/s ratio stays within 5 points of the same with every enrichment off.
  for (const on of runs.filter((run) => run.server === 'noop-geo' && run.singleEvent)) {
    const off = find(on.scenario, 'noop-off');
    const base = baselineOf(runs, on.scenario);
    if (off === undefined || base === undefined) continue;
    const points = ((off.max.requestsPerSecond - on.max.requestsPerSecond) / base.max.requestsPerSecond) * 100;
    checks.push({
      target: `${on.title}, no-op sink: enrichments with geo within 5 points of enrichments off (req/s ×base)`,
      measured: `${((on.max.requestsPerSecond / base.max.requestsPerSecond) * 100).toFixed(0)}% on, ${((off.max.requestsPerSecond / base.max.requestsPerSecond) * 100).toFixed(0)}% off`,
      met: points <= 5,
    });
  }
  const batch = find('tp2-10', 'noop');
  const batchBase = baselineOf(runs, 'tp2-10');
  if (batch && batchBase) {
    const times = batch.max.eventsPerSecond / batchBase.max.requestsPerSecond;
    checks.push({
      target: "Snowplow POST tp2, 10 events, no-op sink: events/s ≥ 8× the baseline's req/s",
      measured: `${times.toFixed(1)}×`,
      met: times >= 8,
    });
  }
  const localSingle = find('tp2-1', 'local');
  const singleBase = baselineOf(runs, 'tp2-1');
  if (localSingle && singleBase) {
    const share = localSingle.max.requestsPerSecond / singleBase.max.requestsPerSecond;
    checks.push({
      target: "Snowplow POST tp2, 1 event, npm start (local sink): ≥ 50% of the baseline's req/s",
      measured: `${(share * 100).toFixed(0)}%`,
      met: share >= 0.5,
    });
  }
  const localBatch = find('tp2-10', 'local');
  if (localBatch && batchBase) {
    const times = localBatch.max.eventsPerSecond / batchBase.max.requestsPerSecond;
    checks.push({
      target: "Snowplow POST tp2, 10 events, npm start (local sink): events/s ≥ 5× the baseline's req/s",
      measured: `${times.toFixed(1)}×`,
      met: times >= 5,
    });
  }
  const e2e = find('tp2-10', 'pubsub');
  if (e2e) {
    checks.push({
      target: 'Snowplow POST tp2, 10 events, Pub/Sub emulator: ≥ 15,000 valid events/s',
      measured: endToEndMeasured(e2e),
      met: e2e.max.validEventsPerSecond >= 15_000,
    });
  }
  if (coldStart) {
    // As deployed (schemas in a gs:// registry) when that was measured: the slower of the two.
    const bundleMs = Math.max(coldStart.bundleMs, coldStart.bundleGcsMs ?? 0);
    const times = bundleMs / coldStart.baselineMs;
    checks.push({
      target: 'cold start of the bundle ≤ 1.5× the baseline',
      measured: `${times.toFixed(2)}×`,
      met: times <= 1.5,
    });
    checks.push({
      target: 'cold start of the bundle < 500 ms',
      measured: `${bundleMs.toFixed(0)} ms (baseline: ${coldStart.baselineMs.toFixed(0)} ms)`,
      met: bundleMs < 500,
    });
  }
  const sluiceRuns = runs.filter((run) => run.server !== 'baseline');
  if (sluiceRuns.length > 0) {
    const peak = Math.max(...sluiceRuns.map((run) => run.peakRssBytes));
    checks.push({
      target: 'peak RSS < 200 MB (Sluice servers, at the max-rate connections)',
      measured: `${mb(peak)} MB`,
      met: peak > 0 ? peak < 200 * 2 ** 20 : undefined,
    });
  }
  const publishing = runs.filter((run) => run.messagesPerPublish !== undefined);
  if (publishing.length > 0) {
    const lowest = Math.min(...publishing.map((run) => run.messagesPerPublish as number));
    checks.push({
      target: '≥ 10 messages per publish call under load',
      measured: `${lowest.toFixed(1)} (lowest scenario)`,
      met: lowest >= 10,
    });
  }
  return checks;
}

/**
 * The end-to-end rate, and what the emulator spent per event: at E ms of CPU per event, the
 * emulator alone needs 15,000·E ms of CPU per second, i.e. that many cores, to carry the target.
 */
function endToEndMeasured(run: ScenarioRun): string {
  const rate = number(run.max.validEventsPerSecond);
  const emulatorMs = run.emulatorCpuMsPerEvent;
  if (emulatorMs === undefined || emulatorMs <= 0) return rate;
  return `${rate} (the emulator used ${number(emulatorMs * 1000)} µs CPU per event: ${((15_000 * emulatorMs) / 1000).toFixed(1)} cores for 15,000/s on its own)`;
}

export function targetsTable(checks: readonly TargetCheck[]): string {
  return [
    '| target | measured | met |',
    '|---|--:|:-:|',
    ...checks.map(
      (check) =>
        `| ${check.target} | ${check.measured} | ${check.met === undefined ? '–' : check.met ? 'yes' : '**no**'} |`,
    ),
  ].join('\n');
}

/** The whole of bench/RESULTS.md; docs/performance.md quotes its tables. */
export function renderReport(report: BenchReport): string {
  const sections = [
    '# Benchmark results',
    '',
    'Written by `npm run bench` (bench/run.ts); do not edit by hand. Ratios (×base) divide by the baseline — a bare',
    'functions-framework function that reads the body and answers 200 — measured in the same run with the same',
    'requests, so they hold across machines better than the absolute figures.',
    '',
    '<!-- bench-machine:start -->',
    `- Date: ${report.date}`,
    `- Machine: ${report.machine}`,
    `- Node.js: ${report.node}`,
    `- Settings: ${report.settings}`,
    '<!-- bench-machine:end -->',
    '',
    '<!-- bench-table:start -->',
    resultsTable(report.runs),
    '<!-- bench-table:end -->',
    '',
  ];
  if (report.coldStart)
    sections.push(
      '<!-- bench-cold-start:start -->',
      coldStartTable(report.coldStart),
      '<!-- bench-cold-start:end -->',
      '',
    );
  sections.push('<!-- bench-targets:start -->', targetsTable(targetChecks(report)), '<!-- bench-targets:end -->', '');
  if (report.notes.length > 0) sections.push(...report.notes.map((note) => `- ${note}`), '');
  return sections.join('\n');
}

/** The page that quotes the results, from the repository root. */
export const PERFORMANCE_PAGE = 'docs/performance.md';

/** The blocks of RESULTS.md that docs/performance.md quotes, by marker name. */
export const QUOTED_BLOCKS = ['bench-machine', 'bench-table', 'bench-cold-start', 'bench-targets'] as const;

/** The text between `<!-- name:start -->` and `<!-- name:end -->`, or undefined when absent. */
export function markedBlock(text: string, name: string): string | undefined {
  const start = text.indexOf(`<!-- ${name}:start -->`);
  const end = text.indexOf(`<!-- ${name}:end -->`);
  if (start === -1 || end === -1 || end < start) return undefined;
  return text.slice(start + `<!-- ${name}:start -->`.length, end).trim();
}

/**
 * A page (docs/performance.md) with its quoted blocks replaced by those of a results file, so that
 * `npm run bench` keeps that page equal to bench/RESULTS.md (a test checks that they are).
 * A block the results lack (no cold start measured) is left as it was.
 */
export function quoteResults(page: string, results: string): string {
  let updated = page;
  for (const name of QUOTED_BLOCKS) {
    const block = markedBlock(results, name);
    const start = updated.indexOf(`<!-- ${name}:start -->`);
    const end = updated.indexOf(`<!-- ${name}:end -->`);
    if (block === undefined || start === -1 || end === -1 || end < start) continue;
    updated = `${updated.slice(0, start)}<!-- ${name}:start -->\n${block}\n${updated.slice(end)}`;
  }
  return updated;
}
