import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PubsubClient, PubsubTopic } from '../../../functions/adapters/pubsub/pubsub-client.ts';
import {
  createPubsubSink,
  type PubsubSink,
  type PubsubSinkOptions,
} from '../../../functions/adapters/sink/pubsub-sink.ts';
import { fromMessage, toMessage } from '../../../functions/core/contract/message.ts';
import type { InvalidRow, ValidRow } from '../../../functions/core/contract/rows.ts';
import { type EventSink, SinkUnavailableError } from '../../../functions/core/sink/event-sink.ts';
import { SinkOverloadedError } from '../../../functions/core/sink/in-flight-limiter.ts';
import {
  MAX_PUBSUB_MESSAGE_BYTES,
  MAX_PUBSUB_REST_MESSAGE_BYTES,
} from '../../../functions/core/sink/oversize-message.ts';
import {
  createSubscription,
  createTopic,
  emulatorSkipReason,
  type PubsubEmulator,
  type PulledMessage,
  pullAll,
  startPubsubEmulator,
} from '../../support/pubsub-emulator.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

const VALID_TOPIC = 'sluice-events';
const INVALID_TOPIC = 'sluice-invalid-events';
const VALID_SUB = 'sluice-events-test';
const INVALID_SUB = 'sluice-invalid-events-test';
/** The outage test's publish timeout: short, so a test of "rejects in time" takes seconds. */
const PUBLISH_TIMEOUT_MS = 1_500;
/**
 * Every other emulator test publishes with the default-sized timeout: their first publish loads the
 * client and connects, which on a loaded 2-core machine can take longer than the outage test's
 * 1.5 s, and a timeout there would test the machine, not the sink.
 */
const HEALTHY_PUBLISH_TIMEOUT_MS = 15_000;
/** NOT_FOUND must fail on the first answer; a retried one would run into the timeout instead. */
const NOT_RETRIED_WITHIN_MS = 5_000;
/** Slack for timers and the event loop on a busy CI machine. */
const TIMEOUT_MARGIN_MS = 750;

/** The row as it comes back from a message: null columns are not sent (see message.ts). */
function withoutNulls<T extends object>(row: T): T {
  return Object.fromEntries(Object.entries(row).filter(([, value]) => value !== null)) as T;
}

function validRowNumbered(n: number): ValidRow {
  return { ...validRow, event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` };
}

function invalidRowNumbered(n: number): InvalidRow {
  return { ...invalidRow, event_id: `00000000-0000-4000-9000-${String(n).padStart(12, '0')}` };
}

function eventIds(messages: readonly PulledMessage[]): string[] {
  return messages.map((message) => fromMessage(message.data, message.attributes).row.event_id).sort();
}

/** Collects unhandled rejections while a test runs: the sink must never leave one behind. */
function watchUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
}

for (const transport of ['rest', 'grpc'] as const)
  describe(`PubsubSink against the Pub/Sub emulator, transport ${transport}`, { skip: emulatorSkipReason() }, () => {
    let emulator: PubsubEmulator;
    let sink: PubsubSink;

    const sinkOptions = (publishTimeoutMs = HEALTHY_PUBLISH_TIMEOUT_MS): PubsubSinkOptions => ({
      projectId: emulator.projectId,
      validTopic: VALID_TOPIC,
      invalidTopic: INVALID_TOPIC,
      emulatorHost: emulator.host,
      publishTimeoutMs,
      batchMaxMessages: 100,
      batchMaxMs: 20,
      transport,
    });

    /** The emulator forgets everything on restart: topics and subscriptions are made again. */
    async function createTopicsAndSubscriptions(): Promise<void> {
      await createTopic(emulator, VALID_TOPIC);
      await createTopic(emulator, INVALID_TOPIC);
      await createSubscription(emulator, VALID_SUB, VALID_TOPIC);
      await createSubscription(emulator, INVALID_SUB, INVALID_TOPIC);
    }

    before(async () => {
      const started = Date.now();
      emulator = await startPubsubEmulator();
      console.log(`# emulator ready in ${Date.now() - started} ms`);
      await createTopicsAndSubscriptions();
      // Import the SDK before the first timed publish: loading it from node_modules takes over a
      // second on a busy 2-core machine, which would eat the short PUBLISH_TIMEOUT_MS these tests
      // use (the outage test needs it short). The sink still creates its client on first publish.
      if (transport === 'grpc') await import('@google-cloud/pubsub');
      sink = createPubsubSink(sinkOptions());
    });

    after(async () => {
      await sink?.close().catch(() => {});
      await emulator?.stop().catch(() => {});
    });

    test('valid rows go to the valid topic, invalid rows to the invalid topic, and decode to the same rows', async () => {
      const port: EventSink = sink;
      const began = Date.now();
      await port.publish({ valid: [validRow], invalid: [invalidRow] });
      console.log(`# first publish (creates the client, connects) took ${Date.now() - began} ms`);

      const [valid] = await pullAll(emulator, VALID_SUB, { expected: 1 });
      const [invalid] = await pullAll(emulator, INVALID_SUB, { expected: 1 });
      assert.ok(valid && invalid, 'one message on each topic');
      assert.deepEqual(fromMessage(valid.data, valid.attributes), { kind: 'valid', row: withoutNulls(validRow) });
      assert.deepEqual(fromMessage(invalid.data, invalid.attributes), { kind: 'invalid', row: invalidRow });
      assert.deepEqual(valid.attributes, {
        valid: 'true',
        protocol: 'snowplow',
        schema: validRow.schema,
        event_name: 'page_view',
      });
      assert.deepEqual(invalid.attributes, { valid: 'false', protocol: 'webhook', error_type: 'validation_failed' });
    });

    test('an empty batch resolves at once', async () => {
      const before = sink.stats();
      await sink.publish({ valid: [], invalid: [] });
      assert.deepEqual(sink.stats(), before);
    });

    test('500 rows in 50 concurrent publish() calls arrive exactly once, in shared batches', async () => {
      const before = sink.stats();
      const calls = Array.from({ length: 50 }, (_, call) =>
        sink.publish({
          valid: Array.from({ length: 8 }, (_, i) => validRowNumbered(call * 8 + i)),
          invalid: Array.from({ length: 2 }, (_, i) => invalidRowNumbered(call * 2 + i)),
        }),
      );
      await Promise.all(calls);

      const valid = await pullAll(emulator, VALID_SUB, { expected: 400 });
      const invalid = await pullAll(emulator, INVALID_SUB, { expected: 100 });
      assert.deepEqual(eventIds(valid), Array.from({ length: 400 }, (_, n) => validRowNumbered(n).event_id).sort());
      assert.deepEqual(eventIds(invalid), Array.from({ length: 100 }, (_, n) => invalidRowNumbered(n).event_id).sort());

      const after = sink.stats();
      const requests = after.publishCalls - before.publishCalls;
      console.log(`# 500 messages went out in ${requests} Publish requests`);
      assert.equal(after.messages - before.messages, 500);
      assert.equal(after.acknowledged - before.acknowledged, 500);
      // 400 + 100 messages with batchMaxMessages 100: 4 + 1 full batches, a few more if the
      // 20 ms timer cut one short, never one request per message.
      assert.ok(requests >= 5 && requests <= 20, `expected 5..20 Publish requests for 500 messages, got ${requests}`);
    });

    test('a missing topic rejects at once with SinkUnavailableError naming the topic', async () => {
      const lost = createPubsubSink({ ...sinkOptions(), validTopic: 'no-such-topic' });
      try {
        const began = Date.now();
        await assert.rejects(lost.publish({ valid: [validRow], invalid: [] }), (error: unknown) => {
          assert.ok(error instanceof SinkUnavailableError);
          assert.match(
            error.message,
            /topic no-such-topic failed: 5 NOT_FOUND.*does topic no-such-topic exist in project sluice-test\?/,
          );
          assert.ok(error.cause instanceof Error);
          return true;
        });
        assert.ok(Date.now() - began < NOT_RETRIED_WITHIN_MS, 'NOT_FOUND is not retried');
      } finally {
        await lost.close();
      }
    });

    test('close() lets publish() calls in flight finish, then later calls reject', async () => {
      const closing = createPubsubSink(sinkOptions());
      const inFlight = closing.publish({ valid: [validRowNumbered(9001)], invalid: [] });
      await closing.close();
      await inFlight;
      assert.deepEqual(eventIds(await pullAll(emulator, VALID_SUB, { expected: 1 })), [
        validRowNumbered(9001).event_id,
      ]);
      await assert.rejects(closing.publish({ valid: [validRow], invalid: [] }), /the Pub\/Sub sink is closed/);
    });

    // Runs last: it stops and restarts the emulator.
    test('while Pub/Sub is down publish() rejects in time, and after it is back publishing works again', {
      skip: process.env.PUBSUB_EMULATOR_HOST
        ? 'needs an emulator the tests start themselves, not PUBSUB_EMULATOR_HOST'
        : false,
    }, async () => {
      const unhandled = watchUnhandledRejections();
      // Its own sink with the short timeout: the rejection time is what this test measures.
      const outageSink = createPubsubSink(sinkOptions(PUBLISH_TIMEOUT_MS));
      try {
        await emulator.stop();

        for (const attempt of [1, 2]) {
          const began = Date.now();
          await assert.rejects(
            outageSink.publish({
              valid: [validRowNumbered(7000 + attempt)],
              invalid: [invalidRowNumbered(7000 + attempt)],
            }),
            (error: unknown) => {
              assert.ok(error instanceof SinkUnavailableError, `SinkUnavailableError expected, got ${String(error)}`);
              assert.match(error.message, /Pub\/Sub topic sluice-(invalid-)?events|on topic sluice-/);
              return true;
            },
          );
          const took = Date.now() - began;
          console.log(`# publish while down rejected after ${took} ms`);
          assert.ok(
            took <= PUBLISH_TIMEOUT_MS + TIMEOUT_MARGIN_MS,
            `rejected after ${took} ms, more than ${PUBLISH_TIMEOUT_MS} + ${TIMEOUT_MARGIN_MS}`,
          );
        }

        // Let any retry or timer the library still has run out while the emulator is down.
        await new Promise((resolve) => setTimeout(resolve, 500));

        const restarted = Date.now();
        await emulator.restart();
        await createTopicsAndSubscriptions();
        console.log(`# emulator restarted with topics in ${Date.now() - restarted} ms`);

        // A tracker retries after a 503; so does this test, a few times, because reconnecting on a
        // loaded machine may take longer than the short timeout. What must hold: the same sink
        // publishes again, and the event arrives (at least once, as a retried tracker event would).
        const began = Date.now();
        let recovered = false;
        for (let attempt = 1; attempt <= 5 && !recovered; attempt++) {
          recovered = await outageSink
            .publish({ valid: [validRowNumbered(8000)], invalid: [invalidRowNumbered(8000)] })
            .then(
              () => true,
              (error: unknown) => {
                assert.ok(error instanceof SinkUnavailableError, `SinkUnavailableError expected, got ${String(error)}`);
                return false;
              },
            );
        }
        assert.ok(recovered, 'publishing works again after the emulator is back');
        console.log(`# first successful publish after the restart took ${Date.now() - began} ms`);
        assert.deepEqual(
          [...new Set(eventIds(await pullAll(emulator, VALID_SUB, { expected: 1 })))],
          [validRowNumbered(8000).event_id],
        );
        assert.deepEqual(
          [...new Set(eventIds(await pullAll(emulator, INVALID_SUB, { expected: 1 })))],
          [invalidRowNumbered(8000).event_id],
        );
        assert.deepEqual(unhandled.seen, [], 'no unhandled rejections');
      } finally {
        unhandled.stop();
        await outageSink.close().catch(() => {});
      }
    });
  });

/** A stand-in Topic whose publishes settle when the test says so. */
class FakeTopic implements PubsubTopic {
  readonly published: Array<{ data: Buffer; attributes: Record<string, string> }> = [];
  answer: (index: number) => Promise<string> = async (index) => String(index);
  flushed = 0;

  publishMessage(
    message: { data: Buffer; attributes: Record<string, string> },
    callback: (error?: Error | null, messageId?: string | null) => void,
  ): void {
    this.published.push(message);
    this.answer(this.published.length - 1).then(
      (id) => callback(null, id),
      (error: Error) => callback(error),
    );
  }

  async flush(): Promise<void> {
    this.flushed += 1;
  }
}

class FakeClient implements PubsubClient {
  readonly topics = new Map<string, FakeTopic>();
  closed = false;

  topic(name: string): FakeTopic {
    const topic = new FakeTopic();
    this.topics.set(name, topic);
    return topic;
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

describe('PubsubSink with an injected client', () => {
  const options = (client: PubsubClient, publishTimeoutMs = 200): PubsubSinkOptions => ({
    projectId: '',
    validTopic: 'valid-topic',
    invalidTopic: 'invalid-topic',
    publishTimeoutMs,
    batchMaxMessages: 10,
    batchMaxMs: 5,
    client,
  });

  test('publishes every row to its topic as toMessage() encodes it', async () => {
    const client = new FakeClient();
    const sink = createPubsubSink(options(client));
    await sink.publish({ valid: [validRow, validRow], invalid: [invalidRow] });
    assert.equal(client.topics.get('valid-topic')?.published.length, 2);
    const [message] = client.topics.get('invalid-topic')?.published ?? [];
    assert.ok(message);
    assert.deepEqual(fromMessage(message.data, message.attributes), { kind: 'invalid', row: invalidRow });
    assert.deepEqual(sink.stats(), {
      messages: 3,
      acknowledged: 3,
      publishCalls: 0,
      oversize: 0,
      inFlight: { bytes: 0, requests: 0, peakBytes: sink.stats().inFlight.peakBytes, peakRequests: 1, shed: 0 },
    });
  });

  test("while Pub/Sub has not acknowledged, the encoded messages are the client's alone: the sink keeps none", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const data = new Set<WeakRef<Buffer>>();
    let acknowledge!: () => void;
    const acknowledged = new Promise<void>((resolve) => (acknowledge = resolve));
    // A client that, like the REST one, keeps the callback and lets go of the message.
    const client: PubsubClient = {
      topic: () => ({
        publishMessage(message, callback) {
          data.add(new WeakRef(message.data));
          void acknowledged.then(() => callback(null, 'id'));
        },
        flush: async () => {},
      }),
      close: async () => {},
    };
    const sink = createPubsubSink(options(client, 10_000));
    const published = sink.publish({ valid: [validRow, validRow], invalid: [invalidRow] });
    for (let round = 0; round < 3; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc();
    }
    assert.equal(data.size, 3);
    assert.equal(
      [...data].filter((ref) => ref.deref() !== undefined).length,
      0,
      'message data kept by the sink while Pub/Sub is pending',
    );
    acknowledge();
    await published;
  });

  test('a publish that is never acknowledged rejects after publishTimeoutMs, naming the topic and the count', async () => {
    const client = new FakeClient();
    const sink = createPubsubSink(options(client, 200));
    await sink.publish({ valid: [validRow], invalid: [] }); // creates the topics
    const valid = client.topics.get('valid-topic');
    assert.ok(valid);
    valid.answer = () => new Promise(() => {});
    const began = Date.now();
    await assert.rejects(sink.publish({ valid: [validRow, validRow], invalid: [invalidRow] }), (error: unknown) => {
      assert.ok(error instanceof SinkUnavailableError);
      assert.match(
        error.message,
        /^Pub\/Sub did not acknowledge 2 on topic valid-topic within 200 ms \(pubsub\.publish_timeout_ms\)/,
      );
      return true;
    });
    const took = Date.now() - began;
    assert.ok(took >= 190 && took < 200 + TIMEOUT_MARGIN_MS, `took ${took} ms`);
  });

  test('a failed publish rejects with SinkUnavailableError keeping the cause, later failures stay handled', async () => {
    const unhandled = watchUnhandledRejections();
    try {
      const client = new FakeClient();
      const sink = createPubsubSink(options(client));
      await sink.publish({ valid: [validRow], invalid: [] });
      const cause = Object.assign(new Error('14 UNAVAILABLE: No connection established : Previous errors : [{...}]'), {
        code: 14,
      });
      const invalid = client.topics.get('invalid-topic');
      assert.ok(invalid);
      invalid.answer = (index) => new Promise((_, reject) => setTimeout(() => reject(cause), index * 5));
      await assert.rejects(
        sink.publish({ valid: [], invalid: [invalidRow, invalidRow, invalidRow] }),
        (error: unknown) => {
          assert.ok(error instanceof SinkUnavailableError);
          assert.equal(
            error.message,
            'publishing to Pub/Sub topic invalid-topic failed: 14 UNAVAILABLE: No connection established',
          );
          assert.equal(error.cause, cause);
          return true;
        },
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.deepEqual(unhandled.seen, []);
    } finally {
      unhandled.stop();
    }
  });

  test('close() flushes both topics but leaves an injected client open', async () => {
    const client = new FakeClient();
    const sink = createPubsubSink(options(client));
    await sink.close(); // before any publish: nothing to flush
    assert.equal(client.topics.size, 0);

    const used = createPubsubSink(options(client));
    await used.publish({ valid: [validRow], invalid: [] });
    await used.close();
    assert.deepEqual(
      [...client.topics.values()].map((topic) => topic.flushed),
      [1, 1],
    );
    assert.equal(client.closed, false);
  });

  test('in-flight publishing is capped: past limits.max_in_flight_requests a publish is refused at once, not buffered', async () => {
    const client = new FakeClient();
    const sink = createPubsubSink({ ...options(client, 5_000), maxInFlightRequests: 2 });
    await sink.publish({ valid: [validRow], invalid: [] }); // creates the topics
    const valid = client.topics.get('valid-topic');
    assert.ok(valid);
    const held: Array<() => void> = [];
    valid.answer = (index) => new Promise((resolve) => held.push(() => resolve(String(index))));
    const first = sink.publish({ valid: [validRow], invalid: [] });
    const second = sink.publish({ valid: [validRow], invalid: [] });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const publishedBefore = valid.published.length;
    assert.equal(publishedBefore, 3);
    await assert.rejects(sink.publish({ valid: [validRow], invalid: [] }), (error: unknown) => {
      assert.ok(error instanceof SinkOverloadedError && error instanceof SinkUnavailableError);
      assert.match(error.message, /2 requests are already waiting for Pub\/Sub.*limits\.max_in_flight_requests = 2/);
      return true;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(valid.published.length, publishedBefore, 'the refused rows were never handed to the library');
    for (const resolve of held) resolve();
    await Promise.all([first, second]);
    assert.deepEqual(
      { ...sink.stats().inFlight, peakBytes: 0 },
      { bytes: 0, requests: 0, peakBytes: 0, peakRequests: 2, shed: 1 },
    );
    valid.answer = async (index) => String(index);
    await sink.publish({ valid: [validRow], invalid: [] }); // room again
  });

  test('in-flight bytes are capped, but one request alone is always admitted', async () => {
    const client = new FakeClient();
    const { data, attributes } = toMessage('valid', validRow);
    const oneRowBytes =
      data.length + Object.entries(attributes).reduce((sum, [name, value]) => sum + name.length + value.length, 0);
    const sink = createPubsubSink({ ...options(client, 5_000), maxInFlightBytes: oneRowBytes * 1.5 });
    await sink.publish({ valid: [validRow, validRow, validRow], invalid: [] }); // alone: admitted although over the cap
    const valid = client.topics.get('valid-topic');
    assert.ok(valid);
    const held: Array<() => void> = [];
    valid.answer = (index) => new Promise((resolve) => held.push(() => resolve(String(index))));
    const first = sink.publish({ valid: [validRow], invalid: [] });
    await assert.rejects(sink.publish({ valid: [validRow], invalid: [] }), /over limits\.max_in_flight_bytes/);
    await new Promise((resolve) => setTimeout(resolve, 20));
    for (const resolve of held) resolve();
    await first;
    assert.ok(sink.stats().inFlight.peakBytes <= oneRowBytes * 3, `peak ${sink.stats().inFlight.peakBytes}`);
  });

  test("a row whose message is over Pub/Sub's limit becomes a size_exceeded invalid row instead of failing every retry", async () => {
    const client = new FakeClient();
    const sink = createPubsubSink({ ...options(client), maxRawBytes: 100 });
    const huge: ValidRow = { ...validRow, payload: { blob: 'x'.repeat(MAX_PUBSUB_MESSAGE_BYTES) } };
    await sink.publish({ valid: [huge, validRow], invalid: [] });
    assert.equal(client.topics.get('valid-topic')?.published.length, 1, 'only the small row is valid');
    const [message] = client.topics.get('invalid-topic')?.published ?? [];
    assert.ok(message);
    assert.ok(message.data.length < 4096, `the replacement is small: ${message.data.length} bytes`);
    const decoded = fromMessage(message.data, message.attributes);
    assert.equal(decoded.kind, 'invalid');
    const row = decoded.row as InvalidRow;
    assert.equal(row.error_type, 'size_exceeded');
    assert.equal(row.event_id, huge.event_id);
    assert.equal(row.schema, huge.schema);
    assert.equal(Buffer.byteLength(row.raw ?? ''), 100);
    assert.match(JSON.stringify(row.errors), /over the 9437184 bytes one message may hold/);
    assert.equal(message.attributes.error_type, 'size_exceeded');
    assert.equal(sink.stats().oversize, 1);
  });

  test('options are checked when the sink is made', () => {
    const client = new FakeClient();
    assert.throws(
      () => createPubsubSink({ ...options(client), publishTimeoutMs: 0 }),
      /publishTimeoutMs must be a number >= 1, got 0/,
    );
    assert.throws(
      () => createPubsubSink({ ...options(client), batchMaxMessages: Number.NaN }),
      /batchMaxMessages must be a number >= 1, got NaN/,
    );
    assert.throws(() => createPubsubSink({ ...options(client), invalidTopic: ' ' }), /invalidTopic is empty/);
    assert.doesNotThrow(() => createPubsubSink({ ...options(client), batchMaxMs: 0 }));
  });
});

/**
 * The sink's own timeout over the REST transport, against a local HTTP server standing in for
 * Pub/Sub's REST API: answers are held until the test releases them.
 */
describe('PubsubSink with the REST transport against a fake Pub/Sub server', () => {
  let server: Server;
  let host: string;
  const held: Array<() => void> = [];
  const bodies: Array<{ url: string; messages: Array<{ data: string; attributes: Record<string, string> }> }> = [];
  let holdAnswers = false;

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as {
          messages: Array<{ data: string; attributes: Record<string, string> }>;
        };
        bodies.push({ url: request.url ?? '', messages: body.messages });
        const answer = () =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ messageIds: body.messages.map((_, i) => `id-${bodies.length}-${i}`) }));
        if (holdAnswers) held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const restOptions = (publishTimeoutMs: number, batchMaxMs = 5): PubsubSinkOptions => ({
    projectId: 'p1',
    validTopic: 'valid-topic',
    invalidTopic: 'invalid-topic',
    emulatorHost: host,
    publishTimeoutMs,
    batchMaxMessages: 100,
    batchMaxMs,
    transport: 'rest',
  });

  test('publishes each row as base64 data with its attributes to its topic, counting one Publish request per batch', async () => {
    bodies.length = 0;
    const sink = createPubsubSink(restOptions(5_000));
    try {
      await sink.publish({ valid: [validRow, validRow], invalid: [invalidRow] });
      assert.deepEqual(bodies.map((body) => [body.url, body.messages.length]).sort(), [
        ['/v1/projects/p1/topics/invalid-topic:publish', 1],
        ['/v1/projects/p1/topics/valid-topic:publish', 2],
      ]);
      const invalid = bodies.find((body) => body.url.includes('invalid-topic'))?.messages[0];
      assert.ok(invalid);
      assert.deepEqual(fromMessage(Buffer.from(invalid.data, 'base64'), invalid.attributes), {
        kind: 'invalid',
        row: invalidRow,
      });
      assert.equal(sink.stats().publishCalls, 2);
      assert.equal(sink.stats().acknowledged, 3);
    } finally {
      await sink.close();
    }
  });

  test("an answer that does not come in time: publish() rejects within publishTimeoutMs with the transport's DEADLINE_EXCEEDED, and nothing is retried after it", async () => {
    holdAnswers = true;
    const requestsBefore = bodies.length;
    const sink = createPubsubSink(restOptions(300));
    try {
      const began = Date.now();
      await assert.rejects(sink.publish({ valid: [validRow], invalid: [] }), (error: unknown) => {
        assert.ok(error instanceof SinkUnavailableError);
        // The retry budget ends before the sink's own timer, so the cause is the real one.
        assert.match(
          error.message,
          /^publishing to Pub\/Sub topic valid-topic failed: 4 DEADLINE_EXCEEDED: POST http:\/\/127\.0\.0\.1:\d+\/v1\/projects\/p1\/topics\/valid-topic:publish failed/,
        );
        return true;
      });
      const took = Date.now() - began;
      assert.ok(took < 300 + TIMEOUT_MARGIN_MS, `took ${took} ms`);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal(bodies.length - requestsBefore, 1, 'one attempt, cut at the budget, and no retry after the answer');
      assert.equal(sink.stats().acknowledged, 0);
    } finally {
      holdAnswers = false;
      for (const answer of held.splice(0)) answer();
      await sink.close();
    }
  });

  test('close() sends what is still batched and waits for it', async () => {
    bodies.length = 0;
    const sink = createPubsubSink(restOptions(5_000, 1_000));
    const publishing = sink.publish({ valid: [validRowNumbered(1)], invalid: [] });
    const began = Date.now();
    await sink.close();
    await publishing;
    assert.equal(bodies.length, 1);
    assert.ok(Date.now() - began < 2_000);
    await assert.rejects(sink.publish({ valid: [validRow], invalid: [] }), /the Pub\/Sub sink is closed/);
  });

  test('a message too big for a REST request once base64-encoded becomes a size_exceeded row', async () => {
    bodies.length = 0;
    const sink = createPubsubSink(restOptions(15_000));
    try {
      const big: ValidRow = { ...validRow, payload: { blob: 'x'.repeat(MAX_PUBSUB_REST_MESSAGE_BYTES) } };
      await sink.publish({ valid: [big], invalid: [] });
      assert.equal(sink.stats().oversize, 1);
      const [message] = bodies.flatMap((body) => body.messages);
      assert.ok(message);
      assert.equal(message.attributes.error_type, 'size_exceeded');
      assert.match(
        Buffer.from(message.data, 'base64').toString(),
        new RegExp(`over the ${MAX_PUBSUB_REST_MESSAGE_BYTES} bytes one message may hold`),
      );
    } finally {
      await sink.close();
    }
  });

  test('an unknown transport is refused when the sink is made', () => {
    assert.throws(
      () => createPubsubSink({ ...restOptions(1_000), transport: 'http' as never }),
      /transport must be rest or grpc, got http/,
    );
  });
});
