import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { main } from '../../terraform/deploy.ts';
import {
  ensureStateBucket,
  MIN_TERRAFORM_VERSION,
  preflightProblems,
  systemRunner,
} from '../../terraform/preflight.ts';
import { LEGACY_LOCAL_STATE_FILE, stateBackend } from '../../terraform/state-backend.ts';

// Fake terraform, gcloud and npx on a PATH of their own (nothing else on it, so no real CLI on
// this machine can be reached). Each logs its arguments and answers as the FAKE_* variables say.
const dir = mkdtempSync(join(tmpdir(), 'sluice-preflight-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const bin = join(dir, 'bin');
const noTerraform = join(dir, 'bin-without-terraform');
mkdirSync(bin);
mkdirSync(noTerraform);

function fake(name: string, body: string, dirs: string[] = [bin, noTerraform]): void {
  for (const target of dirs) {
    const file = join(target, name);
    writeFileSync(file, `#!/bin/sh\necho "${name} $*" >> "$FAKE_LOG"\n${body}\n`);
    chmodSync(file, 0o755);
  }
}
fake('terraform', `case "$1" in version) echo "{\\"terraform_version\\":\\"$FAKE_TF_VERSION\\"}";; esac\nexit 0`, [
  bin,
]);
fake(
  'gcloud',
  `case "$*" in
  "auth application-default print-access-token") [ "$FAKE_ADC" = ok ] && { echo ya29.token; exit 0; }; echo "ERROR: (gcloud.auth.application-default.print-access-token) Your default credentials were not found." >&2; exit 1;;
  "projects describe "*) [ -n "$FAKE_PROJECT_STATE" ] && { echo "$FAKE_PROJECT_STATE"; exit 0; }; echo "ERROR: (gcloud.projects.describe) [me@example.com] does not have permission to access projects instance [$3]" >&2; exit 1;;
  "billing projects describe "*) echo "$FAKE_BILLING"; exit 0;;
  "storage buckets describe "*) [ "$FAKE_BUCKET" = exists ] && { echo bucket; exit 0; }; echo "ERROR: (gcloud.storage.buckets.describe) gs://x not found: 404." >&2; exit 1;;
  "storage buckets create "*|"storage buckets update "*) exit 0;;
  "storage ls "*) case "$3" in *"$FAKE_STORED"*) [ -n "$FAKE_STORED" ] && exit 0;; esac; exit 1;;
esac
exit 3`,
);
fake(
  'npx',
  `/bin/mkdir -p cdktf.out\necho '{"sluice":{"collector_url":"https://sluice-collector-xyz.a.run.app"}}' > cdktf.out/outputs.json\nexit 0`,
);

const GOOD = { FAKE_TF_VERSION: '1.9.8', FAKE_ADC: 'ok', FAKE_PROJECT_STATE: 'ACTIVE', FAKE_BILLING: 'True' } as const;
let runs = 0;
/** A fresh log and repository root, and the environment pointing the fakes at them. */
function setup(overrides: Record<string, string> = {}, path = bin) {
  const root = join(dir, `root-${++runs}`);
  mkdirSync(root);
  const log = join(dir, `log-${runs}`);
  writeFileSync(log, '');
  const env = { PATH: path, FAKE_LOG: log, SLUICE_PROJECT: 'acme', ...GOOD, ...overrides };
  return { root, env, calls: () => readFileSync(log, 'utf8').trim().split('\n').filter(Boolean) };
}
const config = (env: Record<string, string>, document: Record<string, unknown> = {}) =>
  resolveConfig({ document, source: 'test', env });
const problemsFor = (overrides: Record<string, string>, document: Record<string, unknown> = {}, path = bin) => {
  const { root, env } = setup(overrides, path);
  const resolved = config(env, document);
  return preflightProblems(resolved, stateBackend(resolved), systemRunner(env), root);
};

describe('npm run deploy: checks before anything changes (fake terraform and gcloud on PATH)', () => {
  test('all good: no problem', () => {
    assert.deepEqual(problemsFor({}), []);
  });

  test('Terraform missing or too old', () => {
    assert.deepEqual(problemsFor({}, {}, noTerraform), [
      'the Terraform CLI is not on PATH: install it from https://developer.hashicorp.com/terraform/install',
    ]);
    assert.deepEqual(problemsFor({ FAKE_TF_VERSION: '1.4.6' }), [
      `Terraform 1.4.6 is too old: Sluice needs ${MIN_TERRAFORM_VERSION} or newer; install it from https://developer.hashicorp.com/terraform/install`,
    ]);
    assert.deepEqual(problemsFor({ FAKE_TF_VERSION: '1.10.0' }), [], '1.10 is newer than 1.5');
  });

  test('no application-default credentials: names the login command', () => {
    const [problem, ...rest] = problemsFor({ FAKE_ADC: 'no' });
    assert.deepEqual(rest, []);
    assert.match(
      problem ?? '',
      /^no application-default credentials \(ERROR: .*not found\.\): run gcloud auth application-default login/,
    );
  });

  test('a project that cannot be read, or is being deleted', () => {
    assert.match(
      problemsFor({ FAKE_PROJECT_STATE: '' })[0] ?? '',
      /^project acme cannot be read \(ERROR: .*does not have permission.*\): check the id in project \/ SLUICE_PROJECT/,
    );
    assert.deepEqual(problemsFor({ FAKE_PROJECT_STATE: 'DELETE_REQUESTED' }), [
      'project acme is DELETE_REQUESTED: restore it or deploy to another project',
    ]);
  });

  test('billing disabled: names the link command', () => {
    assert.deepEqual(problemsFor({ FAKE_BILLING: 'False' }), [
      'billing is not enabled on project acme: link a billing account with gcloud billing projects link acme --billing-account=<ACCOUNT_ID>',
    ]);
  });

  test('state left by an earlier Sluice where this one does not look is named, with the move', () => {
    const { root, env } = setup();
    writeFileSync(join(root, LEGACY_LOCAL_STATE_FILE), '{}');
    const resolved = config(env);
    const [problem] = preflightProblems(resolved, stateBackend(resolved), systemRunner(env), root);
    assert.match(
      problem ?? '',
      /^terraform\.sluice\.tfstate holds the state of an earlier deployment.*gcloud storage cp terraform\.sluice\.tfstate gs:\/\/acme-sluice-tfstate\/acme\/sluice\/default\.tfstate/,
    );
    const moved = problemsFor(
      { FAKE_STORED: 'gs://team-state/sluice/terraform/' },
      { deploy: { state_bucket: 'team-state' } },
    );
    assert.deepEqual(moved, [
      'gs://team-state/sluice/terraform/default.tfstate holds the state of an earlier deployment, which Sluice now keeps under acme/sluice/: run gcloud storage cp gs://team-state/sluice/terraform/default.tfstate gs://team-state/acme/sluice/default.tfstate',
    ]);
  });

  test('the state bucket is created once, versioned and private, in the region; an existing one is left alone', () => {
    const first = setup();
    const resolved = config(first.env);
    assert.equal(ensureStateBucket(stateBackend(resolved), resolved, systemRunner(first.env)), true);
    assert.deepEqual(first.calls(), [
      'gcloud storage buckets describe gs://acme-sluice-tfstate --format=value(name)',
      'gcloud storage buckets create gs://acme-sluice-tfstate --project=acme --location=europe-west1 --uniform-bucket-level-access --public-access-prevention',
      'gcloud storage buckets update gs://acme-sluice-tfstate --versioning',
    ]);
    const again = setup({ FAKE_BUCKET: 'exists' });
    assert.equal(ensureStateBucket(stateBackend(resolved), resolved, systemRunner(again.env)), false);
    assert.equal(again.calls().length, 1);
    // A named bucket or local state: nothing to create.
    const named = config(first.env, { deploy: { state_bucket: 'team-state' } });
    assert.equal(ensureStateBucket(stateBackend(named), named, systemRunner(again.env)), false);
  });
});

describe('npm run deploy end to end (fake terraform, gcloud and npx)', () => {
  test('checks, then the state bucket, then cdktf deploy; prints the collector URL', () => {
    const { root, env, calls } = setup();
    assert.equal(main('deploy', env, root), 0);
    const order = calls().map((line) => line.split(' ').slice(0, 4).join(' '));
    assert.deepEqual(order, [
      'terraform version -json',
      'gcloud auth application-default print-access-token',
      'gcloud projects describe acme',
      'gcloud billing projects describe',
      'gcloud storage buckets describe',
      'gcloud storage buckets create',
      'gcloud storage buckets update',
      'npx --yes cdktf-cli@0.21.0 deploy',
    ]);
  });

  test('a failed check changes nothing: no bucket, no cdktf', () => {
    const { root, env, calls } = setup({ FAKE_BILLING: 'False' });
    assert.equal(main('deploy', env, root), 1);
    assert.ok(!calls().some((line) => line.startsWith('npx') || line.includes('buckets create')), calls().join('\n'));
  });

  test('destroy checks Terraform and credentials but not billing, and creates no bucket', () => {
    const { root, env, calls } = setup({ FAKE_BILLING: 'False' });
    assert.equal(main('destroy', env, root), 0);
    assert.ok(!calls().some((line) => line.includes('billing') || line.includes('buckets')), calls().join('\n'));
    assert.ok(calls().at(-1)?.startsWith('npx --yes cdktf-cli@0.21.0 destroy sluice'));
  });
});
