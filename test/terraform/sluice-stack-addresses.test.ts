import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parseSchemaKey } from '../../functions/core/iglu/schema-key.ts';
import type { SchemaFile } from '../../terraform/schema-files.ts';
import { type SynthesizedStack, synthStack } from '../support/synth-stack.ts';

// Terraform keys its state by resource address (type.logical_id). A changed address plans a
// destroy of the old resource and a create of the new one: for a topic, a table or a
// subscription that is data loss. The addresses below are what deployed stacks have in their
// state; a refactor of terraform/ must keep every one of them. A deliberate rename needs a
// `moved` block or a state move, and then UPDATE_GOLDEN=1 rewrites the golden file.
const GOLDEN = new URL('./golden/resource-addresses.json', import.meta.url);

/** One schema file of the test's own, so that editing schemas/ does not change the golden list. */
const key = parseSchemaKey('iglu:com.acme/golden/jsonschema/1-0-0');
const document = {
  self: { vendor: 'com.acme', name: 'golden', format: 'jsonschema', version: '1-0-0' },
  type: 'object',
  properties: { sku: { type: 'string' } },
};
const SCHEMA_FILES: SchemaFile[] = [{ key, path: key.path, text: JSON.stringify(document), document }];

/** Every resource and data source address of a synthesized stack, sorted. */
function addresses(synth: SynthesizedStack): string[] {
  const of = (blocks: Record<string, Record<string, unknown>> | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${prefix}${type}.${id}`));
  return [...of(synth.json.resource, ''), ...of(synth.json.data, 'data.')].sort();
}

const defaults = addresses(synthStack({}, SCHEMA_FILES));
// Every optional resource at once: a webhook secret, uploaded MaxMind databases, an email channel.
const everything = addresses(
  synthStack(
    {
      webhooks: { auth: { 'com.acme/hook': { type: 'shared_secret', header: 'X-Token', secret_env: 'ACME_TOKEN' } } },
      enrichments: {
        geo: { database: 'file://GeoLite2-City.mmdb' },
        asn: { database: 'file://GeoLite2-ASN.mmdb' },
      },
      alerts: { notification_emails: ['oncall@example.com'] },
    },
    SCHEMA_FILES,
  ),
);
const computed = { default: defaults, optional: everything.filter((address) => !defaults.includes(address)) };
if (process.env.UPDATE_GOLDEN === '1') writeFileSync(GOLDEN, `${JSON.stringify(computed, null, 2)}\n`);
const golden = JSON.parse(readFileSync(GOLDEN, 'utf8')) as typeof computed;

describe('the Sluice stack: Terraform addresses stay put', () => {
  test('the default config has exactly the golden resource addresses (UPDATE_GOLDEN=1 rewrites them after a deliberate, migrated change)', () => {
    assert.deepEqual(defaults, golden.default);
  });

  test('the optional resources (webhook secret, uploaded databases, email channel) have exactly the golden addresses', () => {
    assert.deepEqual(computed.optional, golden.optional);
    assert.ok(golden.optional.length > 0, 'the options add resources');
    // Options only add: nothing of the default stack disappears when they are set.
    assert.deepEqual(
      defaults.filter((address) => !everything.includes(address)),
      [],
    );
  });
});
