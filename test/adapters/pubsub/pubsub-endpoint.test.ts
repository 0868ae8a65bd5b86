import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCAL_PROJECT_ID, pubsubEndpoint } from '../../../functions/adapters/pubsub/pubsub-endpoint.ts';

const EMULATOR = { apiEndpoint: '127.0.0.1:8085', emulatorMode: true, universeDomain: 'googleapis.com' };

test('real Pub/Sub: the configured project, or nothing so that the library detects it', () => {
  assert.deepEqual(pubsubEndpoint('acme', undefined, {}), { projectId: 'acme' });
  assert.deepEqual(pubsubEndpoint('  ', '', {}), {});
});

test('an emulator from the config wins over PUBSUB_EMULATOR_HOST; without a project the local one is used', () => {
  assert.deepEqual(pubsubEndpoint('', '127.0.0.1:8085', { PUBSUB_EMULATOR_HOST: '127.0.0.1:9999' }), {
    projectId: LOCAL_PROJECT_ID,
    ...EMULATOR,
  });
  assert.deepEqual(pubsubEndpoint('acme', undefined, { PUBSUB_EMULATOR_HOST: ' 127.0.0.1:8085 ' }), {
    projectId: 'acme',
    ...EMULATOR,
  });
});
