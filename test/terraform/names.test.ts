import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { stackNames } from '../../terraform/names.ts';

const config = (document: Record<string, unknown>) => resolveConfig({ document, source: 'test', env: {} });

test('configured names are used as they are; derived ones follow the topic or carry the prefix', () => {
  const { webhookSecret, ...names } = stackNames(config({ name_prefix: 'edge' }), 'acme');
  assert.equal(webhookSecret('GITHUB_WEBHOOK_SECRET'), 'edge-webhook-github-webhook-secret');
  assert.deepEqual(names, {
    validTopic: 'sluice-events',
    invalidTopic: 'sluice-invalid-events',
    replaySubscription: 'sluice-invalid-events-replay',
    deadLetterTopics: { valid: 'sluice-events-dead-letter', invalid: 'sluice-invalid-events-dead-letter' },
    deadLetterSubscriptions: { valid: 'sluice-events-dead-letter', invalid: 'sluice-invalid-events-dead-letter' },
    bigquerySubscriptions: { valid: 'sluice-events-bigquery', invalid: 'sluice-invalid-events-bigquery' },
    dataset: 'sluice',
    functionName: 'edge-collector',
    serviceAccountId: 'edge-collector',
    buildServiceAccountId: 'edge-builder',
    imageRepository: 'edge-functions',
    purgeTokenSecret: 'edge-purge-token',
    schemaBucket: 'acme-edge-schemas',
    sourceBucket: 'acme-edge-source',
  });
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
