import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  InvalidSchemaKeyError,
  parseSchemaKey,
  schemaKeyFromReference,
  schemaKeyFromSelf,
} from '../../../functions/core/iglu/schema-key.ts';
import { MAX_SCHEMA_URI_LENGTH } from '../../../functions/core/limits.ts';

describe('parseSchemaKey', () => {
  test('splits a canonical Iglu URI into its parts and a registry path', () => {
    const key = parseSchemaKey('iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0');
    assert.deepEqual(
      { ...key },
      {
        vendor: 'com.snowplowanalytics.snowplow',
        name: 'web_page',
        format: 'jsonschema',
        version: '1-0-0',
        path: 'com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
        uri: 'iglu:com.snowplowanalytics.snowplow/web_page/jsonschema/1-0-0',
      },
    );
    assert.ok(Object.isFrozen(key));
  });

  test('accepts dashes, underscores and multi-digit versions', () => {
    assert.equal(
      parseSchemaKey('iglu:io.snowplow-x_y/PerformanceNavigationTiming/jsonschema/12-10-103').version,
      '12-10-103',
    );
  });

  const hostile: Array<[string, RegExp]> = [
    ['iglu:../name/jsonschema/1-0-0', /vendor/],
    ['iglu:./name/jsonschema/1-0-0', /vendor/],
    ['iglu:com.acme/../jsonschema/1-0-0', /name/],
    ['iglu:com..acme/x/jsonschema/1-0-0', /vendor/],
    ['iglu:.acme/x/jsonschema/1-0-0', /vendor/],
    ['iglu:com.acme/x%2F..%2F..%2Fetc/jsonschema/1-0-0', /escape/],
    ['iglu:com.acme/x%2e%2e/jsonschema/1-0-0', /escape/],
    ['iglu:com.acme/x/jsonschema/1-0-0?alt=media', /escape|query/],
    ['iglu:com.acme/x/jsonschema/1-0-0#', /escape|fragment/],
    ['iglu:com.acme/x\\..\\y/jsonschema/1-0-0', /escape/],
    ['iglu:/etc/passwd/jsonschema/1-0-0', /path parts/],
    ['iglu:com.acme/x/y/jsonschema/1-0-0', /path parts/],
    ['iglu:com.acme/x/jsonschema/1-0', /version/],
    ['iglu:com.acme/x/jsonschema/0-0-0', /version/],
    ['iglu:com.acme/x/jsonschema/1-00-0', /version/],
    ['iglu:com.acme/x/avro/1-0-0', /format "avro" is not supported/],
    ['iglu:com.acme/évènement/jsonschema/1-0-0', /name/],
    ['iglu:com.acme/x /jsonschema/1-0-0', /whitespace/],
    ['file:///etc/passwd', /does not start with "iglu:"/],
    ['http://evil.example/schemas/x', /does not start with "iglu:"/],
    ['', /does not start/],
  ];
  for (const [value, reason] of hostile) {
    test(`rejects ${JSON.stringify(value)}`, () => {
      assert.throws(
        () => parseSchemaKey(value),
        (error: unknown) => {
          assert.ok(error instanceof InvalidSchemaKeyError);
          assert.equal(error.code, 'invalid_schema_key');
          assert.match(error.message, reason);
          assert.match(error.message, /expected iglu:<vendor>\/<name>\/jsonschema/);
          return true;
        },
      );
    });
  }

  test('rejects overlong URIs before matching them', () => {
    const long = `iglu:com.acme/${'a'.repeat(MAX_SCHEMA_URI_LENGTH)}/jsonschema/1-0-0`;
    assert.throws(() => parseSchemaKey(long), /longer than 512 characters/);
  });

  test('rejects non-strings with their type', () => {
    assert.throws(() => parseSchemaKey(42), /must be a string, got number/);
    assert.throws(() => parseSchemaKey(null), /got null/);
    assert.throws(() => parseSchemaKey({ toString: () => 'iglu:a/b/jsonschema/1-0-0' }), /got object/);
  });
});

describe('schemaKeyFromReference', () => {
  test('reads iglu: references with or without the trailing #', () => {
    assert.equal(schemaKeyFromReference('iglu:com.acme/a/jsonschema/1-0-0#')?.uri, 'iglu:com.acme/a/jsonschema/1-0-0');
    assert.equal(schemaKeyFromReference('iglu:com.acme/a/jsonschema/1-0-0')?.uri, 'iglu:com.acme/a/jsonschema/1-0-0');
  });

  test('maps Iglu Central addresses to the same key', () => {
    for (const scheme of ['http', 'https']) {
      const ref = `${scheme}://iglucentral.com/schemas/com.snowplowanalytics.self-desc/instance-iglu-only/jsonschema/1-0-0#`;
      assert.equal(
        schemaKeyFromReference(ref)?.uri,
        'iglu:com.snowplowanalytics.self-desc/instance-iglu-only/jsonschema/1-0-0',
      );
    }
  });

  test('leaves everything else alone', () => {
    for (const ref of [
      '#/definitions/x',
      'http://json-schema.org/draft-04/schema#',
      'http://evil.example/schemas/a/b/jsonschema/1-0-0',
      'http://iglucentral.com.evil.example/schemas/a/b/jsonschema/1-0-0',
      'iglu:../x/jsonschema/1-0-0',
    ]) {
      assert.equal(schemaKeyFromReference(ref), undefined, ref);
    }
  });
});

describe('schemaKeyFromSelf', () => {
  test('builds the key a schema declares', () => {
    assert.equal(
      schemaKeyFromSelf({ vendor: 'com.acme', name: 'a', format: 'jsonschema', version: '2-1-0' })?.uri,
      'iglu:com.acme/a/jsonschema/2-1-0',
    );
    assert.equal(
      schemaKeyFromSelf({ vendor: 'com.acme', name: '../a', format: 'jsonschema', version: '1-0-0' }),
      undefined,
    );
    assert.equal(schemaKeyFromSelf('x'), undefined);
  });
});
