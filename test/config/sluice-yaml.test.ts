import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { loadConfig } from '../../functions/adapters/config/load-config.ts';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import type { SchemaNode } from '../../functions/core/config/config-schema.ts';
import { listSchemaKeys, SLUICE_CONFIG_SCHEMA } from '../../functions/core/config/config-schema.ts';
import { buildEnvTable, ENV_SETTINGS, envNameFor } from '../../functions/core/config/env-overrides.ts';
import { PREFIX_DERIVED_DEFAULTS } from '../../functions/core/config/prefix-derived-names.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';

// These tests keep the three descriptions of the configuration (the schema, the documented YAML
// and the TypeScript interface) saying the same thing.

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const yamlText = readFileSync(new URL('../../config/sluice.yaml', import.meta.url), 'utf8');
const defaults = resolveConfig({ document: {}, source: 'defaults', env: {} });

test('the modeline that gives editors the schema is the first line', () => {
  assert.equal(yamlText.split('\n')[0], '# yaml-language-server: $schema=./sluice.schema.json');
});

test('the shipped YAML validates', () => {
  assert.doesNotThrow(() => loadConfig({}, repoRoot));
});

test('the shipped YAML shows every key with exactly its schema default; prefix-derived ones commented out', () => {
  // A derived key set in the file would stop following name_prefix, so the file shows it as a comment.
  const expected = structuredClone(defaults) as unknown as Record<string, Record<string, unknown>>;
  for (const { path } of PREFIX_DERIVED_DEFAULTS) {
    if (path.length === 1) delete expected[path[0]];
    else delete expected[path[0]]?.[path[1]];
    const key = path.at(-1) as string;
    const value = String(path.reduce<unknown>((node, part) => (node as Record<string, unknown>)[part], defaults));
    assert.match(yamlText, new RegExp(`^\\s*# ${key}: ${value.replaceAll('.', '\\.')} +# .*unset = `, 'm'), key);
  }
  assert.deepEqual(parse(yamlText, { uniqueKeys: true }), expected);
});

test('every key line in the shipped YAML has a comment, except group headers', () => {
  const groups = new Set(
    listSchemaKeys()
      .filter((key) => !key.isLeaf)
      .map((key) => key.path.join('.')),
  );
  for (const line of yamlText.split('\n')) {
    const key = /^([a-z_]+):/.exec(line)?.[1] ?? /^\s+([a-z_]+):/.exec(line)?.[1];
    if (key === undefined || (groups.has(key) && !line.includes('#'))) continue;
    assert.match(line, / # \S/, `no comment on: ${line}`);
  }
});

test('every schema key has a description and a default; groups are closed, maps constrain their keys', () => {
  const keys = listSchemaKeys();
  assert.ok(keys.length >= 20);
  for (const { path, schema } of keys) {
    const name = path.join('.');
    assert.ok(typeof schema.description === 'string' && schema.description.length > 10, `${name} has no description`);
    assert.ok('default' in schema, `${name} has no default`);
    if (schema.type === 'object') {
      assert.deepEqual(schema.default, {}, `${name}: a group defaults to {} so nested defaults fill in`);
      if (typeof schema.additionalProperties === 'object') {
        // A map (labels, webhooks.auth): any key, but only keys of its pattern.
        assert.ok(schema.propertyNames?.pattern, `${name} is a map and must constrain its keys with propertyNames`);
      } else {
        assert.equal(schema.additionalProperties, false, `${name} must refuse unknown keys`);
      }
    }
  }
  assert.equal(SLUICE_CONFIG_SCHEMA.additionalProperties, false);
  assert.equal(
    (SLUICE_CONFIG_SCHEMA as SchemaNode & { $schema?: string }).$schema,
    'http://json-schema.org/draft-07/schema#',
  );
});

test('the environment variable table has no collisions and follows the rule', () => {
  assert.doesNotThrow(() => buildEnvTable(SLUICE_CONFIG_SCHEMA));
  const names = ENV_SETTINGS.map((setting) => setting.name);
  assert.equal(new Set(names).size, names.length);
  for (const setting of ENV_SETTINGS) assert.equal(setting.name, envNameFor(setting.path));
});

test('the TypeScript interface matches the schema defaults', () => {
  // Typed, so the compiler checks that this literal has exactly the interface's keys; deepEqual
  // checks that it has exactly the schema's keys and defaults.
  const expected: SluiceConfig = {
    project: '',
    region: 'europe-west1',
    name_prefix: 'sluice',
    labels: {},
    deploy: {
      function_memory: '512Mi',
      function_cpu: '1',
      min_instances: 0,
      max_instances: 20,
      concurrency: 80,
      timeout_seconds: 60,
      ingress: 'public',
      state_bucket: '',
      local_state: false,
    },
    registries: ['file://./schemas'],
    sink: 'local',
    valid_topic: 'sluice-events',
    invalid_topic: 'sluice-invalid-events',
    replay_subscription: 'sluice-invalid-events-replay',
    bigquery: { dataset: 'sluice', location: 'EU', partition_expiration_days: 0, deletion_protection: true },
    alerts: {
      notification_emails: [],
      notification_channels: [],
      dead_letter_messages: 0,
      backlog_age_seconds: 900,
      backlog_window_seconds: 300,
      error_ratio: 0.02,
      error_window_seconds: 300,
      invalid_ratio: 0.2,
      invalid_window_seconds: 900,
    },
    purge: { path: '/sluice/purge', token: '' },
    snowplow: {
      post_paths: ['/com.snowplowanalytics.snowplow/tp2'],
      redirect_enabled: false,
      redirect_allowed_domains: [],
    },
    cookie: { enabled: true, name: 'sp', domain: '', path: '/', ttl_days: 365, same_site: 'None', secure: true },
    cloudevents: { path: '/cloudevents', type_schemas: {}, dataschema_schemas: {}, fallback_schema: '' },
    segment: {
      write_keys: [],
      app_id: '',
      require_plan: false,
      tracking_plan: { track: {}, page: '', screen: '', identify: '', group: '', alias: '', context: {} },
    },
    pixel: { redirect_allowed_domains: [] },
    cors: { allowed_origins: [] },
    privacy: { ip_anonymization: 'none', drop_useragent: false },
    client_ip: { trusted_hops: 1 },
    enrichments: {
      url_parts: { enabled: true },
      campaign: {
        enabled: true,
        mkt_source: ['utm_source'],
        mkt_medium: ['utm_medium'],
        mkt_campaign: ['utm_campaign'],
        mkt_term: ['utm_term'],
        mkt_content: ['utm_content'],
        click_ids: {},
      },
      referer: { enabled: true, internal_domains: [], sources: {} },
      user_agent: { enabled: true, cache_entries: 10000 },
      geo: { database: '' },
      asn: { database: '' },
    },
    webhooks: { auth: {}, require_auth: false },
    logging: { level: 'INFO', log_payloads: false },
    pubsub: {
      emulator_host: '',
      api_endpoint: '',
      publish_timeout_ms: 10000,
      batch_max_messages: 500,
      batch_max_ms: 5,
      transport: 'rest',
    },
    limits: {
      max_request_bytes: 1048576,
      max_raw_bytes: 1024,
      max_in_flight_bytes: 67108864,
      max_in_flight_requests: 1000,
      max_events_per_request: 1000,
    },
    registry: { timeout_ms: 5000, storage_api_endpoint: '' },
    cache: { ttl_seconds: 300, negative_ttl_seconds: 30, error_ttl_seconds: 5, max_entries: 10000 },
    validation: { all_errors: false, max_errors: 20, all_errors_max_bytes: 16384 },
    local: { dir: '.sluice' },
  };
  assert.deepEqual(resolveConfig({ document: {}, source: 'defaults', env: {} }), expected);
});
