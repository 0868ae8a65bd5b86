import { SluiceError } from '../../core/errors.ts';
import type { RedriveTarget } from '../../core/replay/redrive-source.ts';
import { pubsubEndpoint } from '../pubsub/pubsub-endpoint.ts';

/** The part of the library's PubSub client the publisher uses (tests may inject a stand-in). */
export interface TopicPublisherPort {
  topic(name: string): {
    publishMessage(message: { data: Buffer; attributes: Record<string, string> }): Promise<string>;
  };
  close(): Promise<void>;
}

export interface TopicPublisherOptions {
  /** Empty: `sluice-local` on an emulator, else detected by the library. */
  readonly projectId: string;
  readonly emulatorHost?: string | undefined;
  readonly client?: TopicPublisherPort | undefined;
}

/**
 * Publishes messages as they are, data and attributes, to any topic, through the
 * `@google-cloud/pubsub` library (which the replay tool loads anyway for its subscriber). publish()
 * resolves with Pub/Sub's acknowledgement (a message id), so that the redrive acknowledges the
 * dead letter only after it. The library batches concurrent messages and retries transient errors.
 */
export function topicPublisher(options: TopicPublisherOptions): RedriveTarget {
  let client: Promise<{ port: TopicPublisherPort; owned: boolean }> | undefined;
  const topics = new Map<string, ReturnType<TopicPublisherPort['topic']>>();
  const connect = () => {
    client ??= (async () => {
      if (options.client) return { port: options.client, owned: false };
      const { PubSub } = await import('@google-cloud/pubsub');
      return {
        port: new PubSub(pubsubEndpoint(options.projectId, options.emulatorHost)) as unknown as TopicPublisherPort,
        owned: true,
      };
    })();
    return client;
  };
  return {
    description: 'Pub/Sub topics the messages came from',
    async publish(topic, data, attributes) {
      const { port } = await connect();
      let handle = topics.get(topic);
      if (handle === undefined) {
        handle = port.topic(topic);
        topics.set(topic, handle);
      }
      try {
        await handle.publishMessage({ data: Buffer.from(data), attributes: { ...attributes } });
      } catch (error) {
        throw new SluiceError('pubsub_publish', `publishing to topic ${topic} failed: ${String(error)}`, {
          cause: error,
        });
      }
    },
    async close() {
      if (client === undefined) return;
      const { port, owned } = await client;
      if (owned) await port.close();
    },
  };
}
