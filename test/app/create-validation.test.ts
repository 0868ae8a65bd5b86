import assert from 'node:assert/strict';
import { test } from 'node:test';
import { registryOptionsFromConfig } from '../../functions/app/create-validation.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { REGIONAL_STORAGE_ENDPOINT } from '../support/google-client-behaviour.ts';

const config = (document: Record<string, unknown>) => resolveConfig({ document, source: 'test', env: {} });

test('registry.storage_api_endpoint reaches the registry adapters with the lookup budget', () => {
  assert.deepEqual(
    registryOptionsFromConfig(
      config({ registry: { storage_api_endpoint: REGIONAL_STORAGE_ENDPOINT, timeout_ms: 700 } }),
    ),
    {
      timeoutMs: 700,
      apiEndpoint: REGIONAL_STORAGE_ENDPOINT,
    },
  );
  assert.deepEqual(registryOptionsFromConfig(config({})), { timeoutMs: 5000 });
});
