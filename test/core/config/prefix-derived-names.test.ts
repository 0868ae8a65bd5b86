import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '../../../functions/core/config/config-error.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';

const resolve = (document: Record<string, unknown>, env: Record<string, string> = {}) =>
  resolveConfig({ document, source: 'test', env });
const names = (document: Record<string, unknown>, env: Record<string, string> = {}) => {
  const config = resolve(document, env);
  return [config.valid_topic, config.invalid_topic, config.replay_subscription, config.bigquery.dataset];
};

test('with the default prefix, the names Sluice always used', () => {
  assert.deepEqual(names({}), ['sluice-events', 'sluice-invalid-events', 'sluice-invalid-events-replay', 'sluice']);
});

test('another prefix names topics, replay subscription and dataset after itself (a dataset takes _ for -)', () => {
  assert.deepEqual(names({ name_prefix: 'dev' }), [
    'dev-events',
    'dev-invalid-events',
    'dev-invalid-events-replay',
    'dev',
  ]);
  assert.deepEqual(names({}, { SLUICE_NAME_PREFIX: 'eu-prod' }), [
    'eu-prod-events',
    'eu-prod-invalid-events',
    'eu-prod-invalid-events-replay',
    'eu_prod',
  ]);
});

test('a name set in the file or the environment is kept whatever the prefix', () => {
  assert.deepEqual(
    names(
      { name_prefix: 'dev', valid_topic: 'legacy-events', bigquery: { location: 'US' } },
      { SLUICE_BIGQUERY_DATASET: 'old' },
    ),
    ['legacy-events', 'dev-invalid-events', 'dev-invalid-events-replay', 'old'],
  );
  assert.equal(resolve({ name_prefix: 'dev', bigquery: { location: 'US' } }).bigquery.location, 'US');
});

test('an invalid prefix is reported once, not as a cascade of derived names', () => {
  assert.throws(
    () => resolve({ name_prefix: 'Bad Prefix' }),
    (error: unknown) =>
      error instanceof ConfigError && error.problems.length === 1 && /name_prefix/.test(error.message),
  );
});
