import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { type ITerraformDependable, type TerraformResource, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import type { StackNames } from '../names.ts';
import type { Needs } from './apis.ts';

/** Length of the generated purge token: alphanumeric, about 190 bits, well over the collector's minimum. */
export const PURGE_TOKEN_LENGTH = 32;

/** A secret the function reads from an environment variable, at a pinned version. */
export interface FunctionSecret {
  /** The environment variable the function reads it from. */
  readonly env: string;
  readonly secret: SecretManagerSecret;
  readonly version: SecretManagerSecretVersion;
  /** What must exist before the function starts with it: the version and the function's grant. */
  readonly dependencies: readonly ITerraformDependable[];
}

export interface FunctionSecrets {
  /** The secret holding the purge route's token, which admins read to call the route. */
  readonly purgeSecret: SecretManagerSecret;
  /** The purge route's token first, then one per webhook secret_env. */
  readonly secrets: readonly FunctionSecret[];
  /** The function's accessor grants, in the same order, for the IAM wait. */
  readonly grants: readonly TerraformResource[];
}

/** The environment variables webhooks.auth reads secrets from, each once, in order. */
export function webhookSecretEnvs(config: SluiceConfig): string[] {
  return [...new Set(Object.values(config.webhooks.auth).map((auth) => auth.secret_env))].sort();
}

/** The sensitive Terraform variable that carries the secret of `secretEnv` into the stack. */
export function webhookSecretVariable(secretEnv: string): string {
  return `webhook_secret_${secretEnv.toLowerCase()}`;
}

/** The secrets the function starts with, each readable by the function alone (besides project admins). */
export function functionSecrets(
  scope: Construct,
  options: {
    readonly config: SluiceConfig;
    readonly names: StackNames;
    /** The function's service account as an IAM member. */
    readonly functionMember: string;
    readonly needs: Needs;
  },
): FunctionSecrets {
  const { names, functionMember: member, needs } = options;
  const secret = (logicalId: string, secretId: string) =>
    new SecretManagerSecret(scope, logicalId, {
      secretId,
      replication: { auto: {} },
      dependsOn: needs('secretmanager.googleapis.com'),
    });
  const readGrant = (logicalId: string, secret: SecretManagerSecret) =>
    new SecretManagerSecretIamMember(scope, logicalId, {
      secretId: secret.id,
      role: 'roles/secretmanager.secretAccessor',
      member,
    });

  // The purge route's token: generated once by Terraform, kept in Secret Manager, given to the
  // function as SLUICE_PURGE_TOKEN, and readable by the function alone (besides project admins,
  // who read it with `gcloud secrets versions access latest --secret=<name>` to call the route).
  new RandomProvider(scope, 'random');
  const purgeToken = new Password(scope, 'purge_token', { length: PURGE_TOKEN_LENGTH, special: false });
  const purgeSecret = secret('secret_purge_token', names.purgeTokenSecret);
  const purgeSecretVersion = new SecretManagerSecretVersion(scope, 'secret_purge_token_version', {
    secret: purgeSecret.id,
    secretData: purgeToken.result,
  });
  const purgeSecretGrant = readGrant('function_reads_purge_token', purgeSecret);
  const secrets: FunctionSecret[] = [
    {
      env: 'SLUICE_PURGE_TOKEN',
      secret: purgeSecret,
      version: purgeSecretVersion,
      dependencies: [purgeSecretGrant, purgeSecretVersion],
    },
  ];
  const grants: TerraformResource[] = [purgeSecretGrant];

  // Webhook secrets (webhooks.auth[*].secret_env): the collector refuses to start without them.
  // Each becomes a secret whose value is a sensitive Terraform variable, which `npm run deploy`
  // fills from the deployer's environment variable of the same name; nothing reaches cdk.tf.json.
  for (const secretEnv of webhookSecretEnvs(options.config)) {
    const variable = new TerraformVariable(scope, webhookSecretVariable(secretEnv), {
      type: 'string',
      sensitive: true,
      description: `Secret of the webhooks that webhooks.auth reads from ${secretEnv} (npm run deploy passes $${secretEnv}).`,
    });
    const id = secretEnv.toLowerCase();
    const webhookSecret = secret(`secret_webhook_${id}`, names.webhookSecret(secretEnv));
    const version = new SecretManagerSecretVersion(scope, `secret_webhook_${id}_version`, {
      secret: webhookSecret.id,
      secretData: variable.stringValue,
    });
    const grant = readGrant(`function_reads_webhook_${id}`, webhookSecret);
    secrets.push({ env: secretEnv, secret: webhookSecret, version, dependencies: [version, grant] });
    grants.push(grant);
  }
  return { purgeSecret, secrets, grants };
}
