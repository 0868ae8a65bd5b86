import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LOCAL_PROJECT_ID, pubsubEndpoint } from '../../../functions/adapters/pubsub/pubsub-endpoint.ts';
import { REGIONAL_PUBSUB_ENDPOINT } from '../../support/google-client-behaviour.ts';

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

test('an emulator host written with a scheme or trailing slashes is stripped, as the library strips it', () => {
  for (const written of ['http://127.0.0.1:8085', 'https://127.0.0.1:8085/', ' http://127.0.0.1:8085// ']) {
    assert.deepEqual(pubsubEndpoint('', written, {}), { projectId: LOCAL_PROJECT_ID, ...EMULATOR }, written);
    assert.deepEqual(pubsubEndpoint('', undefined, { PUBSUB_EMULATOR_HOST: written }).apiEndpoint, '127.0.0.1:8085');
  }
});

test('pubsub.api_endpoint: real Pub/Sub at a regional or private endpoint, never in emulator mode; an emulator wins', () => {
  assert.deepEqual(pubsubEndpoint('acme', undefined, {}, REGIONAL_PUBSUB_ENDPOINT), {
    projectId: 'acme',
    apiEndpoint: REGIONAL_PUBSUB_ENDPOINT,
    emulatorMode: false,
  });
  assert.deepEqual(pubsubEndpoint('acme', undefined, {}, 'https://pubsub-psc.p.googleapis.com/'), {
    projectId: 'acme',
    apiEndpoint: 'pubsub-psc.p.googleapis.com',
    emulatorMode: false,
  });
  assert.deepEqual(pubsubEndpoint('acme', '127.0.0.1:8085', {}, REGIONAL_PUBSUB_ENDPOINT), {
    projectId: 'acme',
    ...EMULATOR,
  });
  assert.deepEqual(pubsubEndpoint('acme', undefined, {}, '  '), { projectId: 'acme' });
});
