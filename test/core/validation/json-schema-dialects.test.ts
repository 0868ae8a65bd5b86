import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { IGLU_META_SCHEMA_URI } from '../../../functions/core/validation/iglu-meta-schema.ts';
import {
  createAjv,
  dialectOfMetaSchema,
  metaSchemaOf,
} from '../../../functions/core/validation/json-schema-dialects.ts';

const noRefs = {
  allErrors: false,
  loadSchema: async () => {
    throw new Error('no refs in this test');
  },
};

/** The dialect a schema is compiled in: its meta-schema's. */
const dialectOf = (schema: Record<string, unknown>) => {
  const meta = metaSchemaOf(schema);
  return meta === undefined ? undefined : dialectOfMetaSchema(meta);
};

describe('metaSchemaOf and dialectOfMetaSchema', () => {
  test('map $schema to a dialect, Iglu and no $schema to draft-04', () => {
    assert.equal(dialectOf({ $schema: IGLU_META_SCHEMA_URI }), 'draft-04');
    assert.equal(dialectOf({}), 'draft-04');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-04/schema#' }), 'draft-04');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-07/schema' }), 'draft-07');
    assert.equal(dialectOf({ $schema: 'http://json-schema.org/draft-06/schema#' }), 'draft-07');
    assert.equal(dialectOf({ $schema: 'https://json-schema.org/draft/2019-09/schema' }), '2019-09');
    assert.equal(dialectOf({ $schema: 'https://json-schema.org/draft/2020-12/schema#' }), '2020-12');
    assert.equal(dialectOf({ $schema: 'https://example.com/my-meta' }), undefined);
    assert.equal(dialectOf({ $schema: 4 }), undefined);
  });

  test('a meta-schema is named as the supported list spells it, with or without its trailing #', () => {
    assert.equal(metaSchemaOf({}), 'http://json-schema.org/draft-04/schema#');
    assert.equal(
      metaSchemaOf({ $schema: 'http://json-schema.org/draft-07/schema#' }),
      'http://json-schema.org/draft-07/schema#',
    );
    assert.equal(
      metaSchemaOf({ $schema: 'http://json-schema.org/draft-07/schema' }),
      'http://json-schema.org/draft-07/schema#',
    );
    assert.equal(
      metaSchemaOf({ $schema: 'https://json-schema.org/draft/2020-12/schema#' }),
      'https://json-schema.org/draft/2020-12/schema',
    );
    assert.equal(metaSchemaOf({ $schema: `${IGLU_META_SCHEMA_URI.slice(0, -1)}` }), IGLU_META_SCHEMA_URI);
  });
});

describe('createAjv', () => {
  test('draft-04 reads exclusiveMaximum as a boolean, as Iglu schemas use it', () => {
    const ajv = createAjv('draft-04', noRefs);
    const validate = ajv.compile({ type: 'number', maximum: 10, exclusiveMaximum: true });
    assert.equal(validate(10), false);
    assert.equal(validate(9.9), true);
  });

  test('2020-12 understands prefixItems and 2019-09 understands dependentRequired', () => {
    const v2020 = createAjv('2020-12', noRefs).compile({
      type: 'array',
      prefixItems: [{ type: 'string' }],
      items: false,
    });
    assert.equal(v2020(['a']), true);
    assert.equal(v2020(['a', 'b']), false);
    const v2019 = createAjv('2019-09', noRefs).compile({ dependentRequired: { a: ['b'] } });
    assert.equal(v2019({ a: 1 }), false);
    assert.equal(v2019({ a: 1, b: 2 }), true);
  });

  test('formats are checked, including Iglu strict-uri', () => {
    for (const dialect of ['draft-04', 'draft-07', '2019-09', '2020-12'] as const) {
      const ajv = createAjv(dialect, noRefs);
      assert.equal(ajv.validate({ type: 'string', format: 'date-time' }, 'yesterday'), false, dialect);
      assert.equal(ajv.validate({ type: 'string', format: 'date-time' }, '2026-11-26T04:15:27Z'), true, dialect);
      assert.equal(ajv.validate({ type: 'string', format: 'uuid' }, 'not-a-uuid'), false, dialect);
      assert.equal(ajv.validate({ type: 'string', format: 'strict-uri' }, 'not a uri'), false, dialect);
      assert.equal(ajv.validate({ type: 'string', format: 'strict-uri' }, 'https://example.com/a'), true, dialect);
    }
  });

  test('the Iglu meta-schema validates the self block of draft-04 schemas', () => {
    const ajv = createAjv('draft-04', noRefs);
    const good = {
      $schema: IGLU_META_SCHEMA_URI,
      self: { vendor: 'com.acme', name: 'a', format: 'jsonschema', version: '1-0-0' },
      type: 'object',
    };
    assert.equal(typeof ajv.compile(good), 'function');
    const badVersion = { ...good, self: { ...good.self, version: '1.0.0' } };
    assert.throws(() => ajv.compile(badVersion), /schema is invalid: data\/self\/version must match pattern/);
    const noSelf = { $schema: IGLU_META_SCHEMA_URI, type: 'object' };
    assert.throws(() => ajv.compile(noSelf), /must have required property 'self'/);
  });
});
