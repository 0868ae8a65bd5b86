import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { deadLetterName, originalAttributes, parkedReason } from '../../../functions/core/replay/dead-letter.ts';
import { stackNames } from '../../../terraform/names.ts';

test('the redrive reads the dead-letter subscriptions under the names the stack creates', () => {
  const config = resolveConfig({
    document: { valid_topic: 'a-events', invalid_topic: 'a-bad' },
    source: 'test',
    env: {},
  });
  const names = stackNames(config, 'p');
  assert.equal(deadLetterName('a-events'), names.deadLetterSubscriptions.valid);
  assert.equal(deadLetterName('a-bad'), names.deadLetterSubscriptions.invalid);
  assert.equal(deadLetterName('a-bad'), 'a-bad-dead-letter');
});

test("only Pub/Sub's dead-letter attributes are removed; a message's own attributes stay as they were", () => {
  assert.deepEqual(
    originalAttributes({
      valid: 'false',
      error_type: 'schema_not_found',
      CloudPubSubDeadLetterSourceDeliveryCount: '10',
      CloudPubSubDeadLetterSourceDeliveryErrorMessage: 'no such field',
      cloudpubsubdeadletter: 'kept: the prefix is case-sensitive',
    }),
    { valid: 'false', error_type: 'schema_not_found', cloudpubsubdeadletter: 'kept: the prefix is case-sensitive' },
  );
  assert.deepEqual(parkedReason({}), {
    error: null,
    deliveryAttempts: null,
    sourceSubscription: null,
    firstPublished: null,
  });
  assert.equal(parkedReason({ CloudPubSubDeadLetterSourceDeliveryCount: 'ten' }).deliveryAttempts, null);
});
