import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_PARKED_SAMPLES, runRedrive } from '../../../functions/core/replay/redrive-run.ts';
import type { ParkedMessage, RedriveSource, RedriveTarget } from '../../../functions/core/replay/redrive-source.ts';

/** What happened, in order: publishes, acks and releases, so tests can check the order. */
type Event = { kind: 'publish' | 'published' | 'ack' | 'release' | 'close'; id?: string };

function parked(
  id: string,
  topic: string,
  data: Uint8Array,
  attributes: Record<string, string>,
  log: Event[],
): ParkedMessage {
  return {
    id,
    topic,
    data,
    attributes,
    ack: async () => {
      log.push({ kind: 'ack', id });
    },
    release: async () => {
      log.push({ kind: 'release', id });
    },
  };
}

function sourceOf(messages: ParkedMessage[], log: Event[]): RedriveSource {
  return {
    description: 'test dead letters',
    async *[Symbol.asyncIterator]() {
      yield* messages;
    },
    close: async () => {
      log.push({ kind: 'close' });
    },
  };
}

function targetOf(log: Event[], fail: (topic: string, data: Uint8Array) => boolean = () => false) {
  const published: Array<{ topic: string; data: Uint8Array; attributes: Readonly<Record<string, string>> }> = [];
  const target: RedriveTarget = {
    description: 'test topics',
    async publish(topic, data, attributes) {
      const id = Buffer.from(data).toString('utf8');
      log.push({ kind: 'publish', id });
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail(topic, data)) throw new Error(`topic ${topic} refused`);
      published.push({ topic, data, attributes });
      log.push({ kind: 'published', id });
    },
    close: async () => {},
  };
  return { target, published };
}

const DEAD_LETTER_ATTRIBUTES = {
  CloudPubSubDeadLetterSourceDeliveryCount: '10',
  CloudPubSubDeadLetterSourceSubscription: 'sluice-events-bigquery',
  CloudPubSubDeadLetterSourceSubscriptionProject: 'acme',
  CloudPubSubDeadLetterSourceTopicPublishTime: '2026-12-05T07:25:15.176Z',
  CloudPubSubDeadLetterSourceDeliveryErrorMessage: 'Field payload: JSON column needs valid JSON',
};

test('each message goes back to its topic with its bytes and original attributes, acknowledged only after the publish', async () => {
  const log: Event[] = [];
  const binary = new Uint8Array([0, 255, 128, 10]);
  const messages = [
    parked(
      'm1',
      'sluice-events',
      Buffer.from('m1'),
      { valid: 'true', protocol: 'snowplow', ...DEAD_LETTER_ATTRIBUTES },
      log,
    ),
    parked(
      'm2',
      'sluice-invalid-events',
      Buffer.from('m2'),
      { valid: 'false', é: 'ü', ...DEAD_LETTER_ATTRIBUTES },
      log,
    ),
  ];
  const withBinary = parked('m3', 'sluice-events', binary, {}, log);
  const { target, published } = targetOf(log);
  const summary = await runRedrive({
    source: sourceOf([...messages, withBinary], log),
    target,
    dryRun: false,
    concurrency: 8,
  });
  assert.equal(summary.ok, true);
  assert.deepEqual(summary.counts, { read: 3, published: 3, failed: 0 });
  assert.deepEqual(summary.by_topic, { 'sluice-events': 2, 'sluice-invalid-events': 1 });
  assert.deepEqual(
    published.map(({ topic, attributes }) => [topic, attributes]),
    [
      ['sluice-events', { valid: 'true', protocol: 'snowplow' }],
      ['sluice-invalid-events', { valid: 'false', é: 'ü' }],
      ['sluice-events', {}],
    ],
  );
  assert.deepEqual([...(published[2]?.data ?? [])], [0, 255, 128, 10]);
  for (const id of ['m1', 'm2']) {
    const publishedAt = log.findIndex((event) => event.kind === 'published' && event.id === id);
    const ackedAt = log.findIndex((event) => event.kind === 'ack' && event.id === id);
    assert.ok(
      publishedAt >= 0 && ackedAt > publishedAt,
      `${id} acknowledged after its publish: ${JSON.stringify(log)}`,
    );
  }
  assert.equal(log.at(-1)?.kind, 'close');
});

test('a failed publish leaves the message parked (released, never acknowledged) and makes the run not ok', async () => {
  const log: Event[] = [];
  const { target } = targetOf(log, (topic) => topic === 'gone');
  const summary = await runRedrive({
    source: sourceOf(
      [
        parked('ok', 'sluice-events', Buffer.from('ok'), {}, log),
        parked('bad', 'gone', Buffer.from('bad'), DEAD_LETTER_ATTRIBUTES, log),
      ],
      log,
    ),
    target,
    dryRun: false,
    concurrency: 1,
  });
  assert.equal(summary.ok, false);
  assert.deepEqual(summary.counts, { read: 2, published: 1, failed: 1 });
  assert.ok(!log.some((event) => event.kind === 'ack' && event.id === 'bad'));
  assert.ok(log.some((event) => event.kind === 'release' && event.id === 'bad'));
  assert.match(String(summary.first_messages[0]?.error), /topic gone refused/);
});

test('--dry-run publishes and acknowledges nothing, and shows the first messages with their reasons', async () => {
  const log: Event[] = [];
  const { target, published } = targetOf(log);
  const messages = Array.from({ length: MAX_PARKED_SAMPLES + 5 }, (_, index) =>
    parked(
      `m${index}`,
      'sluice-events',
      Buffer.from(`{"event_id":"e${index}"}`),
      { valid: 'true', ...DEAD_LETTER_ATTRIBUTES },
      log,
    ),
  );
  messages.push(parked('plain', 'sluice-events', new Uint8Array([0xff, 0xfe]), {}, log));
  const summary = await runRedrive({ source: sourceOf(messages, log), target, dryRun: true, concurrency: 4 });
  assert.equal(summary.dry_run, true);
  assert.deepEqual(summary.counts, { read: MAX_PARKED_SAMPLES + 6, published: 0, failed: 0 });
  assert.deepEqual(published, []);
  assert.ok(!log.some((event) => event.kind === 'ack'));
  assert.equal(log.filter((event) => event.kind === 'release').length, MAX_PARKED_SAMPLES + 6);
  assert.equal(summary.first_messages.length, MAX_PARKED_SAMPLES);
  assert.deepEqual(summary.first_messages[0], {
    id: 'm0',
    topic: 'sluice-events',
    reason: 'Field payload: JSON column needs valid JSON',
    delivery_attempts: 10,
    source_subscription: 'sluice-events-bigquery',
    first_published: '2026-12-05T07:25:15.176Z',
    attributes: { valid: 'true' },
    data: '{"event_id":"e0"}',
  });
  assert.deepEqual(summary.by_reason, {
    'Field payload: JSON column needs valid JSON': MAX_PARKED_SAMPLES + 5,
    '(none given)': 1,
  });
});

test('--limit stops reading; what was read is finished first', async () => {
  const log: Event[] = [];
  const { target, published } = targetOf(log);
  const messages = Array.from({ length: 20 }, (_, index) =>
    parked(`m${index}`, 't-topic', Buffer.from(`m${index}`), {}, log),
  );
  const summary = await runRedrive({
    source: sourceOf(messages, log),
    target,
    dryRun: false,
    limit: 7,
    concurrency: 3,
  });
  assert.deepEqual(summary.counts, { read: 7, published: 7, failed: 0 });
  assert.equal(published.length, 7);
});
