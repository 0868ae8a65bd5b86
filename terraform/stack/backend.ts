import { GcsBackend, LocalBackend } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { stateBackend } from '../state-backend.ts';

/** From cdktf.out/stacks/sluice/, where Terraform runs, to the repository root. */
export const FROM_STACK_DIR_TO_ROOT = '../../../';

/** The Terraform backend of the deployment `config` describes (see state-backend.ts). */
export function stackBackend(scope: Construct, config: SluiceConfig): void {
  const backend = stateBackend(config);
  if (backend.kind === 'gcs') {
    new GcsBackend(scope, { bucket: backend.bucket, prefix: backend.prefix });
  } else {
    // Relative to cdktf.out/stacks/sluice/, where Terraform runs: the state file lands in the
    // repository root (git-ignored), and cdk.tf.json holds no path of the machine it came from.
    new LocalBackend(scope, { path: `${FROM_STACK_DIR_TO_ROOT}${backend.file}` });
  }
}
