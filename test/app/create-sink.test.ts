import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pubsubSinkOptions } from '../../functions/app/create-sink.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { REGIONAL_PUBSUB_ENDPOINT } from '../support/google-client-behaviour.ts';

const config = (document: Record<string, unknown>) => resolveConfig({ document, source: 'test', env: {} });

test('pubsub.api_endpoint reaches the sink (both transports read it from there); empty means none', () => {
  assert.equal(
    pubsubSinkOptions(config({ pubsub: { api_endpoint: REGIONAL_PUBSUB_ENDPOINT } })).apiEndpoint,
    REGIONAL_PUBSUB_ENDPOINT,
  );
  assert.equal('apiEndpoint' in pubsubSinkOptions(config({})), false);
});
