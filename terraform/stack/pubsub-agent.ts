import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import type { Construct } from 'constructs';
import type { GoogleBetaProvider } from '../service-identity.ts';
import { ProjectServiceIdentity } from '../service-identity.ts';
import type { Needs } from './apis.ts';

export interface PubsubAgent {
  /** The agent as an IAM member, in the project-number form. */
  readonly member: string;
  /** The agent's existence, for the grants to it to depend on. */
  readonly identity: ProjectServiceIdentity;
}

/**
 * Pub/Sub writes to BigQuery and to dead-letter topics as its service agent
 * (https://cloud.google.com/pubsub/docs/create-bigquery-subscription, "Assign BigQuery roles").
 */
export function pubsubAgent(
  scope: Construct,
  options: { readonly project: string; readonly googleBeta: GoogleBetaProvider; readonly needs: Needs },
): PubsubAgent {
  const { project, googleBeta, needs } = options;
  const projectInfo = new DataGoogleProject(scope, 'project', {
    projectId: project,
    dependsOn: needs('cloudresourcemanager.googleapis.com'),
  });
  const member = `serviceAccount:service-${projectInfo.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
  // Enabling the API does not guarantee the agent exists yet, and granting a role to an agent
  // that does not exist fails; Google documents asking for it ahead of use ([A1]). The member
  // stays the project-number form, so existing grants are not replaced.
  const identity = new ProjectServiceIdentity(scope, 'pubsub_agent', {
    project,
    service: 'pubsub.googleapis.com',
    provider: googleBeta,
    dependsOn: needs('pubsub.googleapis.com'),
  });
  return { member, identity };
}
