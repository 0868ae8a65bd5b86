import { ArtifactRegistryRepository } from '@cdktf/provider-google/lib/artifact-registry-repository/index.js';
import { ArtifactRegistryRepositoryIamMember } from '@cdktf/provider-google/lib/artifact-registry-repository-iam-member/index.js';
import { ProjectIamMember } from '@cdktf/provider-google/lib/project-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { ITerraformDependable, TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';

/**
 * The roles Google documents for a function's own build service account, and where each is
 * granted (sources in test/support/google-deploy-behaviour.ts, [B1]-[B3]):
 * - logs: the build writes its log to Cloud Logging; log writing is granted on projects only;
 * - images: the built image goes to an Artifact Registry repository; the stack makes its own
 *   (build_config.docker_repository) so the grant sits on that repository alone;
 * - source: the build downloads the source from the gcf-v2-sources-<number>-<region> bucket that
 *   Cloud Functions creates and copies the source into, so object read is granted on the project
 *   (the bucket does not exist before the first function).
 */
export const BUILD_ROLES = {
  logs: 'roles/logging.logWriter',
  images: 'roles/artifactregistry.writer',
  source: 'roles/storage.objectViewer',
} as const;

export interface BuildIdentity {
  readonly serviceAccount: ServiceAccount;
  /** `projects/<p>/locations/<r>/repositories/<id>`, as build_config.docker_repository takes it. */
  readonly dockerRepository: string;
  /** The grants the build needs, for the function (through the IAM wait) to depend on. */
  readonly grants: readonly TerraformResource[];
}

/**
 * A service account the function builds as, instead of the project's default build account: in
 * projects created since mid-2024 that is the Compute Engine default account, which "secure by
 * default" organizations leave without roles, so the build would fail there.
 */
export function buildIdentity(
  scope: Construct,
  options: {
    project: string;
    region: string;
    accountId: string;
    repositoryId: string;
    apis: { iam: ITerraformDependable; artifactRegistry: ITerraformDependable };
  },
): BuildIdentity {
  const serviceAccount = new ServiceAccount(scope, 'build_service_account', {
    accountId: options.accountId,
    displayName: 'Sluice collector build',
    description:
      "Builds the Sluice collector function's image with Cloud Build: writes build logs and the image, reads the source.",
    dependsOn: [options.apis.iam],
  });
  const member = `serviceAccount:${serviceAccount.email}`;
  const repository = new ArtifactRegistryRepository(scope, 'function_images', {
    repositoryId: options.repositoryId,
    location: options.region,
    format: 'DOCKER',
    description: 'Images of the Sluice collector function, built by Cloud Build.',
    dependsOn: [options.apis.artifactRegistry],
  });
  const grants = [
    new ProjectIamMember(scope, 'build_writes_logs', { project: options.project, role: BUILD_ROLES.logs, member }),
    new ProjectIamMember(scope, 'build_reads_source', { project: options.project, role: BUILD_ROLES.source, member }),
    new ArtifactRegistryRepositoryIamMember(scope, 'build_writes_images', {
      location: repository.location,
      repository: repository.name,
      role: BUILD_ROLES.images,
      member,
    }),
  ];
  return { serviceAccount, dockerRepository: repository.id, grants };
}
