import { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { Construct } from 'constructs';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import type { StackNames } from '../names.ts';
import type { Needs } from './apis.ts';

export interface Topics {
  /** Where the collector publishes each kind of row. */
  readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
  /** Where each BigQuery subscription forwards what BigQuery refused. */
  readonly deadLetterTopics: Readonly<Record<RowKind, PubsubTopic>>;
}

/** The valid and invalid topics and a dead-letter topic for each. */
export function pubsubTopics(scope: Construct, names: StackNames, needs: Needs): Topics {
  const topic = (logicalId: string, name: string) =>
    new PubsubTopic(scope, logicalId, { name, dependsOn: needs('pubsub.googleapis.com') });
  return {
    topics: {
      valid: topic('topic_valid', names.validTopic),
      invalid: topic('topic_invalid', names.invalidTopic),
    },
    deadLetterTopics: {
      valid: topic('topic_valid_dead_letter', names.deadLetterTopics.valid),
      invalid: topic('topic_invalid_dead_letter', names.deadLetterTopics.invalid),
    },
  };
}
