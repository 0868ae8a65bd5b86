import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { SchemaNode } from '../../../functions/core/config/config-schema.ts';
import { listSchemaKeys } from '../../../functions/core/config/config-schema.ts';
import {
  buildEnvTable,
  ENV_SETTINGS,
  envNameFor,
  parseEnvValue,
  RESERVED_ENV_NAMES,
  readEnvOverrides,
} from '../../../functions/core/config/env-overrides.ts';

describe('naming rule', () => {
  test('SLUICE_ + key path joined with _, upper-cased', () => {
    assert.equal(envNameFor(['sink']), 'SLUICE_SINK');
    assert.equal(envNameFor(['cache', 'ttl_seconds']), 'SLUICE_CACHE_TTL_SECONDS');
    assert.equal(envNameFor(['pubsub', 'emulator_host']), 'SLUICE_PUBSUB_EMULATOR_HOST');
  });

  test('the table has one variable per leaf setting, named by the rule', () => {
    const leaves = listSchemaKeys().filter((key) => key.isLeaf);
    assert.equal(ENV_SETTINGS.length, leaves.length);
    for (const [i, leaf] of leaves.entries()) {
      assert.deepEqual(ENV_SETTINGS[i]?.path, leaf.path);
      assert.equal(ENV_SETTINGS[i]?.name, envNameFor(leaf.path));
    }
    const names = ENV_SETTINGS.map((s) => s.name);
    assert.equal(new Set(names).size, names.length);
    for (const reserved of RESERVED_ENV_NAMES) assert.ok(!names.includes(reserved), reserved);
  });

  test('groups are not settings, free-form maps and lists are', () => {
    const byName = new Map(ENV_SETTINGS.map((s) => [s.name, s]));
    assert.equal(byName.has('SLUICE_CACHE'), false);
    assert.equal(byName.get('SLUICE_LABELS')?.kind, 'string-map');
    assert.equal(byName.get('SLUICE_REGISTRIES')?.kind, 'string-list');
    assert.equal(byName.get('SLUICE_VALIDATION_ALL_ERRORS')?.kind, 'boolean');
    assert.equal(byName.get('SLUICE_CACHE_TTL_SECONDS')?.kind, 'integer');
    assert.deepEqual(byName.get('SLUICE_PROJECT')?.aliases, ['GOOGLE_CLOUD_PROJECT']);
    assert.deepEqual(byName.get('SLUICE_PUBSUB_EMULATOR_HOST')?.aliases, ['PUBSUB_EMULATOR_HOST']);
  });
});

describe('buildEnvTable refuses an ambiguous schema', () => {
  const object = (properties: Record<string, SchemaNode>): SchemaNode => ({ type: 'object', properties });
  const str: SchemaNode = { type: 'string' };

  test('two key paths giving one variable', () => {
    const schema = object({ cache_ttl: str, cache: object({ ttl: str }) });
    assert.throws(
      () => buildEnvTable(schema, {}, []),
      /SLUICE_CACHE_TTL would set both key cache_ttl and key cache\.ttl/,
    );
  });

  test('a key path giving a reserved variable', () => {
    assert.throws(
      () => buildEnvTable(object({ config: str }), {}, ['SLUICE_CONFIG']),
      /SLUICE_CONFIG would set both reserved variable/,
    );
  });

  test('an alias that targets no setting', () => {
    assert.throws(() => buildEnvTable(object({ a: str }), { OTHER: 'b' }, []), /alias OTHER targets b/);
  });

  test('a leaf type without an environment syntax', () => {
    assert.throws(
      () => buildEnvTable(object({ a: { type: 'array', items: { type: 'integer' } } }), {}, []),
      /no environment syntax for key a/,
    );
  });
});

describe('parseEnvValue', () => {
  const ok = (kind: Parameters<typeof parseEnvValue>[0], raw: string, value: unknown): void =>
    assert.deepEqual(parseEnvValue(kind, raw), { ok: true, value }, `${kind} ${JSON.stringify(raw)}`);
  const bad = (kind: Parameters<typeof parseEnvValue>[0], raw: string, expected: RegExp): void => {
    const result = parseEnvValue(kind, raw);
    assert.equal(result.ok, false, `${kind} ${JSON.stringify(raw)} should be rejected`);
    if (!result.ok) assert.match(result.expected, expected);
  };

  test('strings are taken as they are', () => {
    ok('string', ' a b ', ' a b ');
  });

  test('integers: decimal digits only, within the safe range', () => {
    ok('integer', '42', 42);
    ok('integer', ' 7 ', 7);
    ok('integer', '-3', -3);
    for (const raw of ['12abc', '', ' ', '1e400', '1e3', '1.5', '0x10', '99999999999999999999', 'Infinity']) {
      bad('integer', raw, /expected an integer/);
    }
  });

  test('numbers: finite decimals', () => {
    ok('number', '1.5', 1.5);
    ok('number', '1e3', 1000);
    for (const raw of ['1e400', 'abc', '', '1.2.3', 'NaN']) bad('number', raw, /expected a finite number/);
  });

  test('booleans: true/false, 1/0, yes/no in any case', () => {
    for (const raw of ['true', 'TRUE', '1', 'yes', 'Yes']) ok('boolean', raw, true);
    for (const raw of ['false', 'False', '0', 'no', 'NO']) ok('boolean', raw, false);
    for (const raw of ['on', 'y', '2', '']) bad('boolean', raw, /expected a boolean: true\/false, 1\/0 or yes\/no/);
  });

  test('lists: comma-separated, trimmed, empty items dropped, or JSON', () => {
    ok('string-list', ' file://a , gs://b,,', ['file://a', 'gs://b']);
    ok('string-list', '["https://x/a,b", "file://y"]', ['https://x/a,b', 'file://y']);
    ok('string-list', ' , ', []);
    bad('string-list', '[oops', /expected a JSON array \(.+\) or a comma-separated list/);
  });

  test('maps: k=v pairs or a JSON object', () => {
    ok('string-map', 'team=analytics, env = prod,', { team: 'analytics', env: 'prod' });
    ok('string-map', 'a=b=c', { a: 'b=c' });
    ok('string-map', '{"team":"x"}', { team: 'x' });
    bad('string-map', 'team', /"team" has no key=/);
    bad('string-map', '=x', /"=x" has no key=/);
    bad('string-map', 'a=1,a=2', /key "a" is given twice/);
    bad('string-map', '{"a":', /expected a JSON object \(.+\)/);
  });
});

describe('readEnvOverrides', () => {
  test('reads settings by their variable, ignoring unrelated variables', () => {
    const { overrides, problems } = readEnvOverrides({
      SLUICE_SINK: 'pubsub',
      SLUICE_CACHE_TTL_SECONDS: '60',
      SLUICE_LABELS: 'team=a',
      HOME: '/root',
    });
    assert.deepEqual(problems, []);
    assert.deepEqual(overrides, [
      { variable: 'SLUICE_LABELS', path: ['labels'], value: { team: 'a' } },
      { variable: 'SLUICE_SINK', path: ['sink'], value: 'pubsub' },
      { variable: 'SLUICE_CACHE_TTL_SECONDS', path: ['cache', 'ttl_seconds'], value: 60 },
    ]);
  });

  test('an empty variable counts as unset', () => {
    const { overrides, problems } = readEnvOverrides({
      SLUICE_SINK: '',
      SLUICE_SINKK: '',
      SLUICE_CACHE_TTL_SECONDS: '',
    });
    assert.deepEqual(overrides, []);
    assert.deepEqual(problems, []);
  });

  test('aliases apply, and a SLUICE_ variable wins over them', () => {
    assert.deepEqual(
      readEnvOverrides({ GOOGLE_CLOUD_PROJECT: 'p1', PUBSUB_EMULATOR_HOST: 'localhost:8085' }).overrides,
      [
        { variable: 'GOOGLE_CLOUD_PROJECT', path: ['project'], value: 'p1' },
        { variable: 'PUBSUB_EMULATOR_HOST', path: ['pubsub', 'emulator_host'], value: 'localhost:8085' },
      ],
    );
    assert.deepEqual(readEnvOverrides({ GOOGLE_CLOUD_PROJECT: 'p1', SLUICE_PROJECT: 'p2' }).overrides, [
      { variable: 'SLUICE_PROJECT', path: ['project'], value: 'p2' },
    ]);
    assert.deepEqual(readEnvOverrides({ GOOGLE_CLOUD_PROJECT: 'p1', SLUICE_PROJECT: '' }).overrides, [
      { variable: 'GOOGLE_CLOUD_PROJECT', path: ['project'], value: 'p1' },
    ]);
  });

  test('a value that does not parse is a problem naming variable, key, value and expectation', () => {
    const { overrides, problems } = readEnvOverrides({ SLUICE_CACHE_TTL_SECONDS: '12abc' });
    assert.deepEqual(overrides, []);
    assert.deepEqual(problems, [
      {
        source: 'env SLUICE_CACHE_TTL_SECONDS',
        path: 'cache.ttl_seconds',
        value: '12abc',
        message: 'expected an integer',
      },
    ]);
  });

  test('an unknown SLUICE_ variable is a problem suggesting the closest name', () => {
    const { problems } = readEnvOverrides({ SLUICE_SINKK: 'pubsub', SLUICE_CACHE_TTL_SECOND: '5' });
    assert.equal(problems.length, 2);
    assert.equal(problems[0]?.source, 'env SLUICE_SINKK');
    assert.match(problems[0]?.message ?? '', /unknown variable.*\(did you mean SLUICE_SINK\?\)/);
    assert.match(problems[1]?.message ?? '', /did you mean SLUICE_CACHE_TTL_SECONDS\?/);
  });

  test('an unknown variable with no close name lists the known ones', () => {
    const { problems } = readEnvOverrides({ SLUICE_WHATEVER_ELSE: '1' });
    assert.match(problems[0]?.message ?? '', /known: SLUICE_PROJECT, .*SLUICE_CONFIG/);
  });

  test('reserved non-setting variables are not reported', () => {
    const env = Object.fromEntries(RESERVED_ENV_NAMES.map((name) => [name, 'x']));
    assert.deepEqual(readEnvOverrides(env), { overrides: [], problems: [] });
  });
});
