import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { rpcCodeOf } from '../../functions/adapters/google/rpc-status.ts';
import { PubsubRestClient, RestPublishError } from '../../functions/adapters/pubsub/rest-client.ts';
import {
  createSubscription,
  createTopic,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';

/** The REST client against the emulator's REST API; its behaviour under failure is tested on a fake in test/adapters/pubsub/rest-client.test.ts. */
const body = (count: number) =>
  JSON.stringify({
    messages: Array.from({ length: count }, (_, i) => ({
      data: Buffer.from(`m${i}`).toString('base64'),
      attributes: { i: String(i) },
    })),
  });

describe('PubsubRestClient against the Pub/Sub emulator', { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  before(async () => {
    emulator = await startPubsubEmulator();
  });
  after(async () => {
    await emulator?.stop();
  });

  test("publishes through the emulator's REST API; a missing topic is NOT_FOUND; createTopic makes it", async () => {
    const client = new PubsubRestClient({
      projectId: emulator.projectId,
      emulatorHost: emulator.host,
      retry: { budgetMs: 5_000, initialDelayMs: 10, maxDelayMs: 100 },
      env: {},
    });
    await assert.rejects(client.publish('rest-missing', body(1), 1), (error: unknown) => {
      assert.ok(error instanceof RestPublishError);
      assert.equal(rpcCodeOf(error), 5);
      assert.equal(error.httpStatus, 404);
      return true;
    });
    await client.createTopic('rest-made');
    await client.createTopic('rest-made'); // exists: fine
    await createTopic(emulator, 'rest-events');
    await createSubscription(emulator, 'rest-events-sub', 'rest-events');
    const topic = client.topic('rest-events', { batching: { maxMessages: 50, maxMilliseconds: 10 } });
    const outcomes = await new Promise<Array<string | null | undefined>>((resolve, reject) => {
      const got: Array<string | null | undefined> = [];
      for (let i = 0; i < 120; i++) {
        topic.publishMessage({ data: Buffer.from(`event ${i}`), attributes: { i: String(i) } }, (error, id) => {
          if (error) reject(error);
          got.push(id);
          if (got.length === 120) resolve(got);
        });
      }
    });
    assert.equal(new Set(outcomes).size, 120, 'a distinct message id per message');
    const pulled = await pullAll(emulator, 'rest-events-sub', { expected: 120 });
    assert.deepEqual(
      pulled.map((message) => message.data.toString()).sort(),
      Array.from({ length: 120 }, (_, i) => `event ${i}`).sort(),
    );
    assert.deepEqual(pulled.find((message) => message.data.toString() === 'event 7')?.attributes, { i: '7' });
    await topic.flush();
    await client.close();
  });
});
