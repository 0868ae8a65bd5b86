// Each resource from its own module: the package root loads every resource of the provider
// (about 1,000) and takes seconds.

import { basename, resolve } from 'node:path';
import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import { BigqueryRoutine } from '@cdktf/provider-google/lib/bigquery-routine/index.js';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import { BigqueryTableIamMember } from '@cdktf/provider-google/lib/bigquery-table-iam-member/index.js';
import { CloudRunServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-service-iam-member/index.js';
import { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { DataGoogleProject } from '@cdktf/provider-google/lib/data-google-project/index.js';
import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import { SecretManagerSecretIamMember } from '@cdktf/provider-google/lib/secret-manager-secret-iam-member/index.js';
import { SecretManagerSecretVersion } from '@cdktf/provider-google/lib/secret-manager-secret-version/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import { StorageBucketObject } from '@cdktf/provider-google/lib/storage-bucket-object/index.js';
import { Password } from '@cdktf/provider-random/lib/password/index.js';
import { RandomProvider } from '@cdktf/provider-random/lib/provider/index.js';
import { TimeProvider } from '@cdktf/provider-time/lib/provider/index.js';
import {
  AssetType,
  Fn,
  GcsBackend,
  type ITerraformDependable,
  LocalBackend,
  TerraformAsset,
  TerraformOutput,
  type TerraformResource,
  TerraformStack,
  TerraformVariable,
} from 'cdktf';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../functions/core/config/config.ts';
import { envNameFor } from '../functions/core/config/env-overrides.ts';
import type { RowKind } from '../functions/core/contract/columns.ts';
import { TABLE_NAMES, tableSchema } from '../functions/core/contract/table-schema.ts';
import { SluiceError } from '../functions/core/errors.ts';
import { buildIdentity } from './build-identity.ts';
import { iamPropagationWait } from './iam-propagation.ts';
import { alertPolicies } from './monitoring/alert-policies.ts';
import { monitoringDashboard } from './monitoring/dashboard.ts';
import { notificationChannels } from './monitoring/notification-channels.ts';
import { type StackNames, stackNames } from './names.ts';
import type { SchemaFile } from './schema-files.ts';
import { GoogleBetaProvider, ProjectServiceIdentity } from './service-identity.ts';
import { stateBackend } from './state-backend.ts';
import { terraformLiteral } from './terraform-literal.ts';
import {
  DEDUPED_FUNCTION_ARGUMENTS,
  DEDUPED_FUNCTION_NAME,
  DEDUPED_VIEW_NAME,
  dedupedFunctionSql,
  dedupedViewSql,
} from './views/deduped-view.ts';
import { typedViews } from './views/typed-view.ts';

export interface SluiceStackProps {
  readonly config: SluiceConfig;
  /** Every file under schemas/, uploaded to the schema bucket and turned into typed views. */
  readonly schemaFiles: readonly SchemaFile[];
  /** The bundled function (`npm run bundle` -> dist/function), zipped as the function's source. */
  readonly functionSourceDir: string;
  /** What file:// paths in the config are relative to (the MaxMind databases); the working directory by default. */
  readonly workingDir?: string;
}

/** The Google Cloud APIs the stack uses. They stay enabled on destroy: other things may use them. */
export const REQUIRED_APIS = [
  'artifactregistry.googleapis.com', // Cloud Functions (2nd gen) stores the built image here
  'bigquery.googleapis.com',
  'cloudbuild.googleapis.com', // builds the function from its source
  'cloudfunctions.googleapis.com',
  'cloudresourcemanager.googleapis.com', // the google_project data source (project number)
  'iam.googleapis.com', // the function's service account
  'monitoring.googleapis.com', // alert policies, notification channels, the dashboard
  'pubsub.googleapis.com',
  'run.googleapis.com', // 2nd gen functions run on Cloud Run
  'secretmanager.googleapis.com', // the purge route's token
  'storage.googleapis.com',
] as const;
type Api = (typeof REQUIRED_APIS)[number];

/** From cdktf.out/stacks/sluice/, where Terraform runs, to the repository root. */
export const FROM_STACK_DIR_TO_ROOT = '../../../';

/** Folder of the schema bucket that holds the uploaded MaxMind databases (not an Iglu path). */
export const ENRICHMENT_DATABASE_PREFIX = 'enrichments';

/** Stands for the project in generated SQL until it is escaped; no generated SQL can contain it. */
const SQL_PROJECT_STAND_IN = '\u0000project\u0000';

/** Clustering of each table: the columns queries filter on most, in that order. */
export const CLUSTERING: Readonly<Record<RowKind, readonly string[]>> = {
  valid: ['schema', 'event_name', 'app_id'],
  invalid: ['error_type', 'schema', 'protocol'],
};

/**
 * A BigQuery subscription's delivery attempts before a message goes to its dead-letter topic.
 * Failed writes are retried with backoff (RETRY_BACKOFF) first, so a short BigQuery outage does
 * not dead-letter anything; a message that fails ten times is one BigQuery will not take.
 */
export const MAX_DELIVERY_ATTEMPTS = 10;
export const RETRY_BACKOFF = { minimumBackoff: '10s', maximumBackoff: '600s' } as const;
/** How long the replay subscription keeps acknowledged messages for a seek: 7 days. */
export const SEVEN_DAYS = '604800s';
/**
 * Pub/Sub's longest subscription message retention, 31 days
 * (https://cloud.google.com/pubsub/docs/subscription-properties#message_retention_duration): what
 * BigQuery refused waits this long for a fix and a redrive before Pub/Sub drops it.
 */
export const DEAD_LETTER_RETENTION_DAYS = 31;
export const DEAD_LETTER_RETENTION = `${DEAD_LETTER_RETENTION_DAYS * 24 * 60 * 60}s`;
/** Length of the generated purge token: alphanumeric, about 190 bits, well over the collector's minimum. */
export const PURGE_TOKEN_LENGTH = 32;
/**
 * An empty TTL means "never expire". Without it Pub/Sub deletes a subscription after 31 days
 * without activity (https://cloud.google.com/pubsub/docs/subscription-properties#expiration_period),
 * which would silently stop a quiet invalid_events pipeline or the dead-letter holds.
 */
const NEVER_EXPIRE = { ttl: '' } as const;

/**
 * The whole Sluice pipeline in one stack: APIs, the schema and source buckets, the collector
 * function with its own service account, the valid and invalid topics, the BigQuery dataset
 * with its tables and views, the BigQuery subscriptions with dead-letter topics, the replay
 * subscription, the alert policies and dashboard (monitoring/), and the IAM each piece needs, each
 * granted on the one resource it is for.
 */
export class SluiceStack extends TerraformStack {
  readonly names: StackNames;

  constructor(scope: Construct, id: string, props: SluiceStackProps) {
    super(scope, id);
    const { config } = props;
    checkDeployConfig(config);

    // The project comes from the config (project / SLUICE_PROJECT / GOOGLE_CLOUD_PROJECT). When
    // none is set, the synthesized Terraform asks for it as the variable project_id, so that
    // `npm run synth` works on a clean clone and cdk.tf.json stays free of any project.
    const project =
      config.project !== ''
        ? config.project
        : new TerraformVariable(this, 'project_id', {
            type: 'string',
            description:
              'Google Cloud project to deploy Sluice into (set project in config/sluice.yaml, or SLUICE_PROJECT, to fix it at synth time).',
          }).stringValue;
    const names = stackNames(config, project);
    this.names = names;
    const region = config.region;

    const backend = stateBackend(config);
    if (backend.kind === 'gcs') {
      new GcsBackend(this, { bucket: backend.bucket, prefix: backend.prefix });
    } else {
      // Relative to cdktf.out/stacks/sluice/, where Terraform runs: the state file lands in the
      // repository root (git-ignored), and cdk.tf.json holds no path of the machine it came from.
      new LocalBackend(this, { path: `${FROM_STACK_DIR_TO_ROOT}${backend.file}` });
    }
    // With user credentials (gcloud auth application-default login) some APIs bill quota to the
    // credentials' own quota project, or refuse without one; these settings bill the deployed
    // project instead ([Q1] in test/support/google-deploy-behaviour.ts).
    const quota = { userProjectOverride: true, billingProject: project };
    new GoogleProvider(this, 'google', {
      project,
      region,
      ...quota,
      ...(Object.keys(config.labels).length > 0 ? { defaultLabels: { ...config.labels } } : {}),
    });
    const googleBeta = new GoogleBetaProvider(this, 'google-beta', { project, region, ...quota });

    const apis = Object.fromEntries(
      REQUIRED_APIS.map((api) => [
        api,
        new ProjectService(this, `api_${api.split('.')[0]}`, {
          service: api,
          disableOnDestroy: false,
          disableDependentServices: false,
        }),
      ]),
    ) as Record<Api, ProjectService>;
    const needs = (...list: Api[]): ITerraformDependable[] => list.map((api) => apis[api]);

    const projectInfo = new DataGoogleProject(this, 'project', {
      projectId: project,
      dependsOn: needs('cloudresourcemanager.googleapis.com'),
    });
    // Pub/Sub writes to BigQuery and to dead-letter topics as its service agent
    // (https://cloud.google.com/pubsub/docs/create-bigquery-subscription, "Assign BigQuery roles").
    const pubsubAgent = `serviceAccount:service-${projectInfo.number}@gcp-sa-pubsub.iam.gserviceaccount.com`;
    // Enabling the API does not guarantee the agent exists yet, and granting a role to an agent
    // that does not exist fails; Google documents asking for it ahead of use ([A1]). The member
    // stays the project-number form, so existing grants are not replaced.
    const pubsubAgentIdentity = new ProjectServiceIdentity(this, 'pubsub_agent', {
      project,
      service: 'pubsub.googleapis.com',
      provider: googleBeta,
      dependsOn: needs('pubsub.googleapis.com'),
    });
    // Every grant the function and the BigQuery subscriptions rely on, for the IAM wait.
    const grantsToWaitFor: TerraformResource[] = [];

    // ---- schema bucket: every file under schemas/ at its Iglu path ----
    const schemaBucket = new StorageBucket(this, 'bucket_schemas', {
      name: names.schemaBucket,
      location: region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      versioning: { enabled: true },
      // The bucket holds copies of schemas/ from the repository: destroy may empty it.
      forceDestroy: true,
      dependsOn: needs('storage.googleapis.com'),
    });
    for (const file of props.schemaFiles) {
      // The content is inlined (schemas are small), so cdk.tf.json is self-contained and a
      // changed file shows up in the plan as a changed object.
      new StorageBucketObject(this, `schema_${file.path.replace(/[^A-Za-z0-9]/g, '_')}`, {
        bucket: schemaBucket.name,
        name: file.path,
        content: terraformLiteral(file.text),
        contentType: 'application/json',
      });
    }

    // ---- MaxMind databases: a file:// one is uploaded next to the schemas, where the function reads it ----
    const databaseEnvironment: Record<string, string> = {};
    const databaseObjects: StorageBucketObject[] = [];
    for (const kind of ['geo', 'asn'] as const) {
      const url = config.enrichments[kind].database;
      if (!url.startsWith('file://')) continue;
      const file = resolve(props.workingDir ?? process.cwd(), url.slice('file://'.length));
      const name = `${ENRICHMENT_DATABASE_PREFIX}/${kind}/${basename(file)}`;
      databaseObjects.push(
        new StorageBucketObject(this, `enrichment_${kind}_database`, {
          bucket: schemaBucket.name,
          name,
          // Read by Terraform at plan time (its MD5 shows a changed database in the plan); too
          // big to inline like the schemas.
          source: file,
          contentType: 'application/octet-stream',
        }),
      );
      databaseEnvironment[envNameFor(['enrichments', kind, 'database'])] = `gs://${schemaBucket.name}/${name}`;
    }

    // ---- topics ----
    const topic = (logicalId: string, name: string) =>
      new PubsubTopic(this, logicalId, { name, dependsOn: needs('pubsub.googleapis.com') });
    const topics: Record<RowKind, PubsubTopic> = {
      valid: topic('topic_valid', names.validTopic),
      invalid: topic('topic_invalid', names.invalidTopic),
    };
    const deadLetterTopics: Record<RowKind, PubsubTopic> = {
      valid: topic('topic_valid_dead_letter', names.deadLetterTopics.valid),
      invalid: topic('topic_invalid_dead_letter', names.deadLetterTopics.invalid),
    };

    // ---- the collector function and its least-privilege service account ----
    const serviceAccount = new ServiceAccount(this, 'function_service_account', {
      accountId: names.serviceAccountId,
      displayName: 'Sluice collector function',
      description: 'Runs the Sluice collector: publishes to its two topics and reads the schema bucket, nothing else.',
      dependsOn: needs('iam.googleapis.com'),
    });
    const functionMember = `serviceAccount:${serviceAccount.email}`;
    const publishGrants: TerraformResource[] = (['valid', 'invalid'] as const).map(
      (kind) =>
        new PubsubTopicIamMember(this, `function_publishes_${kind}`, {
          topic: topics[kind].name,
          role: 'roles/pubsub.publisher',
          member: functionMember,
        }),
    );
    const schemaReadGrant = new StorageBucketIamMember(this, 'function_reads_schemas', {
      bucket: schemaBucket.name,
      role: 'roles/storage.objectViewer',
      member: functionMember,
    });

    // The purge route's token: generated once by Terraform, kept in Secret Manager, given to the
    // function as SLUICE_PURGE_TOKEN, and readable by the function alone (besides project admins,
    // who read it with `gcloud secrets versions access latest --secret=<name>` to call the route).
    new RandomProvider(this, 'random');
    const purgeToken = new Password(this, 'purge_token', { length: PURGE_TOKEN_LENGTH, special: false });
    const purgeSecret = new SecretManagerSecret(this, 'secret_purge_token', {
      secretId: names.purgeTokenSecret,
      replication: { auto: {} },
      dependsOn: needs('secretmanager.googleapis.com'),
    });
    const purgeSecretVersion = new SecretManagerSecretVersion(this, 'secret_purge_token_version', {
      secret: purgeSecret.id,
      secretData: purgeToken.result,
    });
    const purgeSecretGrant = new SecretManagerSecretIamMember(this, 'function_reads_purge_token', {
      secretId: purgeSecret.id,
      role: 'roles/secretmanager.secretAccessor',
      member: functionMember,
    });
    grantsToWaitFor.push(...publishGrants, schemaReadGrant, purgeSecretGrant);

    // Webhook secrets (webhooks.auth[*].secret_env): the collector refuses to start without them.
    // Each becomes a secret whose value is a sensitive Terraform variable, which `npm run deploy`
    // fills from the deployer's environment variable of the same name; nothing reaches cdk.tf.json.
    const webhookSecrets = webhookSecretEnvs(config).map((secretEnv) => {
      const variable = new TerraformVariable(this, webhookSecretVariable(secretEnv), {
        type: 'string',
        sensitive: true,
        description: `Secret of the webhooks that webhooks.auth reads from ${secretEnv} (npm run deploy passes $${secretEnv}).`,
      });
      const secret = new SecretManagerSecret(this, `secret_webhook_${secretEnv.toLowerCase()}`, {
        secretId: names.webhookSecret(secretEnv),
        replication: { auto: {} },
        dependsOn: needs('secretmanager.googleapis.com'),
      });
      const version = new SecretManagerSecretVersion(this, `secret_webhook_${secretEnv.toLowerCase()}_version`, {
        secret: secret.id,
        secretData: variable.stringValue,
      });
      const grant = new SecretManagerSecretIamMember(this, `function_reads_webhook_${secretEnv.toLowerCase()}`, {
        secretId: secret.id,
        role: 'roles/secretmanager.secretAccessor',
        member: functionMember,
      });
      grantsToWaitFor.push(grant);
      return { secretEnv, secret, version, dependencies: [version, grant] };
    });

    const sourceBucket = new StorageBucket(this, 'bucket_source', {
      name: names.sourceBucket,
      location: region,
      uniformBucketLevelAccess: true,
      publicAccessPrevention: 'enforced',
      forceDestroy: true,
      dependsOn: needs('storage.googleapis.com'),
    });
    const asset = new TerraformAsset(this, 'function_source', {
      path: props.functionSourceDir,
      type: AssetType.ARCHIVE,
    });
    // Named by content hash: a changed bundle is a new object, which makes Terraform rebuild the function.
    const sourceObject = new StorageBucketObject(this, 'function_source_object', {
      bucket: sourceBucket.name,
      name: `collector-${asset.assetHash}.zip`,
      source: asset.path,
    });

    const build = buildIdentity(this, {
      project,
      region,
      accountId: names.buildServiceAccountId,
      repositoryId: names.imageRepository,
      apis: { iam: apis['iam.googleapis.com'], artifactRegistry: apis['artifactregistry.googleapis.com'] },
    });
    grantsToWaitFor.push(...build.grants);

    // ---- BigQuery: dataset, tables from the contract ----
    const dataset = new BigqueryDataset(this, 'bigquery_dataset', {
      datasetId: names.dataset,
      location: config.bigquery.location,
      description:
        'Sluice events: the events and invalid_events tables written by Pub/Sub BigQuery subscriptions, and views over them.',
      deleteContentsOnDestroy: !config.bigquery.deletion_protection,
      dependsOn: needs('bigquery.googleapis.com'),
    });
    const expirationMs = config.bigquery.partition_expiration_days * 24 * 60 * 60 * 1000;
    const tables: Record<RowKind, BigqueryTable> = {
      valid: this.table('table_events', 'valid', dataset, config, expirationMs),
      invalid: this.table('table_invalid_events', 'invalid', dataset, config, expirationMs),
    };

    // ---- what Pub/Sub needs to deliver: table writes and dead-letter publishing ----
    const deliveryGrants = Object.fromEntries(
      (['valid', 'invalid'] as const).map((kind) => {
        const write = new BigqueryTableIamMember(this, `pubsub_writes_${TABLE_NAMES[kind]}`, {
          datasetId: dataset.datasetId,
          tableId: tables[kind].tableId,
          role: 'roles/bigquery.dataEditor',
          member: pubsubAgent,
          dependsOn: [pubsubAgentIdentity],
        });
        const deadLetter = new PubsubTopicIamMember(this, `pubsub_publishes_${kind}_dead_letter`, {
          topic: deadLetterTopics[kind].name,
          role: 'roles/pubsub.publisher',
          member: pubsubAgent,
          dependsOn: [pubsubAgentIdentity],
        });
        grantsToWaitFor.push(write, deadLetter);
        return [kind, { write, deadLetter }];
      }),
    ) as Record<RowKind, { write: BigqueryTableIamMember; deadLetter: PubsubTopicIamMember }>;

    // One wait after every grant above, before the function and the BigQuery subscriptions use them.
    new TimeProvider(this, 'time');
    const iamWait = iamPropagationWait(this, grantsToWaitFor);

    const registries = [
      `gs://${schemaBucket.name}`,
      ...config.registries.filter((registry) => !registry.startsWith('file://')).map(terraformLiteral),
    ];
    const collector = new Cloudfunctions2Function(this, 'collector', {
      name: names.functionName,
      location: region,
      description: 'Sluice event collector',
      buildConfig: {
        runtime: 'nodejs22',
        entryPoint: 'collect',
        source: { storageSource: { bucket: sourceBucket.name, object: sourceObject.name } },
        serviceAccount: build.serviceAccount.id,
        dockerRepository: build.dockerRepository,
      },
      serviceConfig: {
        serviceAccountEmail: serviceAccount.email,
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
          ...databaseEnvironment,
        },
        secretEnvironmentVariables: [
          // Pinned versions, not `latest`: an instance started after a rotation would otherwise
          // read a new value while older ones keep the old ([S1]). A new version is a new
          // revision, which every instance then shares.
          {
            key: 'SLUICE_PURGE_TOKEN',
            projectId: project,
            secret: purgeSecret.secretId,
            version: purgeSecretVersion.version,
          },
          ...webhookSecrets.map(({ secretEnv, secret, version }) => ({
            key: secretEnv,
            projectId: project,
            secret: secret.secretId,
            version: version.version,
          })),
        ],
      },
      // Its first request may publish and read schemas: the grants exist before it serves.
      dependsOn: [
        ...needs(
          'cloudfunctions.googleapis.com',
          'run.googleapis.com',
          'cloudbuild.googleapis.com',
          'artifactregistry.googleapis.com',
        ),
        ...publishGrants,
        schemaReadGrant,
        ...databaseObjects,
        purgeSecretGrant,
        purgeSecretVersion,
        ...webhookSecrets.flatMap(({ dependencies }) => dependencies),
        iamWait,
      ],
    });
    if (config.deploy.ingress === 'public') {
      // Trackers call without credentials. 2nd gen functions are Cloud Run services of the same name.
      new CloudRunServiceIamMember(this, 'public_invoker', {
        location: region,
        service: collector.name,
        role: 'roles/run.invoker',
        member: 'allUsers',
      });
    }

    // ---- BigQuery views ----
    // The SQL quotes property names from schema files, which Terraform must not read as templates;
    // it is generated with a stand-in project, escaped, and only then given the project (which may
    // be the project_id variable's reference).
    const withProject = (sql: string) => terraformLiteral(sql).replaceAll(SQL_PROJECT_STAND_IN, project);
    const views = [
      {
        name: DEDUPED_VIEW_NAME,
        sql: withProject(dedupedViewSql(SQL_PROJECT_STAND_IN, names.dataset)),
        description: 'events with one row per event_id, the earliest received (subscriptions deliver at least once).',
      },
      ...typedViews(props.schemaFiles, SQL_PROJECT_STAND_IN, names.dataset).map((view) => ({
        name: view.name,
        sql: withProject(view.sql),
        description: `Typed columns of ${view.schemas.join(', ')}: one column per schema property, read from payload.`,
      })),
    ];
    for (const view of views) {
      new BigqueryTable(this, `view_${view.name}`, {
        datasetId: dataset.datasetId,
        tableId: view.name,
        description: view.description,
        view: { query: view.sql, useLegacySql: false },
        // A view holds no data; it is regenerated from schemas/ on every deploy.
        deletionProtection: false,
        dependsOn: [tables.valid],
      });
    }

    // The deduplicated events of a range of days, reading only those partitions.
    const dedupedFunction = new BigqueryRoutine(this, `routine_${DEDUPED_FUNCTION_NAME}`, {
      datasetId: dataset.datasetId,
      routineId: DEDUPED_FUNCTION_NAME,
      routineType: 'TABLE_VALUED_FUNCTION',
      language: 'SQL',
      definitionBody: withProject(dedupedFunctionSql(SQL_PROJECT_STAND_IN, names.dataset)),
      arguments: DEDUPED_FUNCTION_ARGUMENTS.map((name) => ({ name, dataType: JSON.stringify({ typeKind: 'DATE' }) })),
      description:
        'events with one row per event_id, for collector_tstamp days from_date to to_date (UTC, both included); reads only those partitions.',
      dependsOn: [tables.valid],
    });

    // ---- delivery: BigQuery subscriptions, dead letters, replay ----
    for (const kind of ['valid', 'invalid'] as const) {
      // Whatever BigQuery refused waits here for 31 days: inspect, fix, redrive
      // (npm run replay -- --source dead-letter); the dead-letter alert says it is there. It exists
      // before the BigQuery subscription, so nothing dead-lettered goes to a topic nobody holds.
      const deadLetterHold = new PubsubSubscription(this, `subscription_${kind}_dead_letter`, {
        name: names.deadLetterSubscriptions[kind],
        topic: deadLetterTopics[kind].id,
        ackDeadlineSeconds: 60,
        messageRetentionDuration: DEAD_LETTER_RETENTION,
        expirationPolicy: { ...NEVER_EXPIRE },
      });
      const subscription = new PubsubSubscription(this, `subscription_${kind}_bigquery`, {
        name: names.bigquerySubscriptions[kind],
        topic: topics[kind].id,
        bigqueryConfig: {
          table: `${tables[kind].project}.${tables[kind].datasetId}.${tables[kind].tableId}`,
          useTableSchema: true,
          writeMetadata: true,
          // Every message field is a column (the contract's encoder sends nothing else); an
          // unknown field is a bug to surface in the dead-letter topic, not data to drop.
          dropUnknownFields: false,
        },
        deadLetterPolicy: { deadLetterTopic: deadLetterTopics[kind].id, maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS },
        retryPolicy: { ...RETRY_BACKOFF },
        expirationPolicy: { ...NEVER_EXPIRE },
        // Creating a BigQuery subscription checks that Pub/Sub can write the table: after the
        // grants, and after the wait for them to take effect.
        dependsOn: [deliveryGrants[kind].write, deliveryGrants[kind].deadLetter, iamWait, deadLetterHold],
      });
      // Forwarding to the dead-letter topic acknowledges the message on the source subscription,
      // which needs subscriber on it (https://cloud.google.com/pubsub/docs/handling-failures).
      // This grant can only follow the subscription it is on.
      new PubsubSubscriptionIamMember(this, `pubsub_forwards_${kind}_dead_letters`, {
        subscription: subscription.name,
        role: 'roles/pubsub.subscriber',
        member: pubsubAgent,
      });
    }
    const replay = new PubsubSubscription(this, 'subscription_replay', {
      name: names.replaySubscription,
      topic: topics.invalid.id,
      ackDeadlineSeconds: 60,
      // The replay tool seeks back over acknowledged messages, so they are kept for the full 7 days.
      retainAckedMessages: true,
      messageRetentionDuration: SEVEN_DAYS,
      expirationPolicy: { ...NEVER_EXPIRE },
    });

    // ---- operations: alert policies, who they notify, the dashboard ----
    const monitoringApi = needs('monitoring.googleapis.com');
    const channels = notificationChannels(this, config.alerts, config.name_prefix, monitoringApi);
    const policies = alertPolicies(this, {
      alerts: config.alerts,
      names,
      project,
      namePrefix: config.name_prefix,
      maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
      deadLetterRetentionDays: DEAD_LETTER_RETENTION_DAYS,
      channels,
      dependsOn: monitoringApi,
    });
    const dashboard = monitoringDashboard(
      this,
      { names, alerts: config.alerts, namePrefix: config.name_prefix },
      monitoringApi,
    );

    // ---- outputs ----
    const output = (name: string, value: string | string[], description: string) =>
      new TerraformOutput(this, name, { value, description });
    output('collector_url', collector.url, 'URL of the collector: point trackers here.');
    output('valid_topic', topics.valid.name, 'Pub/Sub topic of valid events.');
    output('invalid_topic', topics.invalid.name, 'Pub/Sub topic of invalid events.');
    output('replay_subscription', replay.name, 'Subscription the replay tool reads.');
    output(
      'dead_letter_subscriptions',
      [names.deadLetterSubscriptions.valid, names.deadLetterSubscriptions.invalid],
      `Messages BigQuery refused, kept ${DEAD_LETTER_RETENTION_DAYS} days: npm run replay -- --source dead-letter sends them back.`,
    );
    output(
      'purge_token_secret',
      purgeSecret.secretId,
      'Secret Manager secret holding the purge route token: gcloud secrets versions access latest --secret=<this>.',
    );
    output(
      'schema_bucket',
      Fn.join('', ['gs://', schemaBucket.name]),
      'Schema registry bucket: add a file under schemas/ and deploy, or copy it here.',
    );
    output('dashboard', dashboard.id, 'Cloud Monitoring dashboard of the pipeline (Monitoring > Dashboards).');
    output(
      'alert_policies',
      policies.map((policy) => policy.name),
      'Cloud Monitoring alert policies (Monitoring > Alerting).',
    );
    output('dataset', dataset.datasetId, 'BigQuery dataset.');
    output('tables', [TABLE_NAMES.valid, TABLE_NAMES.invalid], 'BigQuery tables.');
    output(
      'views',
      views.map((view) => view.name),
      'BigQuery views.',
    );
    output('table_functions', [dedupedFunction.routineId], 'BigQuery table functions.');
  }

  private table(
    logicalId: string,
    kind: RowKind,
    dataset: BigqueryDataset,
    config: SluiceConfig,
    expirationMs: number,
  ): BigqueryTable {
    return new BigqueryTable(this, logicalId, {
      datasetId: dataset.datasetId,
      tableId: TABLE_NAMES[kind],
      description:
        kind === 'valid'
          ? 'Valid events, one row per event (written by a Pub/Sub BigQuery subscription).'
          : 'Invalid events with the reasons, one row per event.',
      // The contract's schema, with the write_metadata columns: the same list the collector encodes rows from.
      schema: JSON.stringify(tableSchema(kind)),
      timePartitioning: { type: 'DAY', field: 'collector_tstamp', ...(expirationMs > 0 ? { expirationMs } : {}) },
      clustering: [...CLUSTERING[kind]],
      deletionProtection: config.bigquery.deletion_protection,
    });
  }
}

/** The environment variables webhooks.auth reads secrets from, each once, in order. */
export function webhookSecretEnvs(config: SluiceConfig): string[] {
  return [...new Set(Object.values(config.webhooks.auth).map((auth) => auth.secret_env))].sort();
}

/** The sensitive Terraform variable that carries the secret of `secretEnv` into the stack. */
export function webhookSecretVariable(secretEnv: string): string {
  return `webhook_secret_${secretEnv.toLowerCase()}`;
}

/** Settings Cloud Functions would refuse at deploy time, refused at synth time instead. */
export function checkDeployConfig(config: SluiceConfig): void {
  const { deploy } = config;
  const problems: string[] = [];
  if (deploy.concurrency > 1 && Number(deploy.function_cpu) < 1) {
    problems.push(
      `deploy.concurrency is ${deploy.concurrency} but deploy.function_cpu is ${deploy.function_cpu}: an instance with less than 1 vCPU serves one request at a time; set concurrency to 1 or function_cpu to "1" or more`,
    );
  }
  if (deploy.min_instances > deploy.max_instances) {
    problems.push(
      `deploy.min_instances (${deploy.min_instances}) is more than deploy.max_instances (${deploy.max_instances}); raise max_instances or lower min_instances`,
    );
  }
  if (problems.length > 0)
    throw new SluiceError('invalid_stack_config', `cannot build the Sluice stack:\n  - ${problems.join('\n  - ')}`);
}
