import { TimeProvider } from '@cdktf/provider-time/lib/provider/index.js';
import { TerraformStack } from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../functions/core/config/config.ts';
import { buildIdentity } from './build-identity.ts';
import { iamPropagationWait } from './iam-propagation.ts';
import { type StackNames, stackNames } from './names.ts';
import type { SchemaFile } from './schema-files.ts';
import { enableApis } from './stack/apis.ts';
import { stackBackend } from './stack/backend.ts';
import { bigqueryTables } from './stack/bigquery-tables.ts';
import { bigqueryViews } from './stack/bigquery-views.ts';
import { checkDeployConfig } from './stack/check-deploy-config.ts';
import { collectorFunction } from './stack/collector-function.ts';
import { deliveryGrants, functionIdentity } from './stack/iam.ts';
import { monitoring } from './stack/monitoring.ts';
import { stackOutputs } from './stack/outputs.ts';
import { stackProject } from './stack/project.ts';
import { googleProviders } from './stack/providers.ts';
import { pubsubAgent } from './stack/pubsub-agent.ts';
import { functionSecrets } from './stack/secrets.ts';
import { functionSource, schemaRegistry } from './stack/storage.ts';
import { subscriptions } from './stack/subscriptions.ts';
import { pubsubTopics } from './stack/topics.ts';

export interface SluiceStackProps {
  readonly config: SluiceConfig;
  /** Every file under schemas/, uploaded to the schema bucket and turned into typed views. */
  readonly schemaFiles: readonly SchemaFile[];
  /** The bundled function (`npm run bundle` -> dist/function), zipped as the function's source. */
  readonly functionSourceDir: string;
  /** What file:// paths in the config are relative to (the MaxMind databases); the working directory by default. */
  readonly workingDir?: string;
}

/**
 * The whole Sluice pipeline in one stack: APIs, the schema and source buckets, the collector
 * function with its own service account, the valid and invalid topics, the BigQuery dataset
 * with its tables and views, the BigQuery subscriptions with dead-letter topics, the replay
 * subscription, the alert policies and dashboard (monitoring/), and the IAM each piece needs, each
 * granted on the one resource it is for.
 *
 * Each part is a function under stack/ that creates its resources with this stack as their scope,
 * so a resource's Terraform address is its logical id alone, whichever file creates it
 * (test/terraform/golden/resource-addresses.json pins them). The order of the calls is kept:
 * cdk.tf.json lists each type's resources, and the providers, in the order they were created.
 */
export class SluiceStack extends TerraformStack {
  readonly names: StackNames;

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id);
    const { config } = props;
    checkDeployConfig(config);
    const project = stackProject(this, config);
    const names = stackNames(config, project);
    this.names = names;
    const region = config.region;

    stackBackend(this, config);
    const { googleBeta } = googleProviders(this, config, project);
    const apis = enableApis(this);
    const { needs } = apis;
    const agent = pubsubAgent(this, { project, googleBeta, needs });

    const registry = schemaRegistry(this, {
      config,
      names,
      schemaFiles: props.schemaFiles,
      workingDir: props.workingDir,
      needs,
    });
    const { topics, deadLetterTopics } = pubsubTopics(this, names, needs);
    const identity = functionIdentity(this, { names, topics, schemaBucket: registry.bucket, needs });
    const secrets = functionSecrets(this, { config, names, functionMember: identity.member, needs });
    const source = functionSource(this, { names, region, functionSourceDir: props.functionSourceDir, needs });
    const build = buildIdentity(this, {
      project,
      region,
      accountId: names.buildServiceAccountId,
      repositoryId: names.imageRepository,
      apis: {
        iam: apis.services['iam.googleapis.com'],
        artifactRegistry: apis.services['artifactregistry.googleapis.com'],
      },
    });

    const { dataset, tables } = bigqueryTables(this, { config, names, needs });
    const delivery = deliveryGrants(this, { dataset, tables, deadLetterTopics, agent });

    // One wait after every grant the function and the BigQuery subscriptions rely on, before they use them.
    new TimeProvider(this, 'time');
    const iamWait = iamPropagationWait(this, [
      ...identity.publishGrants,
      identity.schemaReadGrant,
      ...secrets.grants,
      ...build.grants,
      ...(['valid', 'invalid'] as const).flatMap((kind) => [delivery[kind].write, delivery[kind].deadLetter]),
    ]);

    const collector = collectorFunction(this, {
      config,
      project,
      names,
      source,
      build,
      identity,
      registry,
      topics,
      secrets: secrets.secrets,
      iamWait,
      needs,
    });
    const { views, dedupedFunction } = bigqueryViews(this, {
      project,
      names,
      schemaFiles: props.schemaFiles,
      dataset,
      eventsTable: tables.valid,
    });
    const replay = subscriptions(this, {
      names,
      topics,
      deadLetterTopics,
      tables,
      deliveryGrants: delivery,
      agent,
      iamWait,
    });
    const { policies, dashboard } = monitoring(this, { config, names, project, needs });

    stackOutputs(this, {
      names,
      collector,
      topics,
      replay,
      purgeSecret: secrets.purgeSecret,
      schemaBucket: registry.bucket,
      dashboard,
      policies,
      dataset,
      views,
      dedupedFunction,
    });
  }
}
