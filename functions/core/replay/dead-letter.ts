/**
 * Dead letters: what a BigQuery subscription could not write, forwarded by Pub/Sub to the topic
 * `<topic>-dead-letter`, where a pull subscription of the same name keeps it. The stack creates
 * both under these names and the redrive reads them, so the name is derived here, once.
 */

export const DEAD_LETTER_SUFFIX = '-dead-letter';

/** The dead-letter topic of a topic, and the pull subscription on it: `<topic>-dead-letter`. */
export function deadLetterName(topic: string): string {
  return `${topic}${DEAD_LETTER_SUFFIX}`;
}

/**
 * Pub/Sub wraps a forwarded message and adds attributes that start with this
 * (CloudPubSubDeadLetterSourceDeliveryCount, ...SourceSubscription, ...SourceSubscriptionProject,
 * ...SourceTopicPublishTime; BigQuery subscriptions add ...SourceDeliveryErrorMessage, the reason
 * BigQuery refused it): https://cloud.google.com/pubsub/docs/handling-failures,
 * https://cloud.google.com/pubsub/docs/bigquery#handle_message_failures. No contract attribute
 * starts with it (core/contract/attributes.ts).
 */
export const DEAD_LETTER_ATTRIBUTE_PREFIX = 'CloudPubSubDeadLetter';

const ERROR_MESSAGE = 'CloudPubSubDeadLetterSourceDeliveryErrorMessage';
const DELIVERY_COUNT = 'CloudPubSubDeadLetterSourceDeliveryCount';
const SOURCE_SUBSCRIPTION = 'CloudPubSubDeadLetterSourceSubscription';
const FIRST_PUBLISHED = 'CloudPubSubDeadLetterSourceTopicPublishTime';

/** The attributes the message had when it was first published: Pub/Sub's dead-letter ones removed. */
export function originalAttributes(attributes: Readonly<Record<string, string>>): Record<string, string> {
  const original: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes))
    if (!name.startsWith(DEAD_LETTER_ATTRIBUTE_PREFIX)) original[name] = value;
  return original;
}

/** Why and how a message was parked, from Pub/Sub's attributes (null where Pub/Sub did not say). */
export interface ParkedReason {
  /** BigQuery's reason for refusing the write. */
  readonly error: string | null;
  readonly deliveryAttempts: number | null;
  /** The subscription that gave up on it (the BigQuery subscription). */
  readonly sourceSubscription: string | null;
  /** When it was first published to its topic. */
  readonly firstPublished: string | null;
}

export function parkedReason(attributes: Readonly<Record<string, string>>): ParkedReason {
  const attempts = Number.parseInt(attributes[DELIVERY_COUNT] ?? '', 10);
  return {
    error: attributes[ERROR_MESSAGE] ?? null,
    deliveryAttempts: Number.isSafeInteger(attempts) ? attempts : null,
    sourceSubscription: attributes[SOURCE_SUBSCRIPTION] ?? null,
    firstPublished: attributes[FIRST_PUBLISHED] ?? null,
  };
}
