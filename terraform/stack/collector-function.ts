import { CloudRunServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-service-iam-member/index.js';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import type { BuildIdentity } from '../build-identity.ts';
import type { StackNames } from '../names.ts';
import { terraformLiteral } from '../terraform-literal.ts';
import type { Needs } from './apis.ts';
import type { FunctionIdentity } from './iam.ts';
import type { FunctionSecret } from './secrets.ts';
import type { FunctionSource, SchemaRegistry } from './storage.ts';

/**
 * The collector: a Cloud Functions (2nd gen) function, which runs as a Cloud Run service of the
 * same name, built from the zipped bundle as the build identity and run as the function's own
 * service account, and open to unauthenticated callers when deploy.ingress is public.
 */
export function collectorFunction(
  scope: Construct,
  options: {
    readonly config: SluiceConfig;
    readonly project: string;
    readonly names: StackNames;
    readonly source: FunctionSource;
    readonly build: BuildIdentity;
    readonly identity: FunctionIdentity;
    readonly registry: SchemaRegistry;
    readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly secrets: readonly FunctionSecret[];
    /** The wait for every grant to take effect. */
    readonly iamWait: ITerraformDependable;
    readonly needs: Needs;
  },
): Cloudfunctions2Function {
  const { config, project, names, source, build, identity, registry, topics, needs } = options;
  const region = config.region;
  const registries = [
    `gs://${registry.bucket.name}`,
    ...config.registries.filter((registry) => !registry.startsWith('file://')).map(terraformLiteral),
  ];
  const collector = new Cloudfunctions2Function(scope, 'collector', {
    name: names.functionName,
    location: region,
    description: 'Sluice event collector',
    buildConfig: {
      runtime: 'nodejs22',
      entryPoint: 'collect',
      source: { storageSource: { bucket: source.bucket.name, object: source.object.name } },
      serviceAccount: build.serviceAccount.id,
      dockerRepository: build.dockerRepository,
    },
    serviceConfig: {
      serviceAccountEmail: identity.serviceAccount.email,
      availableMemory: config.deploy.function_memory,
      availableCpu: config.deploy.function_cpu,
      minInstanceCount: config.deploy.min_instances,
      maxInstanceCount: config.deploy.max_instances,
      maxInstanceRequestConcurrency: config.deploy.concurrency,
      timeoutSeconds: config.deploy.timeout_seconds,
      ingressSettings: config.deploy.ingress === 'public' ? 'ALLOW_ALL' : 'ALLOW_INTERNAL_ONLY',
      allTrafficOnLatestRevision: true,
      // The bundle carries config/sluice.yaml as config/sluice.json; these override what differs in the cloud.
      environmentVariables: {
        SLUICE_SINK: 'pubsub',
        SLUICE_PROJECT: project,
        SLUICE_REGISTRIES: registries.join(','),
        SLUICE_VALID_TOPIC: topics.valid.name,
        SLUICE_INVALID_TOPIC: topics.invalid.name,
        ...registry.databaseEnvironment,
      },
      // Pinned versions, not `latest`: an instance started after a rotation would otherwise
      // read a new value while older ones keep the old ([S1]). A new version is a new
      // revision, which every instance then shares.
      secretEnvironmentVariables: options.secrets.map(({ env, secret, version }) => ({
        key: env,
        projectId: project,
        secret: secret.secretId,
        version: version.version,
      })),
    },
    // Its first request may publish and read schemas: the grants exist before it serves.
    dependsOn: [
      ...needs(
        'cloudfunctions.googleapis.com',
        'run.googleapis.com',
        'cloudbuild.googleapis.com',
        'artifactregistry.googleapis.com',
      ),
      ...identity.publishGrants,
      identity.schemaReadGrant,
      ...registry.databaseObjects,
      ...options.secrets.flatMap(({ dependencies }) => dependencies),
      options.iamWait,
    ],
  });
  if (config.deploy.ingress === 'public') {
    // Trackers call without credentials. 2nd gen functions are Cloud Run services of the same name.
    new CloudRunServiceIamMember(scope, 'public_invoker', {
      location: region,
      service: collector.name,
      role: 'roles/run.invoker',
      member: 'allUsers',
    });
  }
  return collector;
}
