import assert from 'node:assert/strict';
import { test } from 'node:test';
import { attemptTimeoutMs } from '../../../functions/adapters/http/deadline.ts';
import { gaxPublishOptions, grpcClientConfig } from '../../../functions/adapters/pubsub/grpc-settings.ts';

test('gax retries Publish within the budget, each attempt cut to a share of it', () => {
  const timing = { budgetMs: 8_895, initialDelayMs: 50, maxDelayMs: 1_000 };
  assert.deepEqual(gaxPublishOptions(timing), {
    timeout: 8_895,
    retry: {
      backoffSettings: {
        initialRetryDelayMillis: 50,
        retryDelayMultiplier: 2,
        maxRetryDelayMillis: 1_000,
        initialRpcTimeoutMillis: attemptTimeoutMs(8_895),
        rpcTimeoutMultiplier: 1,
        maxRpcTimeoutMillis: attemptTimeoutMs(8_895),
        totalTimeoutMillis: 8_895,
      },
    },
  });
  // The attempt deadline never outlasts a small budget.
  const small = gaxPublishOptions({ budgetMs: 400, initialDelayMs: 50, maxDelayMs: 50 });
  assert.equal(small.retry?.backoffSettings?.maxRpcTimeoutMillis, 400);
});

test('gRPC reconnects within half the publish timeout, between 250 ms and 5 s', () => {
  const backoff = (publishTimeoutMs: number) => {
    const config = grpcClientConfig({
      projectId: 'acme',
      emulatorHost: undefined,
      apiEndpoint: undefined,
      publishTimeoutMs,
    }) as Record<string, unknown>;
    return [config['grpc.initial_reconnect_backoff_ms'], config['grpc.max_reconnect_backoff_ms']];
  };
  assert.deepEqual(backoff(100), [250, 250]);
  assert.deepEqual(backoff(1_500), [750, 750]);
  assert.deepEqual(backoff(10_000), [1_000, 5_000]);
  assert.deepEqual(backoff(600_000), [1_000, 5_000]);
});

test('the client connects where pubsubEndpoint says: the project, an emulator, a regional endpoint', () => {
  const settings = (emulatorHost: string | undefined, apiEndpoint: string | undefined) =>
    grpcClientConfig({ projectId: 'acme', emulatorHost, apiEndpoint, publishTimeoutMs: 10_000 });
  assert.equal(settings(undefined, undefined).projectId, 'acme');
  assert.equal(settings(undefined, undefined).apiEndpoint, undefined);
  assert.equal(settings('127.0.0.1:8085', undefined).apiEndpoint, '127.0.0.1:8085');
  assert.equal(settings('127.0.0.1:8085', undefined).emulatorMode, true);
  assert.equal(
    settings(undefined, 'europe-west1-pubsub.googleapis.com').apiEndpoint,
    'europe-west1-pubsub.googleapis.com',
  );
});
