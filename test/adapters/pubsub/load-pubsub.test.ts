import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as pubsub from '@google-cloud/pubsub';
import { loadPubsub } from '../../../functions/adapters/pubsub/load-pubsub.ts';

// The bundled form (exports under `default`) is loaded by test/build/bundle-function.test.ts,
// which publishes through the grpc transport from the bundle.
test('from node_modules the SDK comes with its named exports', async () => {
  const loaded = await loadPubsub();
  assert.equal(loaded.PubSub, pubsub.PubSub);
  assert.equal(typeof loaded.PubSub, 'function');
});
