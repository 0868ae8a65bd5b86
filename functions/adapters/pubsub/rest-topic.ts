import { MAX_MESSAGES_PER_PUBLISH_REQUEST } from '../../core/limits.ts';
import type { PubsubTopic } from './pubsub-client.ts';

/** One message as it goes into a REST Publish request, and the callback that hears its fate. */
export interface EncodedMessage {
  /** `{"data":"<base64>","attributes":{...}}`: encoded once, when the message is handed over. */
  readonly json: string;
  readonly callback: (error?: Error | null, messageId?: string | null) => void;
}

/** The part of PubsubRestClient a topic uses (tests pass a stand-in). */
export interface RestPublisher {
  /** Sends one batch (a JSON `{"messages":[...]}` body) and returns the message ids in order. */
  publish(topic: string, body: string, messageCount: number): Promise<string[]>;
  createTopic(topic: string): Promise<void>;
}

export interface RestBatching {
  readonly maxMessages: number;
  readonly maxMilliseconds: number;
  /** Most bytes of one request body, as sent (base64 data, JSON). */
  readonly maxBytes: number;
}

/** `{"messages":[` + `]}` */
const BODY_ENVELOPE_BYTES = 15;

/** `{"data":"` + `","attributes":` + `}` around one message's base64 data and attributes. */
const MESSAGE_ENVELOPE_BYTES = 25;

/**
 * A topic that batches the messages handed to it, like the library's publisher: a batch goes out
 * when it holds maxMessages, when the next message would take its body over maxBytes, or
 * maxMilliseconds after its first message, whichever comes first. Each message's callback is
 * called once, with its message id or with the batch's error. Batches are sent independently
 * (no ordering keys are used), so a slow batch does not hold up the next.
 */
export class RestTopic implements PubsubTopic {
  readonly #name: string;
  readonly #publisher: RestPublisher;
  readonly #batching: RestBatching;
  #batch: EncodedMessage[] = [];
  #batchBytes = BODY_ENVELOPE_BYTES;
  #timer: NodeJS.Timeout | undefined;
  /** Batches sent and not settled yet, for flush(). */
  readonly #sending = new Set<Promise<void>>();

  constructor(name: string, publisher: RestPublisher, batching: RestBatching) {
    if (!(batching.maxMessages >= 1 && batching.maxMilliseconds >= 0 && batching.maxBytes >= 1)) {
      throw new RangeError(
        `RestTopic batching needs maxMessages >= 1, maxMilliseconds >= 0, maxBytes >= 1, got ${JSON.stringify(batching)}`,
      );
    }
    this.#name = name;
    this.#publisher = publisher;
    this.#batching = { ...batching, maxMessages: Math.min(batching.maxMessages, MAX_MESSAGES_PER_PUBLISH_REQUEST) };
  }

  get name(): string {
    return this.#name;
  }

  publishMessage(
    message: { data: Buffer; attributes: Record<string, string> },
    callback: (error?: Error | null, messageId?: string | null) => void,
  ): void {
    const attributes = JSON.stringify(message.attributes);
    const json = `{"data":"${message.data.toString('base64')}","attributes":${attributes}}`;
    // Counted, not measured: Buffer.byteLength would flatten the concatenation into a copy of
    // every message. Base64 is ASCII, 4 characters per 3 bytes.
    const bytes = MESSAGE_ENVELOPE_BYTES + 4 * Math.ceil(message.data.length / 3) + Buffer.byteLength(attributes);
    // + 1 for the comma before every message but a batch's first.
    if (this.#batch.length > 0 && this.#batchBytes + 1 + bytes > this.#batching.maxBytes) this.#send();
    this.#batchBytes += (this.#batch.length > 0 ? 1 : 0) + bytes;
    this.#batch.push({ json, callback });
    if (this.#batch.length >= this.#batching.maxMessages || this.#batchBytes >= this.#batching.maxBytes) this.#send();
    else this.#timer ??= setTimeout(() => this.#send(), this.#batching.maxMilliseconds);
  }

  /** Sends what is batched now and resolves when every batch sent so far has settled (it never rejects: errors go to callbacks). */
  async flush(): Promise<void> {
    this.#send();
    while (this.#sending.size > 0) await Promise.allSettled(this.#sending);
  }

  /** With autoCreate, creates the topic if it is missing (the sink does this on an emulator only). */
  async get(options: { autoCreate: boolean }): Promise<unknown> {
    if (options.autoCreate) await this.#publisher.createTopic(this.#name);
    return this;
  }

  #send(): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const batch = this.#batch;
    if (batch.length === 0) return;
    this.#batch = [];
    this.#batchBytes = BODY_ENVELOPE_BYTES;
    const body = `{"messages":[${batch.map((message) => message.json).join(',')}]}`;
    // Only the callbacks wait for the answer: the messages' JSON is in the body now.
    const callbacks = batch.map((message) => message.callback);
    const sending = this.#publisher.publish(this.#name, body, callbacks.length).then(
      (ids) => {
        for (const [i, callback] of callbacks.entries()) callback(null, ids[i]);
      },
      (error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        for (const callback of callbacks) callback(failure);
      },
    );
    const settled = sending.finally(() => this.#sending.delete(settled));
    this.#sending.add(settled);
  }
}
