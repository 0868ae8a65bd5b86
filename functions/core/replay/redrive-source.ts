/**
 * The ports of the redrive: a source of parked messages (the dead-letter subscriptions) and a
 * target that publishes a message to a topic. Unlike a replay, a redrive does not re-validate:
 * the message goes back to the topic it came from as it was, for its BigQuery subscription to
 * write again once what BigQuery refused is fixed.
 */
export interface ParkedMessage {
  /** `message <id> on <subscription>`, for the summary. */
  readonly id: string;
  /** The topic the message goes back to. */
  readonly topic: string;
  readonly data: Uint8Array;
  /** As pulled: the original attributes plus Pub/Sub's dead-letter ones (see dead-letter.ts). */
  readonly attributes: Readonly<Record<string, string>>;
  /** Called only once the republished message was acknowledged by Pub/Sub. */
  ack(): Promise<void>;
  /** Leaves the message parked (a failed publish, a dry run). */
  release(): Promise<void>;
}

export interface RedriveSource extends AsyncIterable<ParkedMessage> {
  readonly description: string;
  /** Flushes acknowledgements and hands back what was read but not acknowledged. */
  close(): Promise<void>;
}

export interface RedriveTarget {
  readonly description: string;
  /** Resolves once Pub/Sub acknowledged the message (it has a message id); rejects otherwise. */
  publish(topic: string, data: Uint8Array, attributes: Readonly<Record<string, string>>): Promise<void>;
  close(): Promise<void>;
}
