import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createRegistry } from '../../../functions/adapters/registry/registry-from-url.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { createValidationEngine } from '../../../functions/core/validation/validation-engine.ts';
import { IGLU_CENTRAL_DIR, igluCentralUris } from '../../support/iglu-central.ts';

/**
 * The real-world corpus: every Iglu Central schema compiled by the engine through a file://
 * registry, and real events validated against the schemas real trackers use.
 */
function corpusEngine() {
  const registry = createRegistry(pathToFileURL(IGLU_CENTRAL_DIR).href);
  return createValidationEngine({
    registry,
    ttlMs: 3_600_000,
    negativeTtlMs: 60_000,
    errorTtlMs: 5_000,
    maxEntries: 10_000,
    allErrors: true,
    maxErrors: 20,
  });
}

describe('Iglu Central corpus', () => {
  const uris = igluCentralUris();
  const { cache, validator } = corpusEngine();

  test('holds the 660 schemas of release R183', () => {
    assert.equal(uris.length, 660);
  });

  test('every schema compiles, including the one that $refs another corpus schema', async () => {
    const started = performance.now();
    const lookups = await cache.warm(uris.map((uri) => parseSchemaKey(uri)));
    const elapsed = performance.now() - started;
    const failures = lookups
      .filter((lookup) => lookup.status !== 'found')
      .map((lookup) => ('error' in lookup ? lookup.error.message : ''));
    assert.deepEqual(failures, []);
    const command = cache.peek(parseSchemaKey('iglu:com.snowplowanalytics.sauna.commands/command/jsonschema/1-0-0'));
    assert.deepEqual(command?.references, ['iglu:com.snowplowanalytics.self-desc/instance-iglu-only/jsonschema/1-0-0']);
    console.log(`# compiled ${lookups.length} Iglu Central schemas in ${elapsed.toFixed(0)} ms`);
  });

  const events: Array<[string, string, unknown, string | null]> = [
    [
      'web_page with a UUID id',
      'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
      { id: 'b8e3a1f6-2a5c-4d1e-9c6e-3f1a2b4c5d6e' },
      null,
    ],
    [
      'web_page without id',
      'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
      {},
      "$ required must have required property 'id'",
    ],
    [
      'web_page with a non-UUID id',
      'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
      { id: 'page-1' },
      '$.id pattern must match pattern "^[a-fA-F0-9]{8}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12}$"',
    ],
    [
      'link_click',
      'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
      { targetUrl: 'https://example.com', elementId: 'buy' },
      null,
    ],
    [
      'link_click without targetUrl',
      'iglu:com.snowplowanalytics.snowplow/link_click/jsonschema/1-0-1',
      { elementId: 'buy' },
      "$ required must have required property 'targetUrl'",
    ],
    [
      'payload_data as the node tracker sends it',
      'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
      [
        {
          e: 'pv',
          p: 'srv',
          tv: 'node-4.8.0',
          url: 'https://shop.example/',
          eid: '0b1ee1f5-0b8f-4e35-8bfb-7a6c63d1b1a4',
          dtm: '1764130527123',
          stm: '1764130527200',
        },
      ],
      null,
    ],
    [
      'payload_data without e',
      'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
      [{ p: 'web', tv: 'js-4.0.0' }],
      "$[0] required must have required property 'e'",
    ],
    [
      'contexts wrapper',
      'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1',
      [{ schema: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0', data: { id: 'x' } }],
      null,
    ],
    [
      'sauna command via the instance-iglu-only $ref',
      'iglu:com.snowplowanalytics.sauna.commands/command/jsonschema/1-0-0',
      {
        envelope: {
          schema: 'iglu:com.snowplowanalytics.sauna.commands/envelope/jsonschema/1-0-0',
          data: {
            commandId: '9dadfc92-9311-43c7-9cee-61b2ab8ea2b8',
            whenCreated: '2026-11-26T04:15:27Z',
            execution: { semantics: 'AT_LEAST_ONCE', timeToLive: null },
            tags: {},
          },
        },
        command: { schema: 'iglu:com.sendgrid.sauna.commands/send_email/jsonschema/1-0-0', data: {} },
      },
      null,
    ],
    [
      'sauna command whose envelope breaks the referenced schema',
      'iglu:com.snowplowanalytics.sauna.commands/command/jsonschema/1-0-0',
      {
        envelope: { schema: 'not an iglu uri', data: {} },
        command: { schema: 'iglu:com.sendgrid.sauna.commands/send_email/jsonschema/1-0-0', data: {} },
      },
      '$.envelope.schema pattern must match pattern "^iglu:[a-zA-Z0-9-_.]+/[a-zA-Z0-9-_]+/[a-zA-Z0-9-_]+/[0-9]+-[0-9]+-[0-9]+$"',
    ],
  ];
  for (const [title, schema, data, expected] of events) {
    test(`real event: ${title}`, async () => {
      const outcome = await validator.validate(schema, data);
      if (expected === null) {
        assert.equal(outcome.valid, true, outcome.valid ? '' : JSON.stringify(outcome.issues));
      } else {
        assert.equal(outcome.valid, false);
        if (outcome.valid) return;
        assert.equal(outcome.errorType, 'validation_failed');
        assert.ok(
          outcome.issues.some((issue) => `${issue.path} ${issue.keyword} ${issue.message}` === expected),
          JSON.stringify(outcome.issues),
        );
      }
    });
  }
});
