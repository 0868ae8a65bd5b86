import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';

/**
 * The project comes from the config (project / SLUICE_PROJECT / GOOGLE_CLOUD_PROJECT). When none
 * is set, the synthesized Terraform asks for it as the variable project_id, so that
 * `npm run synth` works on a clean clone and cdk.tf.json stays free of any project. Returns the
 * project id or the variable's reference.
 */
export function stackProject(scope: Construct, config: SluiceConfig): string {
  return config.project !== ''
    ? config.project
    : new TerraformVariable(scope, 'project_id', {
        type: 'string',
        description:
          'Google Cloud project to deploy Sluice into (set project in config/sluice.yaml, or SLUICE_PROJECT, to fix it at synth time).',
      }).stringValue;
}
