import type { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import type { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import { BigqueryTableIamMember } from '@cdktf/provider-google/lib/bigquery-table-iam-member/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import { PubsubTopicIamMember } from '@cdktf/provider-google/lib/pubsub-topic-iam-member/index.js';
import { ServiceAccount } from '@cdktf/provider-google/lib/service-account/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { StorageBucketIamMember } from '@cdktf/provider-google/lib/storage-bucket-iam-member/index.js';
import type { TerraformResource } from 'cdktf';
import type { Construct } from 'constructs';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import { TABLE_NAMES } from '../../functions/core/contract/table-schema.ts';
import type { StackNames } from '../names.ts';
import type { Needs } from './apis.ts';
import type { PubsubAgent } from './pubsub-agent.ts';

export interface FunctionIdentity {
  readonly serviceAccount: ServiceAccount;
  /** The service account as an IAM member. */
  readonly member: string;
  /** Publisher on the valid and invalid topics. */
  readonly publishGrants: readonly TerraformResource[];
  /** Object viewer on the schema bucket. */
  readonly schemaReadGrant: StorageBucketIamMember;
}

/**
 * The collector function's least-privilege service account: it publishes to its two topics and
 * reads the schema bucket, each granted on that one resource. (Its secrets are granted in
 * secrets.ts, on each secret.)
 */
export function functionIdentity(
  scope: Construct,
  options: {
    readonly names: StackNames;
    readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly schemaBucket: StorageBucket;
    readonly needs: Needs;
  },
): FunctionIdentity {
  const serviceAccount = new ServiceAccount(scope, 'function_service_account', {
    accountId: options.names.serviceAccountId,
    displayName: 'Sluice collector function',
    description: 'Runs the Sluice collector: publishes to its two topics and reads the schema bucket, nothing else.',
    dependsOn: options.needs('iam.googleapis.com'),
  });
  const member = `serviceAccount:${serviceAccount.email}`;
  const publishGrants: TerraformResource[] = (['valid', 'invalid'] as const).map(
    (kind) =>
      new PubsubTopicIamMember(scope, `function_publishes_${kind}`, {
        topic: options.topics[kind].name,
        role: 'roles/pubsub.publisher',
        member,
      }),
  );
  const schemaReadGrant = new StorageBucketIamMember(scope, 'function_reads_schemas', {
    bucket: options.schemaBucket.name,
    role: 'roles/storage.objectViewer',
    member,
  });
  return { serviceAccount, member, publishGrants, schemaReadGrant };
}

export interface DeliveryGrant {
  /** Data editor on the kind's table. */
  readonly write: BigqueryTableIamMember;
  /** Publisher on the kind's dead-letter topic. */
  readonly deadLetter: PubsubTopicIamMember;
}

/**
 * What Pub/Sub's service agent needs to deliver: writing each table, and publishing to each
 * dead-letter topic. (Subscriber on each BigQuery subscription, which dead-lettering also needs,
 * can only follow the subscription: see subscriptions.ts.)
 */
export function deliveryGrants(
  scope: Construct,
  options: {
    readonly dataset: BigqueryDataset;
    readonly tables: Readonly<Record<RowKind, BigqueryTable>>;
    readonly deadLetterTopics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly agent: PubsubAgent;
  },
): Record<RowKind, DeliveryGrant> {
  const { dataset, tables, deadLetterTopics, agent } = options;
  return Object.fromEntries(
    (['valid', 'invalid'] as const).map((kind) => {
      const write = new BigqueryTableIamMember(scope, `pubsub_writes_${TABLE_NAMES[kind]}`, {
        datasetId: dataset.datasetId,
        tableId: tables[kind].tableId,
        role: 'roles/bigquery.dataEditor',
        member: agent.member,
        dependsOn: [agent.identity],
      });
      const deadLetter = new PubsubTopicIamMember(scope, `pubsub_publishes_${kind}_dead_letter`, {
        topic: deadLetterTopics[kind].name,
        role: 'roles/pubsub.publisher',
        member: agent.member,
        dependsOn: [agent.identity],
      });
      return [kind, { write, deadLetter }];
    }),
  ) as Record<RowKind, DeliveryGrant>;
}
