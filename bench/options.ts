import { parseArgs } from 'node:util';
import { SCENARIOS } from './scenarios.ts';

/**
 * The collector servers: `noop` (the collector with a no-op sink), `pubsub` (on the emulator),
 * `local` (`npm start` as a user runs it), and for measuring the enrichment step, `noop-off`
 * (every enrichment off) and `noop-geo` (the defaults plus geo and ASN from MaxMind's test
 * databases in ../shared/maxmind-test). The default set is the first three.
 */
export type SinkChoice = 'noop' | 'pubsub' | 'local' | 'noop-off' | 'noop-geo';
export const DEFAULT_SINKS: readonly SinkChoice[] = ['noop', 'pubsub', 'local'];
export const SINK_CHOICES: readonly SinkChoice[] = [...DEFAULT_SINKS, 'noop-off', 'noop-geo'];

export interface BenchOptions {
  /** Seconds of each as-fast-as-possible run. */
  readonly duration: number;
  /** Slices the max-rate seconds are cut into, taken in turns across the servers. */
  readonly rounds: number;
  /** Seconds of each half-rate latency run; 0 skips them. */
  readonly latencyDuration: number;
  /** Seconds of unmeasured load before each server's runs (JIT, schema cache, connection set-up). */
  readonly warmup: number;
  /** Connections of the max-rate runs (and so of the peak RSS figure). */
  readonly connections: number;
  /** Connections of the half-rate latency runs. */
  readonly latencyConnections: number;
  readonly scenarios: readonly string[];
  readonly sinks: readonly SinkChoice[];
  /** Cold-start runs per server; 0 skips cold start. */
  readonly coldRuns: number;
  /** Where the report goes; '' writes none. */
  readonly out: string;
}

export const USAGE = `npm run bench -- [options]     (each option also as an environment variable, e.g. BENCH_DURATION=10)
  --duration <s>             seconds at max rate per server and scenario (default 8)
  --rounds <n>               interleaved slices those seconds are cut into (default 4)
  --latency-duration <s>     seconds per half-rate latency run, 0 to skip (default 3)
  --warmup <s>               seconds of unmeasured load before measuring each server (default 1)
  --connections <n>          connections of the max-rate runs (default 200)
  --latency-connections <n>  connections of the latency runs (default 10)
  --scenarios <ids>          comma-separated, from: ${SCENARIOS.map((scenario) => scenario.id).join(', ')} (default all)
  --sinks <list>             noop,pubsub,local (default all; pubsub needs Java and the emulator jar;
                             local is \`npm start\` with its local NDJSON sink); also noop-off (every
                             enrichment off) and noop-geo (geo and ASN from MaxMind's test databases)
                             to measure the enrichment step
  --cold-runs <n>            cold starts per server, 0 to skip (default 5)
  --out <file>               report file, '' for none (default: bench/RESULTS.md, which
                             docs/performance.md quotes, after a full run; none after a partial one)`;

const DEFAULTS = {
  duration: 8,
  rounds: 4,
  latencyDuration: 3,
  warmup: 1,
  connections: 200,
  latencyConnections: 10,
  coldRuns: 5,
};

/** Flags win over BENCH_* variables, which win over the defaults. Throws with the usage on a bad value. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv, defaultOut: string): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      duration: { type: 'string' },
      rounds: { type: 'string' },
      'latency-duration': { type: 'string' },
      warmup: { type: 'string' },
      connections: { type: 'string' },
      'latency-connections': { type: 'string' },
      scenarios: { type: 'string' },
      sinks: { type: 'string' },
      'cold-runs': { type: 'string' },
      out: { type: 'string' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.help) throw new UsageError('');
  const pick = (flag: keyof typeof values, variable: string): string | undefined => {
    const value = values[flag];
    if (typeof value === 'string') return value;
    const fromEnv = env[variable];
    return fromEnv === undefined || fromEnv === '' ? undefined : fromEnv;
  };
  const numberOf = (flag: keyof typeof values, variable: string, fallback: number, min: number): number => {
    const text = pick(flag, variable);
    if (text === undefined) return fallback;
    const value = Number(text);
    if (!Number.isFinite(value) || value < min)
      throw new UsageError(`--${flag} (${variable}) must be a number >= ${min}, got "${text}"`);
    return value;
  };
  const listOf = <T extends string>(
    flag: keyof typeof values,
    variable: string,
    allowed: readonly T[],
    defaults: readonly T[] = allowed,
  ): T[] => {
    const text = pick(flag, variable);
    if (text === undefined) return [...defaults];
    const items = text
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item !== '');
    for (const item of items) {
      if (!allowed.includes(item as T))
        throw new UsageError(`--${flag} (${variable}): unknown "${item}"; choose from ${allowed.join(', ')}`);
    }
    return items as T[];
  };
  const scenarios = listOf(
    'scenarios',
    'BENCH_SCENARIOS',
    SCENARIOS.map((scenario) => scenario.id),
  );
  const sinks = listOf<SinkChoice>('sinks', 'BENCH_SINKS', SINK_CHOICES, DEFAULT_SINKS);
  const coldRuns = Math.floor(numberOf('cold-runs', 'BENCH_COLD_RUNS', DEFAULTS.coldRuns, 0));
  // A partial run must not replace the full results docs/performance.md quotes, unless asked to.
  const complete =
    scenarios.length === SCENARIOS.length &&
    sinks.length === DEFAULT_SINKS.length &&
    DEFAULT_SINKS.every((sink) => sinks.includes(sink)) &&
    coldRuns > 0;
  return {
    duration: numberOf('duration', 'BENCH_DURATION', DEFAULTS.duration, 1),
    rounds: Math.floor(numberOf('rounds', 'BENCH_ROUNDS', DEFAULTS.rounds, 1)),
    latencyDuration: numberOf('latency-duration', 'BENCH_LATENCY_DURATION', DEFAULTS.latencyDuration, 0),
    warmup: numberOf('warmup', 'BENCH_WARMUP', DEFAULTS.warmup, 0),
    connections: Math.floor(numberOf('connections', 'BENCH_CONNECTIONS', DEFAULTS.connections, 1)),
    latencyConnections: Math.floor(
      numberOf('latency-connections', 'BENCH_LATENCY_CONNECTIONS', DEFAULTS.latencyConnections, 1),
    ),
    scenarios,
    sinks,
    coldRuns,
    out: pick('out', 'BENCH_OUT') ?? (complete ? defaultOut : ''),
  };
}

export class UsageError extends Error {}
