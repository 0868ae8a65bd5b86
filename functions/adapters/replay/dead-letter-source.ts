import type { ParkedMessage, RedriveSource } from '../../core/replay/redrive-source.ts';
import { type MessageStream, type SubscriptionSourceOptions, subscriptionMessages } from './subscription-source.ts';

/** A dead-letter subscription and the topic its messages go back to. */
export interface DeadLetterHold {
  readonly subscription: string;
  readonly topic: string;
}

export interface DeadLetterSourceOptions
  extends Omit<SubscriptionSourceOptions, 'subscription' | 'seek' | 'whenMissing'> {
  readonly holds: readonly DeadLetterHold[];
}

/**
 * The messages parked in the dead-letter subscriptions, one subscription after the other, each
 * until its backlog is drained; each message carries the topic it goes back to. Pulled and
 * acknowledged like the replay subscription (subscription-source.ts): acknowledged only when the
 * redrive says so, everything else nacked at close.
 */
export function deadLetterSource(options: DeadLetterSourceOptions): RedriveSource {
  const { holds, ...common } = options;
  const streams: Array<{ hold: DeadLetterHold; messages: MessageStream }> = holds.map((hold) => ({
    hold,
    messages: subscriptionMessages({
      ...common,
      subscription: hold.subscription,
      whenMissing: `the stack creates it as <topic>-dead-letter with npm run deploy; check valid_topic and invalid_topic (they name the topics ${holds.map((h) => h.topic).join(' and ')})`,
    }),
  }));
  return {
    description: `Pub/Sub subscriptions ${holds.map((hold) => hold.subscription).join(', ')}`,
    async *[Symbol.asyncIterator](): AsyncIterator<ParkedMessage> {
      for (const { hold, messages } of streams) {
        for await (const message of messages) {
          yield {
            id: `${message.id} on ${hold.subscription}`,
            topic: hold.topic,
            data: message.data,
            attributes: message.attributes,
            ack: message.ack,
            release: message.release,
          };
        }
      }
    },
    async close() {
      const results = await Promise.allSettled(streams.map(({ messages }) => messages.close()));
      const failure = results.find((result) => result.status === 'rejected');
      if (failure) throw failure.reason;
    },
  };
}
