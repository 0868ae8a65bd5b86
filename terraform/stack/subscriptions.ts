import type { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import { PubsubSubscriptionIamMember } from '@cdktf/provider-google/lib/pubsub-subscription-iam-member/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import type { StackNames } from '../names.ts';
import type { DeliveryGrant } from './iam.ts';
import type { PubsubAgent } from './pubsub-agent.ts';

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
/**
 * An empty TTL means "never expire". Without it Pub/Sub deletes a subscription after 31 days
 * without activity (https://cloud.google.com/pubsub/docs/subscription-properties#expiration_period),
 * which would silently stop a quiet invalid_events pipeline or the dead-letter holds.
 */
const NEVER_EXPIRE = { ttl: '' } as const;

/**
 * Delivery: for each kind a BigQuery subscription writing its table, with a dead-letter topic
 * and a subscription holding what BigQuery refused; and the replay subscription on the invalid
 * topic. Returns the replay subscription.
 */
export function subscriptions(
  scope: Construct,
  options: {
    readonly names: StackNames;
    readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly deadLetterTopics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly tables: Readonly<Record<RowKind, BigqueryTable>>;
    readonly deliveryGrants: Readonly<Record<RowKind, DeliveryGrant>>;
    readonly agent: PubsubAgent;
    /** The wait for the grants to take effect. */
    readonly iamWait: ITerraformDependable;
  },
): PubsubSubscription {
  const { names, topics, deadLetterTopics, tables, deliveryGrants } = options;
  for (const kind of ['valid', 'invalid'] as const) {
    // Whatever BigQuery refused waits here for 31 days: inspect, fix, redrive
    // (npm run replay -- --source dead-letter); the dead-letter alert says it is there. It exists
    // before the BigQuery subscription, so nothing dead-lettered goes to a topic nobody holds.
    const deadLetterHold = new PubsubSubscription(scope, `subscription_${kind}_dead_letter`, {
      name: names.deadLetterSubscriptions[kind],
      topic: deadLetterTopics[kind].id,
      ackDeadlineSeconds: 60,
      messageRetentionDuration: DEAD_LETTER_RETENTION,
      expirationPolicy: { ...NEVER_EXPIRE },
    });
    const subscription = new PubsubSubscription(scope, `subscription_${kind}_bigquery`, {
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
      dependsOn: [deliveryGrants[kind].write, deliveryGrants[kind].deadLetter, options.iamWait, deadLetterHold],
    });
    // Forwarding to the dead-letter topic acknowledges the message on the source subscription,
    // which needs subscriber on it (https://cloud.google.com/pubsub/docs/handling-failures).
    // This grant can only follow the subscription it is on.
    new PubsubSubscriptionIamMember(scope, `pubsub_forwards_${kind}_dead_letters`, {
      subscription: subscription.name,
      role: 'roles/pubsub.subscriber',
      member: options.agent.member,
    });
  }
  return new PubsubSubscription(scope, 'subscription_replay', {
    name: names.replaySubscription,
    topic: topics.invalid.id,
    ackDeadlineSeconds: 60,
    // The replay tool seeks back over acknowledged messages, so they are kept for the full 7 days.
    retainAckedMessages: true,
    messageRetentionDuration: SEVEN_DAYS,
    expirationPolicy: { ...NEVER_EXPIRE },
  });
}
