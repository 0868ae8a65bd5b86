import assert from 'node:assert/strict';
import { type Dirent, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import {
  CDKTF_CLI,
  cdktfArguments,
  collectorUrlFrom,
  deployProblems,
  OUTPUTS_FILE,
  webhookSecretVariables,
} from '../../terraform/deploy.ts';
import { STACK_NAME, synthesize } from '../../terraform/main.ts';

/** File names in a zip archive, read from its central directory (no unzip tool needed). */
function zipEntries(zip: Buffer): string[] {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(end >= 0, 'not a zip archive');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  const names: string[] = [];
  for (let i = 0; i < count; i++) {
    assert.equal(zip.readUInt32LE(offset), 0x02014b50);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    names.push(zip.subarray(offset + 46, offset + 46 + nameLength).toString('utf8'));
    offset += 46 + nameLength + extraLength + commentLength;
  }
  return names.sort();
}

describe('npm run synth (terraform/main.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-synth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('bundles the function and writes cdk.tf.json with the bundle zipped beside it, from a clean checkout config', async () => {
    const file = await synthesize({ outdir: join(dir, 'out'), bundleDir: join(dir, 'function'), env: {} });
    assert.equal(file, join(dir, 'out', 'stacks', STACK_NAME, 'cdk.tf.json'));
    const stack = JSON.parse(readFileSync(file, 'utf8')) as {
      resource: Record<string, Record<string, { source?: string; name?: string }>>;
      variable: Record<string, unknown>;
    };
    // The shipped config names no project: the synthesized stack asks for it.
    assert.ok(stack.variable.project_id);
    const source = stack.resource.google_storage_bucket_object?.function_source_object?.source ?? '';
    const zip = join(dir, 'out', 'stacks', STACK_NAME, source);
    assert.ok(existsSync(zip), `${zip} missing`);
    // The zip is the bundle folder as it is, lazily loaded chunks included (the Pub/Sub SDK's).
    const bundled = (readdirSync(join(dir, 'function'), { recursive: true, withFileTypes: true }) as Dirent[])
      .filter((entry) => entry.isFile())
      .map((entry) => relative(join(dir, 'function'), join(entry.parentPath, entry.name)))
      .sort();
    const zipped = zipEntries(readFileSync(zip)).filter((name) => !name.endsWith('/'));
    assert.deepEqual(zipped, bundled);
    for (const required of ['config/sluice.json', 'index.js', 'package.json', 'package-lock.json'])
      assert.ok(zipped.includes(required), required);
    assert.ok(
      zipped.some((name) => name.startsWith('chunks/')),
      'the lazily loaded chunks are deployed too',
    );
  });

  test('SLUICE_* variables reach the stack as they reach the collector', async () => {
    const file = await synthesize({
      outdir: join(dir, 'out2'),
      bundleDir: join(dir, 'function2'),
      env: { SLUICE_PROJECT: 'acme-prod', SLUICE_NAME_PREFIX: 'edge' },
    });
    const text = readFileSync(file, 'utf8');
    assert.ok(text.includes('"acme-prod-edge-schemas"'));
    assert.ok(!text.includes('var.project_id'));
  });
});

describe('npm run deploy / destroy (terraform/deploy.ts)', () => {
  test('runs the matching cdktf CLI through npx, deploy writing the outputs file', () => {
    assert.deepEqual(cdktfArguments('deploy'), [
      '--yes',
      CDKTF_CLI,
      'deploy',
      'sluice',
      '--auto-approve',
      '--outputs-file',
      OUTPUTS_FILE,
    ]);
    assert.deepEqual(cdktfArguments('destroy'), ['--yes', CDKTF_CLI, 'destroy', 'sluice', '--auto-approve']);
    assert.match(CDKTF_CLI, /^cdktf-cli@0\.21\./);
  });

  test('refuses to start without a project, saying how to fix it', () => {
    const config = (project: string) => resolveConfig({ document: { project }, source: 'test', env: {} });
    assert.deepEqual(deployProblems(config('acme')), []);
    const problems = deployProblems(config(''));
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? '', /SLUICE_PROJECT=<project-id> npm run deploy/);
  });

  test("a webhook secret goes from the deployer's environment into its Terraform variable, and is required to deploy", () => {
    const config = resolveConfig({
      document: {
        project: 'acme',
        webhooks: {
          auth: {
            'com.github/push': {
              type: 'hmac_sha256',
              header: 'X-Hub-Signature-256',
              prefix: 'sha256=',
              secret_env: 'GITHUB_SECRET',
            },
            'com.stripe/event': { type: 'shared_secret', header: 'X-Token', secret_env: 'GITHUB_SECRET' },
          },
        },
      },
      source: 'test',
      env: {},
    });
    const [missing, ...others] = deployProblems(config, {});
    assert.deepEqual(others, [], 'one problem per variable, not per webhook');
    assert.match(
      missing ?? '',
      /webhooks\.auth reads a secret from GITHUB_SECRET, which is not set: run GITHUB_SECRET=<the webhook's secret> npm run deploy/,
    );
    assert.deepEqual(deployProblems(config, { GITHUB_SECRET: 's3cret' }), []);
    assert.deepEqual(webhookSecretVariables(config, { GITHUB_SECRET: 's3cret' }), {
      TF_VAR_webhook_secret_github_secret: 's3cret',
    });
    assert.deepEqual(webhookSecretVariables(config, {}), {});
    // Destroying needs a value for the variable but never reads it.
    assert.deepEqual(Object.keys(webhookSecretVariables(config, {}, 'destroy')), [
      'TF_VAR_webhook_secret_github_secret',
    ]);
  });

  test('ends with the collector URL from the deploy outputs', () => {
    assert.equal(
      collectorUrlFrom(
        '{"sluice":{"collector_url":"https://sluice-collector-abc-ew.a.run.app","valid_topic":"sluice-events"}}',
      ),
      'https://sluice-collector-abc-ew.a.run.app',
    );
    assert.throws(() => collectorUrlFrom('{"other":{}}'), /no collector_url output for stack sluice/);
  });
});
