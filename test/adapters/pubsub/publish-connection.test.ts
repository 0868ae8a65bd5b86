import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { PublishOptions } from '@google-cloud/pubsub';
import { openPublishConnection } from '../../../functions/adapters/pubsub/publish-connection.ts';
import type { PubsubClient, PubsubTopic } from '../../../functions/adapters/pubsub/pubsub-client.ts';
import { PubsubRestClient } from '../../../functions/adapters/pubsub/rest-client.ts';
import { publishRetryTiming } from '../../../functions/adapters/pubsub/retry-timing.ts';
import { MAX_PUBSUB_REQUEST_BYTES } from '../../../functions/core/limits.ts';

const OPTIONS = {
  projectId: 'acme',
  validTopic: 'events',
  invalidTopic: 'invalid-events',
  publishTimeoutMs: 10_000,
  batchMaxMessages: 500,
  batchMaxMs: 5,
} as const;

/** A client that records the topics asked of it and their publish options. */
function recordingClient() {
  const asked: Array<{ name: string; options: PublishOptions | undefined }> = [];
  const client: PubsubClient = {
    topic(name, options) {
      asked.push({ name, options });
      return { publishMessage() {}, async flush() {} } satisfies PubsubTopic;
    },
    async close() {},
  };
  return { client, asked };
}

test('an injected client is used as it is, not owned, with both topics batched and retried within the budget', async () => {
  const { client, asked } = recordingClient();
  const connection = await openPublishConnection({ ...OPTIONS, transport: 'grpc', client }, () => {});
  assert.equal(connection.client, client);
  assert.equal(connection.owned, false, 'its creator closes it');
  assert.deepEqual(
    asked.map(({ name }) => name),
    ['events', 'invalid-events'],
  );
  const budget = publishRetryTiming(OPTIONS).budgetMs;
  for (const { options } of asked) {
    assert.deepEqual(options?.batching, { maxMessages: 500, maxMilliseconds: 5, maxBytes: MAX_PUBSUB_REQUEST_BYTES });
    assert.equal(options?.gaxOpts?.timeout, budget);
  }
});

test('transport rest: a PubsubRestClient of its own, without loading the SDK', async () => {
  const connection = await openPublishConnection({ ...OPTIONS, transport: 'rest' }, () => {});
  try {
    assert.ok(connection.client instanceof PubsubRestClient);
    assert.equal(connection.owned, true);
  } finally {
    await connection.client.close();
  }
});

test("transport grpc: the library's client, owned, its topics named as configured", async () => {
  const connection = await openPublishConnection(
    { ...OPTIONS, transport: 'grpc', emulatorHost: '127.0.0.1:9' },
    () => {},
  );
  try {
    const { PubSub, Topic } = await import('@google-cloud/pubsub');
    assert.ok(connection.client instanceof PubSub);
    assert.equal(connection.owned, true);
    assert.ok(connection.topics.valid instanceof Topic);
    assert.equal((connection.topics.valid as unknown as { name: string }).name, 'projects/acme/topics/events');
    assert.equal(
      (connection.topics.invalid as unknown as { name: string }).name,
      'projects/acme/topics/invalid-events',
    );
  } finally {
    await connection.client.close();
  }
});
