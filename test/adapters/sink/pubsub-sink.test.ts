import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { PubsubClient, PubsubTopic } from '../../../functions/adapters/pubsub/pubsub-client.ts';
import { createPubsubSink, type PubsubSinkOptions } from '../../../functions/adapters/sink/pubsub-sink.ts';
import { fromMessage, toMessage } from '../../../functions/core/contract/message.ts';
import type { InvalidRow, ValidRow } from '../../../functions/core/contract/rows.ts';
import { SinkUnavailableError } from '../../../functions/core/sink/event-sink.ts';
import { SinkOverloadedError } from '../../../functions/core/sink/in-flight-limiter.ts';
import {
  MAX_PUBSUB_MESSAGE_BYTES,
  MAX_PUBSUB_REST_MESSAGE_BYTES,
} from '../../../functions/core/sink/oversize-message.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';
import { delay, waitFor } from '../../support/wait-for.ts';

/**
 * The sink with an injected client and against a fake REST server; against the Pub/Sub emulator
 * it is tested in test/e2e/pubsub-sink-emulator.test.ts.
 */
/** Slack for timers and the event loop on a busy CI machine. */
const TIMEOUT_MARGIN_MS = 750;

function validRowNumbered(n: number): ValidRow {
  return { ...validRow, event_id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}` };
}

/** Collects unhandled rejections while a test runs: the sink must never leave one behind. */
function watchUnhandledRejections(): { readonly seen: unknown[]; stop(): void } {
  const seen: unknown[] = [];
  const listener = (reason: unknown): void => void seen.push(reason);
  process.on('unhandledRejection', listener);
  return { seen, stop: () => process.off('unhandledRejection', listener) };
}

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
      let failed = 0;
      // The three publishes fail one after another, as a lost connection fails each in turn.
      invalid.answer = (index) =>
        new Promise((_, reject) =>
          setTimeout(() => {
            failed += 1;
            reject(cause);
          }, index * 5),
        );
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
      await waitFor(() => failed === 3, { what: 'the later publishes to fail too' });
      await new Promise((resolve) => setImmediate(resolve)); // unhandled rejections are reported by now
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
    await waitFor(() => valid.published.length === 3, { what: 'both publishes to reach the client' });
    const publishedBefore = valid.published.length;
    assert.equal(publishedBefore, 3);
    await assert.rejects(sink.publish({ valid: [validRow], invalid: [] }), (error: unknown) => {
      assert.ok(error instanceof SinkOverloadedError && error instanceof SinkUnavailableError);
      assert.match(error.message, /2 requests are already waiting for Pub\/Sub.*limits\.max_in_flight_requests = 2/);
      return true;
    });
    await new Promise((resolve) => setImmediate(resolve));
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
    await waitFor(() => held.length === 1, { what: 'the admitted publish to reach the client' });
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
      // Nothing to wait for: the subject is that no retry comes, so this watches for one a while.
      await delay(300);
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
