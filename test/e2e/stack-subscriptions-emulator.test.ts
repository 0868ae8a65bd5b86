import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createPubsubSink } from '../../functions/adapters/sink/pubsub-sink.ts';
import { toMessage } from '../../functions/core/contract/message.ts';
import type { EventSink } from '../../functions/core/sink/event-sink.ts';
import {
  EMULATOR_PROJECT_ID,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { invalidRow, validRow } from '../support/sample-rows.ts';
import { resourcesOf, synthStack, type TerraformBlock } from '../support/synth-stack.ts';

/**
 * The stack's topics and subscriptions, created on the Pub/Sub emulator exactly as the
 * synthesized Terraform defines them (names, BigQuery config, dead-letter and retry policies,
 * retention), then fed by the collector's Pub/Sub sink. The emulator accepts a BigQuery
 * subscription but writes nothing and lets it be pulled, so pulling shows byte for byte what
 * BigQuery would receive.
 */
const synth = synthStack({ project: EMULATOR_PROJECT_ID });
const topics = resourcesOf(synth, 'google_pubsub_topic');
const subscriptions = resourcesOf(synth, 'google_pubsub_subscription');

/** Resolves the few Terraform references the Pub/Sub resources use, as Terraform would. */
function resolveReference(value: string): string {
  return value.replace(
    /\$\{([a-z0-9_]+)\.([A-Za-z0-9_]+)\.([a-z_]+)\}/g,
    (_, type: string, id: string, attribute: string) => {
      if (type === 'google_pubsub_topic' && attribute === 'id')
        return `projects/${EMULATOR_PROJECT_ID}/topics/${String(topics[id]?.name)}`;
      if (type === 'google_bigquery_table') {
        const table = resourcesOf(synth, 'google_bigquery_table')[id];
        if (attribute === 'project') return EMULATOR_PROJECT_ID;
        if (attribute === 'dataset_id') return synth.config.bigquery.dataset;
        if (attribute === 'table_id') return String(table?.table_id);
      }
      throw new Error(`unresolved reference ${type}.${id}.${attribute}`);
    },
  );
}

/**
 * The emulator (0.8.20) still refuses retention over 7 days ("message_retention_duration out of
 * bounds"), although Pub/Sub takes up to 31 days
 * (https://cloud.google.com/pubsub/docs/subscription-properties#message_retention_duration), which
 * the dead-letter holds use. Only that is shortened here, so everything else is still checked.
 */
const EMULATOR_MAX_RETENTION_SECONDS = 7 * 24 * 60 * 60;
function emulatorRetention(duration: string): string {
  const seconds = Number.parseInt(duration, 10);
  if (!/^[0-9]+s$/.test(duration) || seconds > 31 * 24 * 60 * 60)
    throw new Error(`${duration} is not a retention Pub/Sub takes (at most 31 days)`);
  return `${Math.min(seconds, EMULATOR_MAX_RETENTION_SECONDS)}s`;
}

/** The REST body of a google_pubsub_subscription block (the provider's field mapping). */
function subscriptionBody(block: TerraformBlock): Record<string, unknown> {
  const body: Record<string, unknown> = { topic: resolveReference(String(block.topic)) };
  if (block.ack_deadline_seconds !== undefined) body.ackDeadlineSeconds = block.ack_deadline_seconds;
  if (block.retain_acked_messages !== undefined) body.retainAckedMessages = block.retain_acked_messages;
  if (block.message_retention_duration !== undefined)
    body.messageRetentionDuration = emulatorRetention(String(block.message_retention_duration));
  // ttl "" is the provider's "never expire": an expiration policy without a ttl.
  if (block.expiration_policy !== undefined)
    body.expirationPolicy =
      (block.expiration_policy as { ttl: string }).ttl === ''
        ? {}
        : { ttl: (block.expiration_policy as { ttl: string }).ttl };
  const bigquery = block.bigquery_config as Record<string, unknown> | undefined;
  if (bigquery !== undefined) {
    body.bigqueryConfig = {
      table: resolveReference(String(bigquery.table)),
      useTableSchema: bigquery.use_table_schema,
      writeMetadata: bigquery.write_metadata,
      dropUnknownFields: bigquery.drop_unknown_fields,
    };
  }
  const deadLetter = block.dead_letter_policy as Record<string, unknown> | undefined;
  if (deadLetter !== undefined)
    body.deadLetterPolicy = {
      deadLetterTopic: resolveReference(String(deadLetter.dead_letter_topic)),
      maxDeliveryAttempts: deadLetter.max_delivery_attempts,
    };
  const retry = block.retry_policy as Record<string, unknown> | undefined;
  if (retry !== undefined)
    body.retryPolicy = { minimumBackoff: retry.minimum_backoff, maximumBackoff: retry.maximum_backoff };
  return body;
}

describe("the stack's subscriptions on the Pub/Sub emulator", { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  let sink: EventSink;
  const api = async (method: string, resource: string, body?: unknown) => {
    const response = await fetch(`http://${emulator.host}/v1/projects/${emulator.projectId}/${resource}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.equal(response.status, 200, `${method} ${resource}: ${text}`);
    return JSON.parse(text === '' ? '{}' : text) as Record<string, unknown>;
  };
  const byName = (name: string) => Object.values(subscriptions).find((block) => block.name === name) as TerraformBlock;

  before(async () => {
    emulator = await startPubsubEmulator({ projectId: EMULATOR_PROJECT_ID });
    for (const topic of Object.values(topics)) await api('PUT', `topics/${String(topic.name)}`, {});
    for (const block of Object.values(subscriptions))
      await api('PUT', `subscriptions/${String(block.name)}`, subscriptionBody(block));
    sink = createPubsubSink({
      projectId: emulator.projectId,
      validTopic: synth.config.valid_topic,
      invalidTopic: synth.config.invalid_topic,
      emulatorHost: emulator.host,
      publishTimeoutMs: 5_000,
      batchMaxMessages: 100,
      batchMaxMs: 5,
    });
  });
  after(async () => {
    await sink?.close();
    await emulator?.stop();
  });

  test('every subscription is accepted as defined, BigQuery and dead-letter settings included', async () => {
    assert.equal(Object.keys(subscriptions).length, 5);
    const valid = await api('GET', `subscriptions/${synth.stack.names.bigquerySubscriptions.valid}`);
    assert.deepEqual(valid.bigqueryConfig, {
      table: `${EMULATOR_PROJECT_ID}.sluice.events`,
      useTableSchema: true,
      writeMetadata: true,
    });
    assert.deepEqual(valid.deadLetterPolicy, {
      deadLetterTopic: `projects/${EMULATOR_PROJECT_ID}/topics/sluice-events-dead-letter`,
      maxDeliveryAttempts: 10,
    });
    const replay = await api('GET', `subscriptions/${synth.config.replay_subscription}`);
    assert.equal(replay.retainAckedMessages, true);
    assert.equal(replay.topic, `projects/${EMULATOR_PROJECT_ID}/topics/${synth.config.invalid_topic}`);
  });

  test("the BigQuery subscriptions receive exactly the encoded rows, each on its own table's subscription; the replay subscription the invalid ones", async () => {
    const second = {
      ...validRow,
      event_id: '0b7f9a57-2d2a-4d59-8e9f-222222222222',
      payload: { order_id: 'A-2', total: 12.5, currency: 'GBP' },
    };
    await sink.publish({ valid: [validRow, second], invalid: [invalidRow] });
    const names = synth.stack.names;
    const expected = {
      [names.bigquerySubscriptions.valid]: [toMessage('valid', validRow), toMessage('valid', second)],
      [names.bigquerySubscriptions.invalid]: [toMessage('invalid', invalidRow)],
      [names.replaySubscription]: [toMessage('invalid', invalidRow)],
      [names.deadLetterSubscriptions.valid]: [],
      [names.deadLetterSubscriptions.invalid]: [],
    };
    for (const [subscription, messages] of Object.entries(expected)) {
      assert.ok(byName(subscription), `${subscription} is not in the stack`);
      const pulled = await pullAll(emulator, subscription, {
        expected: messages.length,
        quietMs: 200,
        timeoutMs: 5_000,
      });
      const got = pulled
        .map((message) => ({ data: message.data.toString('utf8'), attributes: message.attributes }))
        .sort((a, b) => a.data.localeCompare(b.data));
      const want = messages
        .map((message) => ({ data: message.data.toString('utf8'), attributes: { ...message.attributes } }))
        .sort((a, b) => a.data.localeCompare(b.data));
      assert.deepEqual(got, want, subscription);
    }
  });

  test('the replay subscription keeps acknowledged messages: seeking back delivers them again', async () => {
    const before = new Date(Date.now() - 60_000).toISOString();
    const row = { ...invalidRow, event_id: '9f3a3c8e-1c1b-4f0e-9d61-333333333333' };
    await sink.publish({ valid: [], invalid: [row] });
    const first = await pullAll(emulator, synth.config.replay_subscription, { expected: 1, quietMs: 200 });
    assert.equal(first.length, 1);
    await api('POST', `subscriptions/${synth.config.replay_subscription}:seek`, { time: before });
    const again = await pullAll(emulator, synth.config.replay_subscription, { expected: 2, quietMs: 300 });
    assert.ok(
      again.some((message) => message.data.equals(toMessage('invalid', row).data)),
      'the acknowledged message came back after seek',
    );
  });
});
