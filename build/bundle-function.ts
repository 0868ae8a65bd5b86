/**
 * Bundles the Cloud Function into ESM files plus the package.json and package-lock.json the
 * runtime installs from: `npm run bundle` writes `dist/function/` (index.js, chunks/,
 * package.json, package-lock.json, config/sluice.json).
 *
 * Why a bundle: a cold start pays for every module file Node resolves and reads; one file is
 * resolved once. `@google-cloud/pubsub` alone is hundreds of files (google-gax, grpc-js,
 * protobufjs, google-auth-library) and the largest import cost there is (`pubsub-sdk` in
 * docs/performance.md, "Measured costs behind the code"). So Pub/Sub is bundled too, in its own chunk (code splitting), which index.js imports
 * only when the Pub/Sub sink publishes first: an instance with another sink never loads it. (The
 * gs:// registry and the REST Pub/Sub transport load no Google SDK at all.)
 *
 * What stays external and is the one dependency in the bundle's package.json:
 * `@google-cloud/functions-framework`: the runtime invokes the function through *its* copy of the
 * framework, so `http('collect', …)` must register with that copy, not a bundled one.
 *
 * The bundled Pub/Sub code refers to `__dirname` at load time to find .proto files for code paths
 * a publisher never takes (gRPC servers' channelz and ORCA services, gax's loadProto); the
 * banner defines it, and the publisher's own protos are JSON that esbuild inlines. The emulator
 * test in test/build/bundle-function.test.ts publishes through the bundle.
 *
 * The CDKTF stack uploads this folder as the function's source; the benchmark suite measures its
 * cold start.
 */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _, Ajv } from 'ajv';
import standaloneCode from 'ajv/dist/standalone/index.js';
import { build, type Plugin, type PluginBuild } from 'esbuild';
import { parseConfigDocument } from '../functions/adapters/config/config-document.ts';
import { CONFIG_AJV_OPTIONS } from '../functions/core/config/config-ajv-options.ts';
import { SUPPORTED_META_SCHEMAS } from '../functions/core/validation/json-schema-dialects.ts';
import { metaSchemaAjv } from '../functions/core/validation/meta-schema-check.ts';
import { BUNDLED_CONFIG_PATH } from './bundled-config-path.ts';
import { functionLockfile, type Lockfile } from './function-lockfile.ts';

export { BUNDLED_CONFIG_PATH };

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Packages the bundle loads at run time instead of inlining; see the module comment for why. */
export const RUNTIME_DEPENDENCIES = ['@google-cloud/functions-framework'] as const;

/** The bundle's package name, in its package.json and package-lock.json. */
export const FUNCTION_PACKAGE_NAME = 'sluice-function';

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
export async function bundleFunction(
  outDir: string = join(ROOT, 'dist', 'function'),
  options: BundleOptions = {},
): Promise<BundleResult> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'config'), { recursive: true });
  const entry = join(outDir, 'index.js');
  const result = await build({
    entryPoints: [{ in: options.entry ?? join(ROOT, 'functions', 'collect.ts'), out: 'index' }],
    outdir: outDir,
    // Dynamic imports (the Pub/Sub SDK) become chunks loaded on first use.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    external: [...RUNTIME_DEPENDENCIES],
    // Some bundled CommonJS packages call require() for Node built-ins and read __dirname; ESM
    // output has neither, so every output file gets them.
    banner: {
      js: [
        "import { createRequire as __sluiceCreateRequire } from 'node:module';",
        "import { fileURLToPath as __sluiceFileURLToPath } from 'node:url';",
        "import { dirname as __sluiceDirname } from 'node:path';",
        'const require = __sluiceCreateRequire(import.meta.url);',
        'const __filename = __sluiceFileURLToPath(import.meta.url);',
        'const __dirname = __sluiceDirname(__filename);',
      ].join(' '),
    },
    legalComments: 'linked',
    plugins: [precompiledConfigValidator(), precompiledMetaSchemaChecks(), jsonConfigDocument()],
    metafile: true,
    logLevel: 'warning',
  });
  const rootPackage = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    version: string;
    dependencies: Record<string, string>;
  };
  // package.json lists every runtime dependency, so each has a version (installed, or the range).
  const dependencies = Object.fromEntries(
    RUNTIME_DEPENDENCIES.map((name) => [name, installedVersion(name) ?? rootPackage.dependencies[name]]),
  ) as Record<string, string>;
  writeFileSync(
    join(outDir, 'package.json'),
    `${JSON.stringify({ name: FUNCTION_PACKAGE_NAME, version: rootPackage.version, private: true, type: 'module', main: 'index.js', engines: { node: '>=22' }, dependencies }, null, 2)}\n`,
  );
  // The framework's own dependency tree, as locked here, so every Cloud Build installs the same.
  const rootLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as Lockfile;
  writeFileSync(
    join(outDir, 'package-lock.json'),
    `${JSON.stringify(functionLockfile(rootLock, FUNCTION_PACKAGE_NAME, rootPackage.version, dependencies), null, 2)}\n`,
  );
  // The collector reads its configuration from its working directory, the source root on Cloud
  // Functions: config/sluice.yaml converted to JSON now (see jsonConfigDocument); the stack's
  // environment variables override deployment-specific keys.
  writeFileSync(join(outDir, BUNDLED_CONFIG_PATH), `${JSON.stringify(configAsJson(), null, 2)}\n`);
  const bytes = Object.values(result.metafile.outputs).reduce((sum, output) => sum + output.bytes, 0);
  return { dir: outDir, entry, bytes };
}

/**
 * Replaces functions/core/config/config-validator.ts with build/replacements/config-validator.ts,
 * which returns the configuration validator compiled now, as Ajv standalone code with the same
 * options: compiling it at run time is a cold-start cost (`config-validator` in docs/performance.md). The test in
 * test/build/bundle-function.test.ts checks that the bundle still reports a bad setting the way the
 * source does.
 */
function precompiledConfigValidator(): Plugin {
  return {
    name: 'precompiled-config-validator',
    setup(plugin) {
      replaceModule(plugin, /[\\/]functions[\\/]core[\\/]config[\\/]config-validator\.ts$/, 'config-validator.ts');
      virtualModule(plugin, 'sluice-bundle:config-validator', () => {
        const schema = JSON.parse(readFileSync(join(ROOT, 'config', 'sluice.schema.json'), 'utf8')) as object;
        const ajv = new Ajv({ ...CONFIG_AJV_OPTIONS, code: { source: true, esm: true } });
        return standaloneCode.default(ajv, ajv.compile(schema));
      });
    },
  };
}

/** config/sluice.yaml as plain data; a YAML error stops the build with the file's line and column. */
function configAsJson(): unknown {
  const source = 'config/sluice.yaml';
  return parseConfigDocument(readFileSync(join(ROOT, source), 'utf8'), source).document;
}

/**
 * Replaces functions/adapters/config/config-document.ts with build/replacements/config-document.ts,
 * a JSON reader whose default file is {@link BUNDLED_CONFIG_PATH}: a deployed instance then never
 * loads the YAML library (about 250 KB of code) nor parses YAML (`yaml` in docs/performance.md,
 * "Measured costs behind the code"). A deployment that points SLUICE_CONFIG at a YAML file is told to
 * convert it.
 */
function jsonConfigDocument(): Plugin {
  return {
    name: 'json-config-document',
    setup(plugin) {
      replaceModule(plugin, /[\\/]functions[\\/]adapters[\\/]config[\\/]config-document\.ts$/, 'config-document.ts');
    },
  };
}

/**
 * Replaces functions/core/validation/meta-schema-checks.ts with the meta-schema checks compiled
 * now, as Ajv standalone code from the same Ajv set-up (meta-schema-check.ts), each in its own
 * chunk that is imported when a schema of that meta-schema is first compiled: Ajv compiling the
 * draft-04 meta-schema at run time is a cold-start cost (`draft-04-meta-schema` in
 * docs/performance.md), and the 2019-09 and
 * 2020-12 checks (about 65 KB of code each) are loaded only by an instance that meets such a
 * schema. The test in test/build/bundle-function.test.ts checks that the bundle refuses an invalid
 * schema with the same message as the source.
 */
function precompiledMetaSchemaChecks(): Plugin {
  const CHECK = 'sluice-bundle:meta-schema-check:';
  return {
    name: 'precompiled-meta-schema-checks',
    setup(plugin) {
      replaceModule(
        plugin,
        /[\\/]functions[\\/]core[\\/]validation[\\/]meta-schema-checks\.ts$/,
        'meta-schema-checks.ts',
      );
      virtualModule(plugin, 'sluice-bundle:meta-schema-loaders', () =>
        [
          'export const META_SCHEMA_CHECK_LOADERS = {',
          ...SUPPORTED_META_SCHEMAS.map((uri, index) => `  ${JSON.stringify(uri)}: () => import('${CHECK}${index}'),`),
          '};',
        ].join('\n'),
      );
      SUPPORTED_META_SCHEMAS.forEach((uri, index) => {
        virtualModule(plugin, `${CHECK}${index}`, () => {
          const ajv = metaSchemaAjv(uri, {
            code: { source: true, esm: true, formats: _`require("ajv-formats/dist/formats").fullFormats` },
          });
          return standaloneCode.default(ajv, ajv.getSchema(uri));
        });
      });
    },
  };
}

/** Makes esbuild load `replacement` (a file in build/replacements/) wherever a module matching `source` is imported. */
function replaceModule(plugin: PluginBuild, source: RegExp, replacement: string): void {
  const path = join(ROOT, 'build', 'replacements', replacement);
  plugin.onLoad({ filter: source }, () => ({
    contents: readFileSync(path, 'utf8'),
    loader: 'ts',
    resolveDir: dirname(path),
  }));
}

/** A module that exists only in the bundle, generated at build time; build/replacements/virtual-modules.d.ts types it. */
function virtualModule(plugin: PluginBuild, specifier: string, generate: () => string): void {
  const namespace = 'sluice-bundle';
  const filter = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  plugin.onResolve({ filter }, () => ({ path: specifier, namespace }));
  plugin.onLoad({ filter, namespace }, () => ({ contents: generate(), loader: 'js', resolveDir: ROOT }));
}

/** The exact version installed here, so the deployed function runs what the tests ran. */
function installedVersion(name: string): string | undefined {
  try {
    return (JSON.parse(readFileSync(join(ROOT, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return undefined;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { dir, bytes } = await bundleFunction(process.argv[2] === undefined ? undefined : resolve(process.argv[2]));
  console.log(`bundled the collect function into ${dir} (${(bytes / 1024).toFixed(0)} KiB)`);
}
