import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../../../functions/core/config/config-error.ts';
import type { ResolveConfigInput } from '../../../functions/core/config/resolve-config.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { SluiceError } from '../../../functions/core/errors.ts';

const SOURCE = 'config/sluice.yaml';

function resolve(
  document: unknown,
  env: Record<string, string | undefined> = {},
  extra: Partial<ResolveConfigInput> = {},
) {
  return resolveConfig({ document, source: SOURCE, env, ...extra });
}

/** Resolves and returns the ConfigError it must throw. */
function failure(
  document: unknown,
  env: Record<string, string | undefined> = {},
  extra: Partial<ResolveConfigInput> = {},
): ConfigError {
  try {
    resolve(document, env, extra);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected resolveConfig to throw');
}

/** Asserts that one line of the message names the source, the key path, the value and the expectation. */
function assertProblemLine(error: ConfigError, parts: readonly string[]): void {
  const line = error.message.split('\n').find((l) => parts.every((part) => l.includes(part)));
  assert.ok(line, `no line of the message contains all of ${JSON.stringify(parts)}:\n${error.message}`);
}

describe('layering', () => {
  test('an empty or absent document gives the schema defaults', () => {
    for (const document of [{}, null, undefined]) {
      const config = resolve(document);
      assert.equal(config.sink, 'local');
      assert.equal(config.cache.ttl_seconds, 300);
      assert.deepEqual(config.registries, ['file://./schemas']);
    }
  });

  test('document values replace defaults; the rest of a group keeps its defaults', () => {
    const config = resolve({ sink: 'pubsub', cache: { ttl_seconds: 60 }, labels: { team: 'a' } });
    assert.equal(config.sink, 'pubsub');
    assert.deepEqual(config.cache, {
      ttl_seconds: 60,
      negative_ttl_seconds: 30,
      error_ttl_seconds: 5,
      max_entries: 10000,
    });
    assert.deepEqual(config.labels, { team: 'a' });
  });

  test('environment beats document beats defaults', () => {
    const config = resolve(
      { sink: 'pubsub', cache: { ttl_seconds: 60, max_entries: 50 } },
      {
        SLUICE_SINK: 'local',
        SLUICE_CACHE_TTL_SECONDS: '7',
        SLUICE_VALIDATION_ALL_ERRORS: 'yes',
        SLUICE_REGISTRIES: 'gs://b/s, https://r.example',
      },
    );
    assert.equal(config.sink, 'local');
    assert.equal(config.cache.ttl_seconds, 7);
    assert.equal(config.cache.max_entries, 50);
    assert.equal(config.validation.all_errors, true);
    assert.deepEqual(config.registries, ['gs://b/s', 'https://r.example']);
  });

  test('standard aliases fill in, a SLUICE_ variable wins', () => {
    assert.equal(resolve({ project: 'yaml' }, { GOOGLE_CLOUD_PROJECT: 'alias' }).project, 'alias');
    assert.equal(resolve({}, { GOOGLE_CLOUD_PROJECT: 'alias', SLUICE_PROJECT: 'mine' }).project, 'mine');
    assert.equal(resolve({}, { PUBSUB_EMULATOR_HOST: 'localhost:8085' }).pubsub.emulator_host, 'localhost:8085');
  });

  test('a YAML null (key with nothing after it) means "use the default"', () => {
    const config = resolve({ sink: null, cache: null, limits: { max_raw_bytes: null } });
    assert.equal(config.sink, 'local');
    assert.equal(config.cache.ttl_seconds, 300);
    assert.equal(config.limits.max_raw_bytes, 1024);
  });

  test('an override below a group the document leaves out creates the group', () => {
    assert.equal(resolve({}, { SLUICE_LOCAL_DIR: '/tmp/out' }).local.dir, '/tmp/out');
  });

  test('the result is deep-frozen and the input is left untouched', () => {
    const document = { cache: { ttl_seconds: 60 }, labels: { team: 'a' } };
    const config = resolve(document, { SLUICE_SINK: 'pubsub' });
    assert.deepEqual(document, { cache: { ttl_seconds: 60 }, labels: { team: 'a' } });
    assert.ok(Object.isFrozen(config));
    assert.ok(Object.isFrozen(config.cache));
    assert.ok(Object.isFrozen(config.labels));
    assert.ok(Object.isFrozen(config.registries));
    assert.throws(() => {
      (config.cache as { ttl_seconds: number }).ttl_seconds = 1;
    }, TypeError);
  });
});

describe('errors a person can act on', () => {
  test('ConfigError is a SluiceError with code invalid_config and the problems attached', () => {
    const error = failure({ cache: { ttl_seconds: 0 } });
    assert.ok(error instanceof SluiceError);
    assert.equal(error.code, 'invalid_config');
    assert.equal(error.name, 'ConfigError');
    assert.deepEqual(error.problems, [
      { source: SOURCE, path: 'cache.ttl_seconds', value: 0, message: 'expected an integer >= 1' },
    ]);
  });

  test('out of range, from the document', () => {
    assertProblemLine(failure({ cache: { ttl_seconds: 0 } }), [
      SOURCE,
      'cache.ttl_seconds',
      '0',
      'expected an integer >= 1',
    ]);
    assertProblemLine(failure({ limits: { max_request_bytes: 40_000_000 } }), [
      SOURCE,
      'limits.max_request_bytes',
      '40000000',
      'expected an integer <= 33554432',
    ]);
  });

  test('out of range, from the environment, is blamed on the variable', () => {
    const error = failure({ cache: { ttl_seconds: 60 } }, { SLUICE_CACHE_TTL_SECONDS: '0' });
    assertProblemLine(error, [
      'env SLUICE_CACHE_TTL_SECONDS',
      'cache.ttl_seconds',
      'got 0',
      'expected an integer >= 1',
    ]);
    assert.doesNotMatch(error.message, /config\/sluice\.yaml/);
  });

  test('an unparseable environment value', () => {
    assertProblemLine(failure({}, { SLUICE_LIMITS_MAX_RAW_BYTES: '12abc' }), [
      'env SLUICE_LIMITS_MAX_RAW_BYTES',
      'limits.max_raw_bytes',
      '"12abc"',
      'expected an integer',
    ]);
  });

  test('not one of the allowed values', () => {
    assertProblemLine(failure({ sink: 'kafka' }), [SOURCE, 'sink', '"kafka"', 'expected one of "local", "pubsub"']);
  });

  test('wrong type', () => {
    assertProblemLine(failure({ validation: { all_errors: 'sometimes' } }), [
      SOURCE,
      'validation.all_errors',
      '"sometimes"',
      'expected a boolean',
    ]);
    assertProblemLine(failure({ cache: 5 }), [SOURCE, 'cache', 'got 5', 'expected a mapping']);
    assertProblemLine(failure({ registries: 'file://x' }), [SOURCE, 'registries', '"file://x"', 'expected a list']);
    assertProblemLine(failure({ cache: { max_entries: 1.5 } }), [
      SOURCE,
      'cache.max_entries',
      '1.5',
      'expected an integer',
    ]);
  });

  test('pattern mismatches, including list items and map keys', () => {
    assertProblemLine(failure({ name_prefix: 'Sluice' }), [
      SOURCE,
      'name_prefix',
      '"Sluice"',
      'expected a string matching /^[a-z][a-z0-9-]{0,19}$/',
    ]);
    assertProblemLine(failure({ registries: ['file://ok', 'ftp://x'] }), [
      SOURCE,
      'registries[1]',
      '"ftp://x"',
      'expected a string matching',
    ]);
    assertProblemLine(failure({ valid_topic: 'ab' }), [SOURCE, 'valid_topic', '"ab"', 'expected a string matching']);
    assertProblemLine(failure({}, { SLUICE_LABELS: 'Team=x' }), [
      'env SLUICE_LABELS',
      'labels.Team',
      '"Team"',
      'invalid key, expected a key matching',
    ]);
    assertProblemLine(failure({ labels: { team: 'Big' } }), [
      SOURCE,
      'labels.team',
      '"Big"',
      'expected a string matching',
    ]);
    // CloudEvents mappings name Iglu schemas, and only a trailing * is a wildcard.
    assertProblemLine(failure({ cloudevents: { type_schemas: { 'com.acme.order': 'https://acme.com/order.json' } } }), [
      SOURCE,
      'cloudevents.type_schemas.com.acme.order',
      '"https://acme.com/order.json"',
      'expected a string matching /^iglu:',
    ]);
    assertProblemLine(
      failure({ cloudevents: { dataschema_schemas: { 'https://*/x.json': 'iglu:a/b/jsonschema/1-0-0' } } }),
      [SOURCE, 'invalid key'],
    );
    const mapped = resolve({}, { SLUICE_CLOUDEVENTS_TYPE_SCHEMAS: 'com.acme.*=iglu:com.acme/any/jsonschema/1-0-0' });
    assert.deepEqual(mapped.cloudevents.type_schemas, { 'com.acme.*': 'iglu:com.acme/any/jsonschema/1-0-0' });
    assertProblemLine(failure({ pubsub: { emulator_host: 'http://localhost:8085' } }), [
      SOURCE,
      'pubsub.emulator_host',
      '"http://localhost:8085"',
      'expected a string matching',
    ]);
  });

  test('an empty registry list', () => {
    assertProblemLine(failure({}, { SLUICE_REGISTRIES: ' , ' }), [
      'env SLUICE_REGISTRIES',
      'registries',
      '[]',
      'expected a list of at least 1 item',
    ]);
  });

  test('unknown keys suggest the closest known key', () => {
    assertProblemLine(failure({ sinkk: 'pubsub' }), [
      SOURCE,
      'sinkk',
      '"pubsub"',
      'unknown key "sinkk" (did you mean "sink"?)',
    ]);
    assertProblemLine(failure({ cache: { ttl_secs: 1 } }), [
      SOURCE,
      'cache.ttl_secs',
      'unknown key "ttl_secs" (did you mean "ttl_seconds"?)',
    ]);
  });

  test('a right key in the wrong place points at where it belongs', () => {
    assertProblemLine(failure({ ttl_seconds: 5 }), [SOURCE, 'ttl_seconds', 'did you mean "cache.ttl_seconds"?']);
    assertProblemLine(failure({ 'cache.ttl_seconds': 5 }), [SOURCE, 'did you mean "cache.ttl_seconds"?']);
  });

  test('an unknown key with no close match lists the known keys', () => {
    assertProblemLine(failure({ cache: { colour: 'red' } }), [
      'cache.colour',
      'known keys here: ttl_seconds, negative_ttl_seconds',
    ]);
  });

  test('every problem is reported at once, environment and document alike', () => {
    const error = failure(
      { sink: 'kafka', cache: { ttl_seconds: -1 }, extra: true },
      { SLUICE_SINKK: 'x', SLUICE_REGISTRY_TIMEOUT_MS: 'soon' },
    );
    assert.equal(error.problems.length, 5);
    assert.match(error.message, /^invalid Sluice configuration, 5 problems:\n/);
    assertProblemLine(error, ['env SLUICE_SINKK', 'did you mean SLUICE_SINK?']);
    assertProblemLine(error, [
      'env SLUICE_REGISTRY_TIMEOUT_MS',
      'registry.timeout_ms',
      '"soon"',
      'expected an integer',
    ]);
    assertProblemLine(error, [SOURCE, 'sink', 'expected one of']);
    assertProblemLine(error, [SOURCE, 'cache.ttl_seconds', '-1', 'expected an integer >= 1']);
    assertProblemLine(error, [SOURCE, 'extra', 'unknown key "extra"']);
  });

  test('a long bad value is truncated', () => {
    const error = failure({ sink: 'x'.repeat(500) });
    assert.ok(error.message.length < 300, error.message);
    assert.match(error.message, /got "x+…, expected one of/);
  });

  test('alerts: emails, channel ids, ratios and windows are checked; the environment sets them too', () => {
    const ok = resolve(
      {},
      {
        SLUICE_ALERTS_NOTIFICATION_EMAILS: 'oncall@example.com,data@example.com',
        SLUICE_ALERTS_NOTIFICATION_CHANNELS: 'projects/acme/notificationChannels/123',
        SLUICE_ALERTS_ERROR_RATIO: '0.05',
        SLUICE_ALERTS_INVALID_WINDOW_SECONDS: '1800',
      },
    );
    assert.deepEqual(ok.alerts.notification_emails, ['oncall@example.com', 'data@example.com']);
    assert.deepEqual(ok.alerts.notification_channels, ['projects/acme/notificationChannels/123']);
    assert.equal(ok.alerts.error_ratio, 0.05);
    assert.equal(ok.alerts.invalid_window_seconds, 1800);
    assertProblemLine(failure({ alerts: { notification_emails: ['not an address'] } }), [
      SOURCE,
      'alerts.notification_emails',
      '"not an address"',
    ]);
    assertProblemLine(failure({ alerts: { notification_channels: ['slack-oncall'] } }), [
      SOURCE,
      'alerts.notification_channels',
      '"slack-oncall"',
    ]);
    assertProblemLine(failure({ alerts: { error_ratio: 0 } }), [SOURCE, 'alerts.error_ratio', 'got 0']);
    assertProblemLine(failure({ alerts: { invalid_ratio: 1.5 } }), [SOURCE, 'alerts.invalid_ratio', 'got 1.5']);
    // Cloud Monitoring takes condition durations in whole minutes only.
    assertProblemLine(failure({ alerts: { backlog_window_seconds: 90 } }), [
      SOURCE,
      'alerts.backlog_window_seconds',
      'got 90',
      'multiple of 60',
    ]);
  });

  test('a top level that is not a mapping is refused', () => {
    for (const document of [['sink', 'local'], 'sink: local', 42]) {
      assertProblemLine(failure(document), [SOURCE, 'expected a mapping of settings']);
    }
  });

  test('locate, when given, makes document problems point at a line', () => {
    const error = failure(
      { cache: { ttl_seconds: 0 } },
      {},
      { locate: (path) => (path.join('.') === 'cache.ttl_seconds' ? `${SOURCE}:12:3` : undefined) },
    );
    assertProblemLine(error, [`${SOURCE}:12:3: cache.ttl_seconds: got 0, expected an integer >= 1`]);
  });
});
