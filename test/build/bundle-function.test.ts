import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { bundleFunction, FUNCTION_PACKAGE_NAME, RUNTIME_DEPENDENCIES } from '../../build/bundle-function.ts';
import { parseConfigDocument } from '../../functions/adapters/config/config-document.ts';
import { parseSchemaKey } from '../../functions/core/iglu/schema-key.ts';
import { IGLU_META_SCHEMA_URI } from '../../functions/core/validation/iglu-meta-schema.ts';
import { SUPPORTED_META_SCHEMAS } from '../../functions/core/validation/json-schema-dialects.ts';
import { SchemaCompiler } from '../../functions/core/validation/schema-compiler.ts';
import { startFakeGcs } from '../support/fake-gcs-server.ts';
import { MemoryRegistry } from '../support/memory-registry.ts';
import { firstAnswer, postJson, serveBundle } from '../support/served-bundle.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The deployable bundle works the way Cloud Functions runs it: the runtime's functions-framework
 * loads index.js and invokes the target `collect`. If the framework were inlined, `collect` would
 * register with the wrong copy and this test's request would get a 404.
 */
test('the bundle serves collect through the functions-framework CLI, as the nodejs22 runtime does', {
  timeout: 60_000,
}, async () => {
  // Inside the repo, so that the bundle's external packages resolve from node_modules as they
  // would from the runtime's npm install.
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  const outDir = await mkdtemp(join(ROOT, 'dist', 'bundle-test-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bundle-'));
  // Schemas that go through the bundle's precompiled meta-schema checks: one breaks the Iglu
  // meta-schema, one is valid 2020-12 (another chunk).
  const registryDir = await mkdtemp(join(tmpdir(), 'sluice-bundle-registry-'));
  const broken = {
    $schema: IGLU_META_SCHEMA_URI,
    self: { vendor: 'com.acme', name: 'broken', format: 'jsonschema', version: '1-0-0' },
    type: 'object',
    required: 'sku',
    minProperties: -1,
  };
  const modern = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    type: 'object',
    properties: { n: { type: 'integer' } },
    required: ['n'],
  };
  for (const [name, schema] of [
    ['broken', broken],
    ['modern', modern],
  ] as const) {
    await mkdir(join(registryDir, 'com.acme', name, 'jsonschema'), { recursive: true });
    await writeFile(join(registryDir, 'com.acme', name, 'jsonschema', '1-0-0'), JSON.stringify(schema));
  }
  try {
    const { entry, bytes } = await bundleFunction(outDir);
    assert.ok(bytes > 0);
    const bundled = await readFile(entry, 'utf8');
    for (const name of RUNTIME_DEPENDENCIES)
      assert.ok(!bundled.includes(`node_modules/${name}/`), `${name} must stay external`);
    // Meta-schema checks are precompiled, one chunk each, not compiled by Ajv at run time.
    assert.ok(
      !bundled.includes('function compileMetaSchemaCheck('),
      'the bundle must not compile meta-schemas at run time',
    );
    assert.equal(
      (await readdir(join(outDir, 'chunks'))).filter((file) => file.startsWith('sluice-bundle_meta-schema-check_'))
        .length,
      SUPPORTED_META_SCHEMAS.length,
    );

    const manifest = JSON.parse(await readFile(join(outDir, 'package.json'), 'utf8')) as {
      type: string;
      main: string;
      dependencies: Record<string, string>;
    };
    assert.equal(manifest.type, 'module');
    assert.equal(manifest.main, 'index.js');
    assert.deepEqual(Object.keys(manifest.dependencies).sort(), [...RUNTIME_DEPENDENCIES].sort());
    for (const version of Object.values(manifest.dependencies))
      assert.match(version, /^\d+\.\d+\.\d+$/, 'exact versions, as tested');
    // A lockfile for the function's own install, agreeing with package.json (npm ci refuses otherwise).
    const lock = JSON.parse(await readFile(join(outDir, 'package-lock.json'), 'utf8')) as {
      name: string;
      packages: Record<string, { name?: string; version?: string; dependencies?: Record<string, string> }>;
    };
    assert.equal(lock.name, FUNCTION_PACKAGE_NAME);
    assert.deepEqual(lock.packages['']?.dependencies, manifest.dependencies);
    for (const [name, version] of Object.entries(manifest.dependencies))
      assert.equal(lock.packages[`node_modules/${name}`]?.version, version, name);
    // The configuration ships as JSON, converted from config/sluice.yaml, and the YAML library stays out.
    const yamlText = await readFile(join(ROOT, 'config', 'sluice.yaml'), 'utf8');
    assert.deepEqual(
      JSON.parse(await readFile(join(outDir, 'config', 'sluice.json'), 'utf8')),
      parseConfigDocument(yamlText, 'config/sluice.yaml').document,
    );
    assert.deepEqual(await readdir(join(outDir, 'config')), ['sluice.json']);
    assert.ok(!bundled.includes('node_modules/yaml/'), 'the YAML library must not be bundled');

    const served = await serveBundle(outDir, {
      SLUICE_CONFIG: '',
      SLUICE_SINK: 'local',
      SLUICE_LOCAL_DIR: dataDir,
      SLUICE_REGISTRIES: `file://${join(ROOT, 'schemas')},file://${registryDir}`,
    });
    const output = served.output;
    try {
      const health = await firstAnswer(served, '/health');
      assert.ok(health, `the bundle did not start: ${output()}`);
      assert.equal(health.status, 200, output());
      const event = {
        schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
        data: { order_id: 'A-1', total: 30, currency: 'EUR' },
      };
      const post = (body: unknown) => fetch(`${served.base}/self-describing`, postJson(body));
      assert.equal((await post(event)).status, 200, output());
      assert.equal(
        (await post({ schema: 'iglu:com.acme/modern/jsonschema/1-0-0', data: { n: 1 } })).status,
        200,
        output(),
      );
      assert.equal(
        (await post({ schema: 'iglu:com.acme/broken/jsonschema/1-0-0', data: { sku: 'x' } })).status,
        200,
        output(),
      );
      const rows = (await readFile(join(dataDir, 'valid.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.deepEqual(
        rows.map((row) => row.schema),
        [event.schema, 'iglu:com.acme/modern/jsonschema/1-0-0'],
      );
      // The precompiled check refuses the broken schema with the message the source's Ajv gives.
      const key = parseSchemaKey('iglu:com.acme/broken/jsonschema/1-0-0');
      const expected = await new SchemaCompiler({ registry: new MemoryRegistry(), allErrors: false, maxErrors: 10 })
        .compile(key, broken)
        .then(
          () => assert.fail('the source compiled the broken schema'),
          (error: Error) => error.message,
        );
      assert.match(expected, /schema is invalid: data\/minProperties must be >= 0, data\/required must be array/);
      const invalid = await readFile(join(dataDir, 'invalid.ndjson'), 'utf8');
      assert.ok(invalid.includes(JSON.stringify(expected).slice(1, -1)), `expected ${expected} in ${invalid}`);
    } finally {
      await served.stop();
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
    await rm(registryDir, { recursive: true, force: true });
  }
});

/**
 * A deployed collector reads its schemas from a gs:// registry on its first request. The bundle
 * does that through the Cloud Storage JSON API with node:http, without @google-cloud/storage
 * (loading it was 0.125 s of that request from a bundle chunk, 0.25 s from node_modules).
 */
test('the bundle reads schemas from a gs:// registry without the Cloud Storage library', {
  timeout: 60_000,
}, async () => {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  const outDir = await mkdtemp(join(ROOT, 'dist', 'bundle-test-'));
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-bundle-gcs-'));
  const schema = await readFile(join(ROOT, 'schemas', 'com.example', 'checkout', 'jsonschema', '1-0-0'));
  const gcs = await startFakeGcs({ objects: { 'bkt/schemas/com.example/checkout/jsonschema/1-0-0': schema } });
  try {
    await bundleFunction(outDir);
    for (const file of await readdir(outDir, { recursive: true })) {
      if (!String(file).endsWith('.js')) continue;
      const code = await readFile(join(outDir, String(file)), 'utf8');
      assert.ok(!code.includes('@google-cloud/storage'), `${String(file)} carries or imports @google-cloud/storage`);
    }
    const served = await serveBundle(outDir, {
      SLUICE_CONFIG: '',
      SLUICE_SINK: 'local',
      SLUICE_LOCAL_DIR: dataDir,
      SLUICE_REGISTRIES: 'gs://bkt/schemas',
      STORAGE_EMULATOR_HOST: gcs.endpoint,
    });
    try {
      const event = {
        schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
        data: { order_id: 'A-1', total: 30, currency: 'EUR' },
      };
      const response = await firstAnswer(served, '/self-describing', postJson(event));
      assert.equal(response?.status, 200, served.output());
      const rows = (await readFile(join(dataDir, 'valid.ndjson'), 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line));
      assert.deepEqual(
        rows.map((row) => row.schema),
        [event.schema],
        served.output(),
      );
      assert.ok(
        gcs.requests.some((request) => request.includes('schemas%2Fcom.example%2Fcheckout%2Fjsonschema%2F1-0-0')),
        gcs.requests.join('\n'),
      );
    } finally {
      await served.stop();
    }
  } finally {
    await gcs.close();
    await rm(outDir, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
});

/**
 * The bundle carries the configuration validator compiled at build time (Ajv standalone code)
 * instead of compiling it at each cold start: it must fill defaults and report problems exactly
 * as the source does.
 */
test("the bundle's precompiled config validator reports bad settings as the source does", {
  timeout: 60_000,
}, async () => {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  const outDir = await mkdtemp(join(ROOT, 'dist', 'bundle-test-'));
  try {
    await bundleFunction(outDir);
    const index = await readFile(join(outDir, 'index.js'), 'utf8');
    assert.ok(!/\.compile\(schemaJson\)/.test(index), 'the bundle must not compile the config schema at run time');
    const script = [
      "const { getFunction } = await import('@google-cloud/functions-framework/testing');",
      "await import('./index.js');",
      "try { getFunction('collect')({ headers: {}, method: 'GET', url: '/health' }, {}); console.log('no error'); } catch (error) { console.log(error.message); }",
    ].join('\n');
    const env = { ...process.env, SLUICE_CONFIG: '', SLUICE_SINK: 'locl', SLUICE_CACHE_TTL_SECONDS: '0' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: outDir,
      env,
    });
    const { loadConfig } = await import('../../functions/adapters/config/load-config.ts');
    const expected = (() => {
      try {
        loadConfig(env, ROOT);
        return 'no error';
      } catch (error) {
        return (error as Error).message;
      }
    })();
    assert.match(expected, /cache\.ttl_seconds: got 0, expected an integer >= 1/);
    assert.equal(stdout.trim(), expected);

    // A YAML file named by SLUICE_CONFIG is refused with the fix, not half-read.
    const yaml = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      cwd: outDir,
      env: { ...process.env, SLUICE_CONFIG: join(ROOT, 'config', 'sluice.yaml') },
    });
    assert.match(
      yaml.stdout,
      /this deploy bundle reads its configuration as JSON; convert .*sluice\.yaml to JSON \(npm run bundle writes config\/sluice\.json from config\/sluice\.yaml\), or leave SLUICE_CONFIG unset/,
    );
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
});
