import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import {
  createPubsubSink,
  type PubsubSink,
  type PubsubSinkOptions,
} from '../../functions/adapters/sink/pubsub-sink.ts';
import { fromMessage } from '../../functions/core/contract/message.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import { type EventSink, SinkUnavailableError } from '../../functions/core/sink/event-sink.ts';
import {
  createSubscription,
  createTopic,
  emulatorSkipReason,
  type PubsubEmulator,
  type PulledMessage,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { invalidRow, validRow } from '../support/sample-rows.ts';
import { delay } from '../support/wait-for.ts';

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

        // Let any retry or timer the library still has run out while the emulator is down: the
        // library's own timers, which the test cannot see, so this waits a while.
        await delay(500);

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
