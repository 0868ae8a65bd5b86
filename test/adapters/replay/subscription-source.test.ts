import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  type PullResponse,
  type SubscriberPort,
  subscriptionSource,
} from '../../../functions/adapters/replay/subscription-source.ts';
import { toMessage } from '../../../functions/core/contract/message.ts';
import type { ReplayItem } from '../../../functions/core/replay/replay-source.ts';
import { invalidRow } from '../../support/sample-rows.ts';

/**
 * The subscription source against a scripted stand-in for the Subscriber API: what it pulls,
 * acknowledges, hands back and seeks. (The emulator tests run it against the real thing.)
 */
const NAME = 'projects/p/subscriptions/replay';

function fakeSubscriber(pulls: Array<PullResponse | Error>) {
  const calls: Array<[string, unknown]> = [];
  const client: SubscriberPort = {
    getProjectId: async () => 'p',
    async pull(request) {
      calls.push(['pull', request]);
      const next = pulls.shift() ?? {};
      if (next instanceof Error) throw next;
      return [next];
    },
    async acknowledge(request) {
      calls.push(['ack', request.ackIds]);
    },
    async modifyAckDeadline(request) {
      calls.push(['nack', request.ackIds]);
    },
    async seek(request) {
      calls.push(['seek', request]);
    },
    async close() {
      calls.push(['close', null]);
    },
  };
  return { client, calls };
}

function received(ackId: string, messageId: string) {
  const message = toMessage('invalid', { ...invalidRow, event_id: `event-${messageId}` });
  return { ackId, message: { data: message.data, attributes: { ...message.attributes }, messageId } };
}

async function drain(
  source: AsyncIterable<ReplayItem>,
  each: (item: ReplayItem) => Promise<void> = async () => {},
): Promise<ReplayItem[]> {
  const items: ReplayItem[] = [];
  for await (const item of source) {
    items.push(item);
    await each(item);
  }
  return items;
}

describe('the subscription source', () => {
  test('each message once per run; acks batched; what was not acked is nacked at close', async () => {
    const fake = fakeSubscriber([
      { receivedMessages: [received('a1', 'm1'), received('a2', 'm2')] },
      // m1 again (its lease expired while held): held, not handed out twice
      {
        receivedMessages: [
          received('a1-again', 'm1'),
          received('a3', 'm3'),
          { ackId: 'a4', message: { data: Buffer.from('not json'), attributes: {}, messageId: 'm4' } },
        ],
      },
    ]);
    const source = subscriptionSource({
      projectId: 'p',
      subscription: 'replay',
      batchSize: 10,
      idleMs: 0,
      client: fake.client,
    });
    const acks: Array<Promise<void>> = [];
    const items = await drain(source, async (item) => {
      if (item.id !== 'message m2') acks.push(item.ack());
    });
    await Promise.all(acks);
    await source.close();
    assert.deepEqual(
      items.map((item) => item.id),
      ['message m1', 'message m2', 'message m3', 'message m4'],
    );
    assert.deepEqual(
      items.map((item) => ('unreadable' in item.row ? 'unreadable' : item.row.event_id)),
      ['event-m1', 'event-m2', 'event-m3', 'unreadable'],
    );
    assert.match((items[3]?.row as { unreadable: string }).unreadable, /not a Sluice row: message body is not JSON/);
    const acked = fake.calls.filter(([kind]) => kind === 'ack').flatMap(([, ids]) => ids as string[]);
    assert.deepEqual(acked.sort(), ['a1', 'a3', 'a4']);
    assert.ok(fake.calls.filter(([kind]) => kind === 'ack').length < 3, 'acknowledgements are sent together');
    assert.deepEqual(
      fake.calls.find(([kind]) => kind === 'nack')?.[1],
      ['a2', 'a1-again'],
      'the unacknowledged are handed back at once',
    );
    assert.ok(!fake.calls.some(([kind]) => kind === 'close'), 'an injected client belongs to its creator');
    assert.deepEqual(fake.calls[0], ['pull', { subscription: NAME, maxMessages: 10 }]);
  });

  test('seeks to a time or a snapshot before the first pull', async () => {
    const byTime = fakeSubscriber([]);
    await drain(
      subscriptionSource({
        projectId: 'p',
        subscription: 'replay',
        seek: { time: new Date('2026-11-30T08:00:00.250Z') },
        batchSize: 1,
        idleMs: 0,
        client: byTime.client,
      }),
    );
    assert.deepEqual(byTime.calls[0], [
      'seek',
      { subscription: NAME, time: { seconds: 1796025600, nanos: 250_000_000 } },
    ]);
    const bySnapshot = fakeSubscriber([]);
    await drain(
      subscriptionSource({
        projectId: 'p',
        subscription: 'replay',
        seek: { snapshot: 'before-fix' },
        batchSize: 1,
        idleMs: 0,
        client: bySnapshot.client,
      }),
    );
    assert.deepEqual(bySnapshot.calls[0], [
      'seek',
      { subscription: NAME, snapshot: 'projects/p/snapshots/before-fix' },
    ]);
  });

  test('an empty pull or a pull timeout is not the end until --idle has passed without a new message', async () => {
    const timeout = Object.assign(new Error('Deadline exceeded'), { code: 4 });
    const fake = fakeSubscriber([{}, timeout, { receivedMessages: [received('a1', 'm1')] }]);
    const items = await drain(
      subscriptionSource({ projectId: 'p', subscription: 'replay', batchSize: 5, idleMs: 300, client: fake.client }),
    );
    assert.equal(items.length, 1);
  });

  test('a missing subscription is named with the fix', async () => {
    const fake = fakeSubscriber([Object.assign(new Error('5 NOT_FOUND: Subscription does not exist'), { code: 5 })]);
    await assert.rejects(
      drain(
        subscriptionSource({ projectId: 'p', subscription: 'replay', batchSize: 5, idleMs: 0, client: fake.client }),
      ),
      /subscription projects\/p\/subscriptions\/replay does not exist: create it with npm run deploy, or set replay_subscription/,
    );
    assert.throws(
      () => subscriptionSource({ projectId: 'p', subscription: 'replay', batchSize: 5000, idleMs: 0 }),
      /batch size must be a whole number from 1 to 1000/,
    );
  });
});
