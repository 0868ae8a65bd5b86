import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { buildPageView, buildSelfDescribingEvent, newTracker } from '@snowplow/node-tracker';
import { fromMessage } from '../../functions/core/contract/message.ts';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import { serveCollectorOnPubsub } from '../support/framework-server.ts';
import {
  createTopicsWithSubscriptions,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { waitFor } from '../support/wait-for.ts';

/**
 * The collector function end to end on the real Pub/Sub emulator: real tracker traffic in,
 * contract rows with their attributes out on the right topics, and 503 during an outage.
 */
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const VALID_TOPIC = 'e2e-events';
const INVALID_TOPIC = 'e2e-invalid-events';

describe('collector on the Pub/Sub emulator', { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  let base = '';
  let close: () => Promise<void>;

  before(async () => {
    emulator = await startPubsubEmulator();
    await createTopicsWithSubscriptions(emulator, [VALID_TOPIC, INVALID_TOPIC]);
    ({ base, close } = await serveCollectorOnPubsub({
      projectId: emulator.projectId,
      emulatorHost: emulator.host,
      validTopic: VALID_TOPIC,
      invalidTopic: INVALID_TOPIC,
      publishTimeoutMs: 1500,
    }));
  });
  after(async () => {
    await close?.();
    await emulator?.stop();
  });

  test('a mixed tracker batch splits into contract rows on the valid and invalid topics, with attributes', async () => {
    const tracker = newTracker(
      { namespace: 'emu', appId: 'shop' },
      { endpoint: base, eventMethod: 'post', bufferSize: 4, retryFailedRequests: false },
    );
    tracker.track(buildPageView({ pageUrl: 'https://shop.example/', pageTitle: 'Home' }));
    tracker.track(
      buildSelfDescribingEvent({ event: { schema: CHECKOUT, data: { order_id: 'A-1', total: 30, currency: 'EUR' } } }),
    );
    tracker.track(
      buildSelfDescribingEvent({ event: { schema: CHECKOUT, data: { order_id: 'A-2', total: 'x', currency: 'EUR' } } }),
    );
    tracker.track(buildSelfDescribingEvent({ event: { schema: 'iglu:com.example/nope/jsonschema/1-0-0', data: {} } }));
    await tracker.flush();

    const valid = await pullAll(emulator, `${VALID_TOPIC}-sub`, { expected: 2 });
    const invalid = await pullAll(emulator, `${INVALID_TOPIC}-sub`, { expected: 2 });
    assert.equal(valid.length, 2);
    assert.equal(invalid.length, 2);
    for (const message of valid) {
      const decoded = fromMessage(message.data, message.attributes);
      assert.equal(decoded.kind, 'valid');
      assert.deepEqual(rowProblems('valid', decoded.row), []);
      assert.deepEqual(message.attributes, {
        protocol: 'snowplow',
        valid: 'true',
        schema: decoded.row.schema,
        event_name: decoded.row.event_name,
      });
    }
    assert.deepEqual(valid.map((m) => m.attributes.event_name).sort(), ['checkout', 'page_view']);
    // The body is what a BigQuery subscription with use_table_schema writes: JSON columns as text.
    const body = JSON.parse(valid.find((m) => m.attributes.event_name === 'checkout')?.data.toString('utf8') ?? '{}');
    assert.equal(body.payload, '{"order_id":"A-1","total":30,"currency":"EUR"}');
    assert.equal(typeof body.collector_tstamp, 'number');
    for (const message of invalid) {
      const decoded = fromMessage(message.data, message.attributes);
      assert.equal(decoded.kind, 'invalid');
      assert.deepEqual(rowProblems('invalid', decoded.row), []);
      assert.equal(message.attributes.valid, 'false');
      assert.equal(message.attributes.error_type, (decoded.row as { error_type: string }).error_type);
    }
    assert.deepEqual(invalid.map((m) => m.attributes.error_type).sort(), ['schema_not_found', 'validation_failed']);
  });

  test('while Pub/Sub is down the function answers 503, and 2xx again once it is back', async () => {
    const event = JSON.stringify({ schema: CHECKOUT, data: { order_id: 'O-1', total: 1, currency: 'EUR' } });
    const send = () =>
      fetch(`${base}/self-describing`, {
        method: 'POST',
        body: event,
        headers: { 'content-type': 'application/json' },
      });
    assert.equal((await send()).status, 200);
    await pullAll(emulator, `${VALID_TOPIC}-sub`, { expected: 1 });

    await emulator.stop();
    const down = await send();
    assert.equal(down.status, 503);
    assert.equal(down.headers.get('retry-after'), '5');

    await emulator.restart(); // the emulator forgets everything: the topics are made again
    await createTopicsWithSubscriptions(emulator, [VALID_TOPIC, INVALID_TOPIC]);
    // A tracker retries after a 503 the same way, until the collector takes the event.
    await waitFor(async () => (await send()).status === 200, {
      timeoutMs: 10_000,
      intervalMs: 300,
      what: 'the event to be taken again once Pub/Sub is back',
    });
    const delivered = await pullAll(emulator, `${VALID_TOPIC}-sub`, { expected: 1 });
    // At least once: the 200 answer means this event is on the topic (earlier 503s may have left copies).
    assert.ok(delivered.length >= 1);
    for (const message of delivered) {
      assert.deepEqual(fromMessage(message.data, message.attributes).row.payload, {
        order_id: 'O-1',
        total: 1,
        currency: 'EUR',
      });
    }
  });
});
