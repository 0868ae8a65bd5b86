/**
 * What `npm run deploy` checks before it changes anything, each failure naming the fix: the
 * Terraform CLI and its version, application-default credentials (what the Google provider signs
 * in with), the project, its billing, and state left by an earlier Sluice where the current one
 * would not look. Also the one change it makes outside Terraform: creating the state bucket.
 *
 * Every check runs a command (`terraform`, `gcloud`) through a Runner, so tests run them against
 * fake executables on PATH.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { SluiceConfig } from '../functions/core/config/config.ts';
import { SluiceError } from '../functions/core/errors.ts';
import { LEGACY_LOCAL_STATE_FILE, legacyGcsPrefix, type StateBackend } from './state-backend.ts';

/** The oldest Terraform CLI cdktf 0.21 and the stack's providers work with. */
export const MIN_TERRAFORM_VERSION = '1.5.0';

export interface CommandResult {
  /** null when the command could not be started (not on PATH). */
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}
export type Runner = (command: string, args: readonly string[]) => CommandResult;

/** Runs commands as the deployer would, with `env` (its PATH finds terraform and gcloud). */
export function systemRunner(env: NodeJS.ProcessEnv): Runner {
  return (command, args) => {
    const result = spawnSync(command, args, { env, encoding: 'utf8' });
    return {
      status: result.error === undefined ? result.status : null,
      stdout: result.stdout ?? '',
      stderr: result.stderr ?? '',
    };
  };
}

function versionAtLeast(version: string, minimum: string): boolean {
  const [a, b] = [version, minimum].map((text) => text.split('.').map((part) => Number.parseInt(part, 10) || 0));
  for (let i = 0; i < 3; i++) if ((a?.[i] ?? 0) !== (b?.[i] ?? 0)) return (a?.[i] ?? 0) > (b?.[i] ?? 0);
  return true;
}

const firstLine = (result: CommandResult) => (result.stderr.trim() || result.stdout.trim()).split('\n')[0] ?? '';

function terraformProblems(run: Runner): string[] {
  const result = run('terraform', ['version', '-json']);
  const install = 'install it from https://developer.hashicorp.com/terraform/install';
  if (result.status === null) return [`the Terraform CLI is not on PATH: ${install}`];
  let version: string | undefined;
  try {
    version = (JSON.parse(result.stdout) as { terraform_version?: string }).terraform_version;
  } catch {
    version = undefined;
  }
  if (result.status !== 0 || version === undefined)
    return [`terraform version -json failed (${firstLine(result)}): reinstall Terraform; ${install}`];
  if (!versionAtLeast(version, MIN_TERRAFORM_VERSION))
    return [`Terraform ${version} is too old: Sluice needs ${MIN_TERRAFORM_VERSION} or newer; ${install}`];
  return [];
}

function googleProblems(config: SluiceConfig, run: Runner, action: 'deploy' | 'destroy'): string[] {
  const project = config.project;
  const adc = run('gcloud', ['auth', 'application-default', 'print-access-token']);
  if (adc.status === null)
    return [
      'the gcloud CLI is not on PATH: install the Google Cloud CLI from https://cloud.google.com/sdk/docs/install',
    ];
  const problems: string[] = [];
  if (adc.status !== 0)
    problems.push(
      `no application-default credentials (${firstLine(adc)}): run gcloud auth application-default login (Terraform's Google provider signs in with them)`,
    );
  if (project === '') return problems;
  const described = run('gcloud', ['projects', 'describe', project, '--format=value(lifecycleState)']);
  if (described.status !== 0) {
    problems.push(
      `project ${project} cannot be read (${firstLine(described)}): check the id in project / SLUICE_PROJECT, and that your gcloud account may see it (gcloud auth login)`,
    );
    return problems;
  }
  if (described.stdout.trim() !== 'ACTIVE')
    problems.push(
      `project ${project} is ${described.stdout.trim() || 'not active'}: restore it or deploy to another project`,
    );
  if (action === 'deploy') {
    const billing = run('gcloud', ['billing', 'projects', 'describe', project, '--format=value(billingEnabled)']);
    if (billing.status !== 0 || billing.stdout.trim().toLowerCase() !== 'true')
      problems.push(
        `billing is not enabled on project ${project}${billing.status !== 0 ? ` (${firstLine(billing)})` : ''}: link a billing account with gcloud billing projects link ${project} --billing-account=<ACCOUNT_ID>`,
      );
  }
  return problems;
}

/**
 * State an earlier Sluice kept where this one does not look: deploying would plan every resource
 * anew (and fail on names that exist) instead of updating them. The deployer moves it first.
 */
function legacyStateProblems(config: SluiceConfig, backend: StateBackend, run: Runner, root: string): string[] {
  const problems: string[] = [];
  const legacyFile = join(root, LEGACY_LOCAL_STATE_FILE);
  if (existsSync(legacyFile) && !(backend.kind === 'local' && backend.file === LEGACY_LOCAL_STATE_FILE)) {
    const target =
      backend.kind === 'local'
        ? `rename it to ${backend.file}`
        : `copy it into the bucket with gcloud storage cp ${LEGACY_LOCAL_STATE_FILE} gs://${backend.bucket}/${backend.prefix}/default.tfstate (create the bucket first if deploy.state_bucket is empty: gcloud storage buckets create gs://${backend.bucket} --uniform-bucket-level-access --public-access-prevention, then gcloud storage buckets update gs://${backend.bucket} --versioning), or set deploy.local_state: true and rename it to terraform.${config.project}.${config.name_prefix}.tfstate`;
    problems.push(
      `${LEGACY_LOCAL_STATE_FILE} holds the state of an earlier deployment, which Sluice now keeps per project and name_prefix: ${target}; then move the old file away`,
    );
  }
  if (backend.kind === 'gcs' && !backend.createIfMissing) {
    const old = `gs://${backend.bucket}/${legacyGcsPrefix(config)}/default.tfstate`;
    const current = `gs://${backend.bucket}/${backend.prefix}/default.tfstate`;
    if (
      old !== current &&
      run('gcloud', ['storage', 'ls', old]).status === 0 &&
      run('gcloud', ['storage', 'ls', current]).status !== 0
    )
      problems.push(
        `${old} holds the state of an earlier deployment, which Sluice now keeps under ${backend.prefix}/: run gcloud storage cp ${old} ${current}`,
      );
  }
  return problems;
}

/** Every problem found before a deploy or destroy, each with its fix; empty when all is well. */
export function preflightProblems(
  config: SluiceConfig,
  backend: StateBackend,
  run: Runner,
  root: string,
  action: 'deploy' | 'destroy' = 'deploy',
): string[] {
  return [
    ...terraformProblems(run),
    ...googleProblems(config, run, action),
    ...legacyStateProblems(config, backend, run, root),
  ];
}

/**
 * Creates the default state bucket the first time: in the deployment's region, uniform access,
 * public access prevented, versioned (an older state can be restored after a bad apply). Returns
 * whether it created it.
 */
export function ensureStateBucket(backend: StateBackend, config: SluiceConfig, run: Runner): boolean {
  if (backend.kind !== 'gcs' || !backend.createIfMissing) return false;
  const url = `gs://${backend.bucket}`;
  if (run('gcloud', ['storage', 'buckets', 'describe', url, '--format=value(name)']).status === 0) return false;
  const steps: Array<readonly string[]> = [
    [
      'storage',
      'buckets',
      'create',
      url,
      `--project=${config.project}`,
      `--location=${config.region}`,
      '--uniform-bucket-level-access',
      '--public-access-prevention',
    ],
    ['storage', 'buckets', 'update', url, '--versioning'],
  ];
  for (const args of steps) {
    const result = run('gcloud', args);
    if (result.status !== 0)
      throw new SluiceError(
        'state_bucket',
        `could not create the Terraform state bucket ${url} (gcloud ${args.join(' ')}: ${firstLine(result)}): create it yourself, or name an existing bucket in deploy.state_bucket`,
      );
  }
  return true;
}
