import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type RestBatching, type RestPublisher, RestTopic } from '../../../functions/adapters/pubsub/rest-topic.ts';
import { MAX_MESSAGES_PER_PUBLISH_REQUEST } from '../../../functions/core/limits.ts';

interface SentBatch {
  readonly topic: string;
  readonly messages: Array<{ data: string; attributes: Record<string, string> }>;
  readonly bytes: number;
  settle(result: { ids?: string[]; error?: Error }): void;
}

/** Records each batch; answers at once with ids unless `hold` is set, then the test settles it. */
class FakePublisher implements RestPublisher {
  readonly sent: SentBatch[] = [];
  readonly created: string[] = [];
  hold = false;

  publish(topic: string, body: string, messageCount: number): Promise<string[]> {
    const parsed = JSON.parse(body) as { messages: SentBatch['messages'] };
    assert.equal(parsed.messages.length, messageCount, 'messageCount matches the body');
    return new Promise((resolve, reject) => {
      const batch: SentBatch = {
        topic,
        messages: parsed.messages,
        bytes: Buffer.byteLength(body),
        settle: ({ ids, error }) => (error ? reject(error) : resolve(ids ?? [])),
      };
      this.sent.push(batch);
      if (!this.hold) batch.settle({ ids: parsed.messages.map((_, i) => `${this.sent.length}-${i}`) });
    });
  }

  async createTopic(topic: string): Promise<void> {
    this.created.push(topic);
  }
}

const batching = (overrides: Partial<RestBatching> = {}): RestBatching => ({
  maxMessages: 10,
  maxMilliseconds: 20,
  maxBytes: 9 * 1024 * 1024,
  ...overrides,
});
const message = (n: number, size = 10) => ({
  data: Buffer.from(String(n).padStart(size, '0')),
  attributes: { n: String(n) },
});
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Publishes and collects each callback's outcome, in callback order. */
function publishAll(
  topic: RestTopic,
  count: number,
  size?: number,
): Promise<Array<{ n: number; id?: string | null | undefined; error?: Error | null }>> {
  const outcomes: Array<{ n: number; id?: string | null | undefined; error?: Error | null }> = [];
  return new Promise((resolve) => {
    for (let n = 0; n < count; n++) {
      topic.publishMessage(message(n, size), (error, id) => {
        outcomes.push(error ? { n, error } : { n, id });
        if (outcomes.length === count) resolve(outcomes);
      });
    }
  });
}

describe('RestTopic batching', () => {
  test('a full batch goes out at once; the rest after maxMilliseconds; data is base64 with its attributes', async () => {
    const publisher = new FakePublisher();
    const topic = new RestTopic('events', publisher, batching({ maxMessages: 10, maxMilliseconds: 50 }));
    const done = publishAll(topic, 25);
    assert.equal(publisher.sent.length, 2, 'two full batches are sent synchronously');
    assert.deepEqual(
      publisher.sent.map((batch) => batch.messages.length),
      [10, 10],
    );
    await sleep(10);
    assert.equal(publisher.sent.length, 2, 'the last 5 wait for the timer');
    const outcomes = await done;
    assert.deepEqual(
      publisher.sent.map((batch) => batch.messages.length),
      [10, 10, 5],
    );
    assert.equal(outcomes.length, 25, 'one callback per message');
    assert.deepEqual(new Set(outcomes.map((outcome) => outcome.id)).size, 25, 'each gets its own id');
    const first = publisher.sent[0]!.messages[0]!;
    assert.equal(Buffer.from(first.data, 'base64').toString(), '0000000000');
    assert.deepEqual(first.attributes, { n: '0' });
    assert.equal(publisher.sent[0]!.topic, 'events');
  });

  test('a batch is closed before its body would pass maxBytes', async () => {
    const publisher = new FakePublisher();
    const topic = new RestTopic(
      'events',
      publisher,
      batching({ maxMessages: 1000, maxBytes: 5_000, maxMilliseconds: 5 }),
    );
    const outcomes = await publishAll(topic, 20, 1_000); // ~1.4 KB per message as JSON
    assert.equal(outcomes.length, 20);
    assert.ok(publisher.sent.length >= 6, `expected at least 6 batches, got ${publisher.sent.length}`);
    for (const batch of publisher.sent) assert.ok(batch.bytes <= 5_000, `a body of ${batch.bytes} bytes`);
    assert.equal(
      publisher.sent.reduce((sum, batch) => sum + batch.messages.length, 0),
      20,
    );
  });

  test('the byte count is exact: a body of exactly maxBytes goes as one batch, one byte less splits it', async () => {
    // Data of every length mod 3 (base64 padding) and attributes with multi-byte characters.
    const messages = [1, 2, 3, 100, 101].map((length, index) => ({
      data: Buffer.alloc(length, 7),
      attributes: { schema: `iglu:com.acme/é${index}/jsonschema/1-0-0` },
    }));
    const whole = `{"messages":[${messages.map((message) => `{"data":"${message.data.toString('base64')}","attributes":${JSON.stringify(message.attributes)}}`).join(',')}]}`;
    for (const [maxBytes, batches] of [
      [Buffer.byteLength(whole), 1],
      [Buffer.byteLength(whole) - 1, 2],
    ] as const) {
      const publisher = new FakePublisher();
      const topic = new RestTopic(
        'events',
        publisher,
        batching({ maxMessages: 1000, maxBytes, maxMilliseconds: 1_000 }),
      );
      for (const message of messages) topic.publishMessage(message, () => {});
      await topic.flush();
      assert.equal(publisher.sent.length, batches, `maxBytes ${maxBytes}`);
      if (batches === 1) assert.equal(publisher.sent[0]!.bytes, maxBytes);
    }
  });

  test('a single message bigger than maxBytes goes alone rather than never', async () => {
    const publisher = new FakePublisher();
    const topic = new RestTopic('events', publisher, batching({ maxBytes: 100 }));
    const outcomes = await publishAll(topic, 2, 500);
    assert.equal(outcomes.length, 2);
    assert.deepEqual(
      publisher.sent.map((batch) => batch.messages.length),
      [1, 1],
    );
  });

  test("maxMessages is capped at Pub/Sub's 1,000 messages per request", async () => {
    const publisher = new FakePublisher();
    const topic = new RestTopic('events', publisher, batching({ maxMessages: 5_000, maxMilliseconds: 1_000 }));
    const done = publishAll(topic, 1_001, 1);
    assert.deepEqual(
      publisher.sent.map((batch) => batch.messages.length),
      [MAX_MESSAGES_PER_PUBLISH_REQUEST],
    );
    await topic.flush();
    await done;
    assert.deepEqual(
      publisher.sent.map((batch) => batch.messages.length),
      [1000, 1],
    );
  });

  test('a failed batch calls every callback of that batch once with the error, other batches are not affected', async () => {
    const publisher = new FakePublisher();
    publisher.hold = true;
    const topic = new RestTopic('events', publisher, batching({ maxMessages: 3 }));
    const done = publishAll(topic, 6);
    const failure = new Error('5 NOT_FOUND: topic gone');
    publisher.sent[0]!.settle({ error: failure });
    publisher.sent[1]!.settle({ ids: ['a', 'b', 'c'] });
    const outcomes = await done;
    assert.deepEqual(
      outcomes.filter((outcome) => outcome.error).map((outcome) => [outcome.n, outcome.error]),
      [
        [0, failure],
        [1, failure],
        [2, failure],
      ],
    );
    assert.deepEqual(
      outcomes.filter((outcome) => !outcome.error).map((outcome) => [outcome.n, outcome.id]),
      [
        [3, 'a'],
        [4, 'b'],
        [5, 'c'],
      ],
    );
  });

  test('flush() sends what is batched now and waits for every batch in flight', async () => {
    const publisher = new FakePublisher();
    publisher.hold = true;
    const topic = new RestTopic('events', publisher, batching({ maxMessages: 100, maxMilliseconds: 60_000 }));
    const done = publishAll(topic, 3);
    assert.equal(publisher.sent.length, 0);
    let flushed = false;
    const flushing = topic.flush().then(() => (flushed = true));
    assert.equal(publisher.sent.length, 1, 'flush sends without waiting for the timer');
    await sleep(20);
    assert.equal(flushed, false, 'flush waits for the answer');
    publisher.sent[0]!.settle({ ids: ['1', '2', '3'] });
    await flushing;
    assert.equal((await done).length, 3);
    await topic.flush(); // nothing batched: resolves
  });

  test('get({ autoCreate: true }) creates the topic through the publisher', async () => {
    const publisher = new FakePublisher();
    const topic = new RestTopic('events', publisher, batching());
    await topic.get({ autoCreate: true });
    assert.deepEqual(publisher.created, ['events']);
  });

  test('batching settings are checked', () => {
    assert.throws(() => new RestTopic('t', new FakePublisher(), batching({ maxMessages: 0 })), /maxMessages >= 1/);
  });
});
