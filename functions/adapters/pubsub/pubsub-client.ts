import type { PublishOptions } from '@google-cloud/pubsub';

/** The part of the library's `PubSub` class the sink uses; PubsubRestClient implements it too, and tests inject stand-ins. */
export interface PubsubClient {
  topic(name: string, options?: PublishOptions): PubsubTopic;
  close(): Promise<void>;
}

/** The part of the library's `Topic` the sink uses. */
export interface PubsubTopic {
  /** The callback form: it makes no promise per message (see PubsubSink.publish). */
  publishMessage(
    message: { data: Buffer; attributes: Record<string, string> },
    callback: (error?: Error | null, messageId?: string | null) => void,
  ): void;
  flush(): Promise<void>;
  /** The library's Topic.get; with autoCreate it creates a missing topic (used on the emulator only). */
  get?(options: { autoCreate: boolean }): Promise<unknown>;
}
