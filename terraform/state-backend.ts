import type { SluiceConfig } from '../functions/core/config/config.ts';

/**
 * Where the Terraform state of one deployment lives. Each deployment (project and name_prefix)
 * has its own state, so a second environment deployed from the same checkout plans only its own
 * resources instead of destroying the first's.
 *
 * - By default a GCS bucket: deploy.state_bucket, or `<project>-sluice-tfstate`, which
 *   `npm run deploy` creates once (versioned, uniform access, public access prevented), under the
 *   prefix `<project>/<name_prefix>`. The state holds the generated purge token and the webhook
 *   secrets (the provider keeps secret values in state), so the bucket is readable only by those
 *   the project's IAM lets in.
 * - deploy.local_state: a file at the repository root, `terraform.<project>.<name_prefix>.tfstate`.
 */
export type StateBackend =
  | { readonly kind: 'gcs'; readonly bucket: string; readonly prefix: string; readonly createIfMissing: boolean }
  | { readonly kind: 'local'; readonly file: string };

/** The bucket npm run deploy creates for a project whose config names none. */
export function defaultStateBucket(project: string): string {
  return `${project}-sluice-tfstate`;
}

/** The state file this repository used before states were keyed (at the repository root). */
export const LEGACY_LOCAL_STATE_FILE = 'terraform.sluice.tfstate';

/** The GCS prefix used before states were keyed by project. */
export function legacyGcsPrefix(config: SluiceConfig): string {
  return `${config.name_prefix}/terraform`;
}

/**
 * The backend of the deployment `config` describes. Without a project (`npm run synth` on a clean
 * clone) no bucket can be named, since a Terraform backend cannot use variables: the state is then
 * the local file `terraform.<name_prefix>.tfstate`. `npm run deploy` always knows the project.
 */
export function stateBackend(config: SluiceConfig): StateBackend {
  const { project, name_prefix: prefix } = config;
  if (config.deploy.local_state || (project === '' && config.deploy.state_bucket === ''))
    return {
      kind: 'local',
      file: project === '' ? `terraform.${prefix}.tfstate` : `terraform.${project}.${prefix}.tfstate`,
    };
  const keyed = project === '' ? prefix : `${project}/${prefix}`;
  return config.deploy.state_bucket !== ''
    ? { kind: 'gcs', bucket: config.deploy.state_bucket, prefix: keyed, createIfMissing: false }
    : { kind: 'gcs', bucket: defaultStateBucket(project), prefix: keyed, createIfMissing: true };
}
