import type { SluiceConfig } from '../functions/core/config/config.ts';
import { SluiceError } from '../functions/core/errors.ts';
import { DEAD_LETTER_SUFFIX } from '../functions/core/replay/dead-letter.ts';

/**
 * The names of everything the stack creates, derived from the configuration in one place, so the
 * stack, its tests and the emulator test agree. Topic, replay subscription and dataset names are
 * the configured ones (the collector and the replay tool read the same keys); everything else
 * carries `name_prefix` so that several deployments can share a project.
 */
export interface StackNames {
  readonly validTopic: string;
  readonly invalidTopic: string;
  readonly replaySubscription: string;
  readonly deadLetterTopics: Readonly<Record<'valid' | 'invalid', string>>;
  readonly deadLetterSubscriptions: Readonly<Record<'valid' | 'invalid', string>>;
  readonly bigquerySubscriptions: Readonly<Record<'valid' | 'invalid', string>>;
  readonly dataset: string;
  readonly functionName: string;
  readonly serviceAccountId: string;
  /** Secret Manager secret id of the purge route's token. */
  readonly purgeTokenSecret: string;
  /** Secret Manager secret id that holds the webhook secret the collector reads from `secretEnv`. */
  webhookSecret(secretEnv: string): string;
  /** Bucket names must be globally unique: they start with the project id, itself unique. */
  readonly schemaBucket: string;
  readonly sourceBucket: string;
}

/** Pub/Sub's limit on topic and subscription ids (https://cloud.google.com/pubsub/docs/pubsub-basics#resource_names). */
const MAX_PUBSUB_ID = 255;

export function stackNames(config: SluiceConfig, project: string): StackNames {
  const prefix = config.name_prefix;
  const pubsubId = (base: string, suffix: string, key: string): string => {
    const id = `${base}${suffix}`;
    if (id.length > MAX_PUBSUB_ID) {
      throw new SluiceError(
        'invalid_stack_config',
        `${key} ${JSON.stringify(base)} is too long: the stack derives ${id.length}-character id ${JSON.stringify(id.slice(0, 40))}… from it, over Pub/Sub's ${MAX_PUBSUB_ID}; shorten ${key}`,
      );
    }
    return id;
  };
  return {
    validTopic: config.valid_topic,
    invalidTopic: config.invalid_topic,
    replaySubscription: config.replay_subscription,
    deadLetterTopics: {
      valid: pubsubId(config.valid_topic, DEAD_LETTER_SUFFIX, 'valid_topic'),
      invalid: pubsubId(config.invalid_topic, DEAD_LETTER_SUFFIX, 'invalid_topic'),
    },
    // The redrive (npm run replay -- --source dead-letter) reads these by the same rule.
    deadLetterSubscriptions: {
      valid: pubsubId(config.valid_topic, DEAD_LETTER_SUFFIX, 'valid_topic'),
      invalid: pubsubId(config.invalid_topic, DEAD_LETTER_SUFFIX, 'invalid_topic'),
    },
    bigquerySubscriptions: {
      valid: pubsubId(config.valid_topic, '-bigquery', 'valid_topic'),
      invalid: pubsubId(config.invalid_topic, '-bigquery', 'invalid_topic'),
    },
    dataset: config.bigquery.dataset,
    functionName: `${prefix}-collector`,
    serviceAccountId: `${prefix}-collector`, // 6-30 characters: name_prefix is 1-20
    purgeTokenSecret: `${prefix}-purge-token`,
    // Secret ids allow [A-Za-z0-9_-]{1,255}; secret_env is [A-Z_][A-Z0-9_]{0,127}.
    webhookSecret: (secretEnv) => `${prefix}-webhook-${secretEnv.toLowerCase().replaceAll('_', '-')}`,
    schemaBucket: `${project}-${prefix}-schemas`,
    sourceBucket: `${project}-${prefix}-source`,
  };
}
