import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { startFakeGcs } from '../test/support/fake-gcs-server.ts';
import type { PubsubEmulator } from '../test/support/pubsub-emulator.ts';
import { coldStartMs, median, moduleLoadMs } from './cold-start.ts';
import type { Log } from './measure-scenario.ts';
import type { ColdStart } from './report.ts';
import { SCENARIOS, type Scenario } from './scenarios.ts';
import { type Bundles, collectorEnv } from './server-setup.ts';
import { type FunctionSpec, ROOT } from './servers.ts';

/** The stand-in bucket and prefix the gs:// registry of the cold-start runs reads. */
const GCS_BUCKET = 'sluice-bench-schemas';
const GCS_PREFIX = 'schemas';

/**
 * The cold start of the deployable bundle against the baseline's (median of `runs`, alternating):
 * spawn to the first answer, with the schemas from a file:// and from a gs:// registry, and the
 * time to load its modules alone.
 */
export async function measureColdStart(
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
