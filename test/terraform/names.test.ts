import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { stackNames } from '../../terraform/names.ts';

const config = (document: Record<string, unknown>) => resolveConfig({ document, source: 'test', env: {} });

test('every name follows name_prefix: topics, subscriptions and dataset through their config defaults', () => {
  const { webhookSecret, ...names } = stackNames(config({ name_prefix: 'edge' }), 'acme');
  assert.equal(webhookSecret('GITHUB_WEBHOOK_SECRET'), 'edge-webhook-github-webhook-secret');
  assert.deepEqual(names, {
    validTopic: 'edge-events',
    invalidTopic: 'edge-invalid-events',
    replaySubscription: 'edge-invalid-events-replay',
    deadLetterTopics: { valid: 'edge-events-dead-letter', invalid: 'edge-invalid-events-dead-letter' },
    deadLetterSubscriptions: { valid: 'edge-events-dead-letter', invalid: 'edge-invalid-events-dead-letter' },
    bigquerySubscriptions: { valid: 'edge-events-bigquery', invalid: 'edge-invalid-events-bigquery' },
    dataset: 'edge',
    functionName: 'edge-collector',
    serviceAccountId: 'edge-collector',
    buildServiceAccountId: 'edge-builder',
    imageRepository: 'edge-functions',
    purgeTokenSecret: 'edge-purge-token',
    schemaBucket: 'acme-edge-schemas',
    sourceBucket: 'acme-edge-source',
  });
});

test('configured topic, subscription and dataset names are kept as they are; derived ones follow the topic', () => {
  const names = stackNames(
    config({
      name_prefix: 'edge',
      valid_topic: 'sluice-events',
      invalid_topic: 'bad',
      bigquery: { dataset: 'sluice' },
    }),
    'acme',
  );
  assert.equal(names.validTopic, 'sluice-events');
  assert.equal(names.deadLetterTopics.invalid, 'bad-dead-letter');
  assert.equal(names.replaySubscription, 'edge-invalid-events-replay');
  assert.equal(names.dataset, 'sluice');
});

test('the longest prefix and project id still give valid service account and bucket names', () => {
  const names = stackNames(config({ name_prefix: 'a'.repeat(20) }), 'p'.repeat(30));
  for (const id of [names.serviceAccountId, names.buildServiceAccountId])
    assert.ok(id.length <= 30 && id.length >= 6, id);
  assert.ok(names.schemaBucket.length <= 63 && names.sourceBucket.length <= 63);
});

test('a topic id too long for its derived ids is refused, naming the key to shorten', () => {
  assert.throws(
    () => stackNames(config({ valid_topic: `t${'x'.repeat(250)}` }), 'acme'),
    /valid_topic "t.*" is too long: the stack derives 263-character id .* over Pub\/Sub's 255; shorten valid_topic/,
  );
});
