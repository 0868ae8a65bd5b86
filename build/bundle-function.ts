/**
 * Bundles the Cloud Function into one ESM file plus the package.json the runtime installs from:
 * `npm run bundle` writes `dist/function/` (index.js, package.json, config/sluice.yaml).
 *
 * Why a bundle: a cold start pays for every module file Node resolves and reads; one file is
 * resolved once. What stays external and is listed in the bundle's package.json:
 * - `@google-cloud/functions-framework`: the runtime invokes the function through *its* copy of
 *   the framework, so `http('collect', …)` must register with that copy, not a bundled one;
 * - `@google-cloud/pubsub` and `@google-cloud/storage`: loaded lazily (only the sink and registry
 *   an instance uses), and they read proto and JSON files at run time that a bundle cannot hold.
 * Everything else (ajv, yaml, cloudevents, Sluice itself) is inlined.
 *
 * The CDKTF stack uploads this folder as the function's source; the benchmark suite measures its
 * cold start.
 */
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages the bundle loads at run time instead of inlining; see the module comment for why. */
export const RUNTIME_DEPENDENCIES = ['@google-cloud/functions-framework', '@google-cloud/pubsub', '@google-cloud/storage'] as const;

export interface BundleResult {
  readonly dir: string;
  readonly entry: string;
  readonly bytes: number;
}

export interface BundleOptions {
  /**
   * The module to bundle; default functions/collect.ts. The benchmark suite bundles its baseline
   * function the same way, so that both start from one esbuild file.
   */
  readonly entry?: string;
}

/** Writes the deployable function to `outDir` (default `dist/function`) and returns where. */
export async function bundleFunction(outDir: string = join(ROOT, 'dist', 'function'), options: BundleOptions = {}): Promise<BundleResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'config'), { recursive: true });
  const entry = join(outDir, 'index.js');
  const result = await build({
    entryPoints: [options.entry ?? join(ROOT, 'functions', 'collect.ts')],
    outfile: entry,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: [...RUNTIME_DEPENDENCIES],
    // Some bundled CommonJS packages call require() for Node built-ins; ESM output has no
    // require, so give the bundle one.
    banner: { js: "import { createRequire as __sluiceCreateRequire } from 'node:module'; const require = __sluiceCreateRequire(import.meta.url);" },
    legalComments: 'linked',
    metafile: true,
    logLevel: 'warning',
  });
  const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };
  const dependencies = Object.fromEntries(RUNTIME_DEPENDENCIES.map((name) => [name, installedVersion(name) ?? rootPackage.dependencies[name]]));
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: 'sluice-function', version: rootPackage.version, private: true, type: 'module', main: 'index.js', engines: { node: '>=22' }, dependencies }, null, 2)}\n`,
  );
  // The collector reads config/sluice.yaml from its working directory, the source root on Cloud
  // Functions; the stack's environment variables override deployment-specific keys.
  copyFileSync(join(ROOT, 'config', 'sluice.yaml'), join(outDir, 'config', 'sluice.yaml'));
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { dir: outDir, entry, bytes };
}

/** The exact version installed here, so the deployed function runs what the tests ran. */
function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, bytes } = await bundleFunction(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(`bundled the collect function into ${dir} (${(bytes / 1024).toFixed(0)} KiB)`);
}
