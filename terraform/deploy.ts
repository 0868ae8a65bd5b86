/**
 * `npm run deploy` / `npm run destroy`: runs `cdktf deploy|destroy` on the Sluice stack, then
 * (deploy) prints the collector's URL.
 *
 * cdktf-cli is not a project dependency: it is about 420 MB in 340 packages with a native
 * install script (close to a minute to install on a 2-core machine), which every `npm install`
 * and CI run would pay for while only a deploy needs it. `npx --yes` fetches it once into npm's
 * cache on the first deploy. The synthesized cdk.tf.json is plain Terraform: `terraform apply` in
 * cdktf.out/stacks/sluice does the same without cdktf-cli (CDKTF was archived in December 2025).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../functions/adapters/config/load-config.ts';
import type { SluiceConfig } from '../functions/core/config/config.ts';
import { SluiceError } from '../functions/core/errors.ts';
import { STACK_NAME } from './main.ts';
import { ensureStateBucket, preflightProblems, systemRunner } from './preflight.ts';
import { webhookSecretEnvs, webhookSecretVariable } from './stack/secrets.ts';
import { stateBackend } from './state-backend.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
/** The CLI release that matches the cdktf library the app is built with. */
export const CDKTF_CLI = 'cdktf-cli@0.21.0';
export const OUTPUTS_FILE = join('cdktf.out', 'outputs.json');

export type Action = 'deploy' | 'destroy';

/** The command line that deploys or destroys the stack. */
export function cdktfArguments(action: Action): string[] {
  const common = ['--yes', CDKTF_CLI, action, STACK_NAME, '--auto-approve'];
  return action === 'deploy' ? [...common, '--outputs-file', OUTPUTS_FILE] : common;
}

/**
 * Terraform reads a variable `v` from `TF_VAR_v`: each webhook secret goes from the deployer's
 * environment variable that webhooks.auth names into the stack's sensitive variable.
 */
export function webhookSecretVariables(
  config: SluiceConfig,
  env: NodeJS.ProcessEnv,
  action: Action = 'deploy',
): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const secretEnv of webhookSecretEnvs(config)) {
    const value = env[secretEnv];
    if (value !== undefined && value !== '') variables[`TF_VAR_${webhookSecretVariable(secretEnv)}`] = value;
    // Terraform wants a value for every variable, even to destroy what uses it; the value is
    // not read then, so a destroy does not make the deployer find the secret again.
    else if (action === 'destroy') variables[`TF_VAR_${webhookSecretVariable(secretEnv)}`] = DESTROY_PLACEHOLDER;
  }
  return variables;
}

const DESTROY_PLACEHOLDER = 'not-needed-to-destroy';

/** What the configuration and environment must give before anything runs; each problem says how to fix it. */
export function deployProblems(config: SluiceConfig, env: NodeJS.ProcessEnv = {}, root: string = ROOT): string[] {
  const problems: string[] = [];
  for (const secretEnv of webhookSecretEnvs(config)) {
    if ((env[secretEnv] ?? '') === '') {
      problems.push(
        `webhooks.auth reads a secret from ${secretEnv}, which is not set: run ${secretEnv}=<the webhook's secret> npm run deploy (it is stored in Secret Manager, never in the Terraform JSON)`,
      );
    }
  }
  for (const kind of ['geo', 'asn'] as const) {
    const url = config.enrichments[kind].database;
    if (url.startsWith('file://') && !existsSync(resolve(root, url.slice('file://'.length)))) {
      problems.push(
        `enrichments.${kind}.database is ${url}, which does not exist: download the database from MaxMind and fix the path (it is uploaded to the schema bucket), or set it to "" to deploy without it`,
      );
    }
  }
  if (config.project === '') {
    problems.push(
      'no Google Cloud project: set project in config/sluice.yaml, or run SLUICE_PROJECT=<project-id> npm run deploy',
    );
  }
  return problems;
}

/** The collector URL from the outputs file cdktf deploy writes ({"sluice": {"collector_url": …}}). */
export function collectorUrlFrom(outputsJson: string): string {
  const outputs = JSON.parse(outputsJson) as Record<string, Record<string, unknown> | undefined>;
  const url = outputs[STACK_NAME]?.collector_url;
  if (typeof url !== 'string' || url === '')
    throw new SluiceError(
      'deploy_outputs',
      `the deploy wrote no collector_url output for stack ${STACK_NAME} into ${OUTPUTS_FILE}`,
    );
  return url;
}

/**
 * The whole of `npm run deploy|destroy`: the checks first (nothing changes while one fails), then
 * the state bucket on a first deploy, then cdktf. Exported for the test that runs it against fake
 * terraform, gcloud and npx executables.
 */
export function main(action: Action, env: NodeJS.ProcessEnv = process.env, root: string = ROOT): number {
  const config = loadConfig(env, root);
  const backend = stateBackend(config);
  const run = systemRunner(env);
  const problems = [
    ...deployProblems(config, action === 'deploy' ? env : {}, root),
    ...preflightProblems(config, backend, run, root, action),
  ];
  if (problems.length > 0) {
    console.error(`cannot ${action} Sluice, nothing was changed:\n  - ${problems.join('\n  - ')}`);
    return 1;
  }
  if (action === 'deploy') {
    try {
      if (ensureStateBucket(backend, config, run) && backend.kind === 'gcs')
        console.log(`created the Terraform state bucket gs://${backend.bucket} (versioned)`);
    } catch (error) {
      console.error(error instanceof Error ? error.message : String(error));
      return 1;
    }
  }
  const cdktf = spawnSync('npx', cdktfArguments(action), {
    cwd: root,
    stdio: 'inherit',
    env: { ...env, ...webhookSecretVariables(config, env, action), CHECKPOINT_DISABLE: '1' },
  });
  if (cdktf.status !== 0) return cdktf.status ?? 1;
  if (action === 'deploy') {
    console.log(
      `\nSluice is deployed. Collector URL: ${collectorUrlFrom(readFileSync(join(root, OUTPUTS_FILE), 'utf8'))}`,
    );
  }
  return 0;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const action = process.argv[2];
  if (action !== 'deploy' && action !== 'destroy') {
    console.error('usage: node terraform/deploy.ts deploy|destroy');
    process.exitCode = 2;
  } else {
    process.exitCode = main(action);
  }
}
