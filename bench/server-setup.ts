/**
 * What each server kind of the benchmark runs: the three bundles (baseline, bench collector,
 * deployable function) and the collector's environment per sink.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleFunction } from '../build/bundle-function.ts';
import type { PubsubEmulator } from '../test/support/pubsub-emulator.ts';
import type { ServerKind } from './report.ts';
import { BENCH_SEGMENT_TRACKING_PLAN } from './scenarios.ts';
import { type FunctionServer, type FunctionSpec, ROOT, startFunctionServer, startLocalServer } from './servers.ts';

/** Where the bench's bundles and local sink files go. */
export const BENCH_DIR = join(ROOT, 'dist', 'bench');
/** The emulator project and topics the `pubsub` server publishes to. */
export const EMULATOR_PROJECT = 'sluice-bench';
export const VALID_TOPIC = 'bench-events';
export const INVALID_TOPIC = 'bench-invalid-events';
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
export function collectorEnv(
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
export async function startServer(
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
