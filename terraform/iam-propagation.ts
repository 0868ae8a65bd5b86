import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import type { TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * How long the stack waits after its grants before using them. IAM changes are eventually
 * consistent: "typically 2 minutes" ([I1] in test/support/google-deploy-behaviour.ts). Creating a
 * BigQuery subscription checks that Pub/Sub may write the table, and deploying the function
 * checks its secrets and runs its build; either can fail with 403 seconds after the grant (the
 * provider's own test of the subscription pattern failed about a third of its runs, [I2]).
 */
export const IAM_PROPAGATION_WAIT = '120s';

/**
 * A `time_sleep` that ends IAM_PROPAGATION_WAIT after every grant in `grants` exists. Its
 * triggers are the grants' ids, so it waits again only when a grant is new or replaced: an apply
 * that changes no grant does not wait.
 */
export function iamPropagationWait(scope: Construct, grants: readonly TerraformResource[]): Sleep {
  return new Sleep(scope, 'iam_propagation', {
    createDuration: IAM_PROPAGATION_WAIT,
    triggers: Object.fromEntries(grants.map((grant) => [grant.friendlyUniqueId, grant.getStringAttribute('id')])),
  });
}
