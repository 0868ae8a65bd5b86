import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PubSub } from '@google-cloud/pubsub';
import { countPublishRequests } from '../../../functions/adapters/pubsub/count-publish-requests.ts';
import type { PubsubTopic } from '../../../functions/adapters/pubsub/pubsub-client.ts';

/** A topic with the library's `request(config, callback)` shape, recording what it was called with. */
function topicWithRequest() {
  const calls: Array<{ self: unknown; config: { method?: string }; rest: unknown[] }> = [];
  const topic = {
    publishMessage() {},
    async flush() {},
    request(this: unknown, config: { method?: string }, ...rest: unknown[]) {
      calls.push({ self: this, config, rest });
      return `answer to ${config.method}`;
    },
  };
  return { topic, calls };
}

test('each publish request is counted and still sent, with its arguments, on the topic', () => {
  const { topic, calls } = topicWithRequest();
  let counted = 0;
  countPublishRequests(topic, () => {
    counted += 1;
  });
  const callback = () => {};
  assert.equal(topic.request({ method: 'publish' }, callback), 'answer to publish');
  assert.equal(topic.request({ method: 'getTopic' }), 'answer to getTopic');
  assert.equal(topic.request({ method: 'publish' }), 'answer to publish');
  assert.equal(counted, 2, 'only Publish requests count');
  assert.equal(calls.length, 3);
  assert.equal(calls[0]?.self, topic);
  assert.deepEqual(calls[0]?.rest, [callback]);
});

test('a topic without a request method is left as it is', () => {
  const topic: PubsubTopic = { publishMessage() {}, async flush() {} };
  countPublishRequests(topic, () => assert.fail('nothing to count'));
  assert.deepEqual(Object.keys(topic), ['publishMessage', 'flush']);
});

test("the library's Topic has the request method the count wraps (no connection is made)", async () => {
  const client = new PubSub({ projectId: 'acme', apiEndpoint: '127.0.0.1:9', emulatorMode: true });
  try {
    const topic = client.topic('t') as unknown as PubsubTopic & { request?: unknown };
    assert.equal(typeof topic.request, 'function');
    countPublishRequests(topic, () => {});
    assert.ok(Object.hasOwn(topic, 'request'), 'the instance now has the counting wrapper');
  } finally {
    await client.close();
  }
});
