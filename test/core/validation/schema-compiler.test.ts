import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { default as AjvCoreModule } from 'ajv/dist/core.js';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { IGLU_META_SCHEMA_URI } from '../../../functions/core/validation/iglu-meta-schema.ts';
import { loadMetaSchemaCheck } from '../../../functions/core/validation/meta-schema-checks.ts';
import {
  collectIgluReferences,
  ReferencedSchemaNotFoundError,
  SchemaCompileError,
  SchemaCompiler,
} from '../../../functions/core/validation/schema-compiler.ts';
import { igluSchema, MemoryRegistry } from '../../support/memory-registry.ts';

const ITEM = 'iglu:com.acme/item/jsonschema/1-0-0';
const CART = 'iglu:com.acme/cart/jsonschema/1-0-0';
const itemSchema = igluSchema(ITEM, { type: 'object', properties: { sku: { type: 'string' } }, required: ['sku'] });

function compilerFor(registry: MemoryRegistry, maxErrors = 20) {
  return new SchemaCompiler({ registry, allErrors: true, maxErrors });
}

describe('SchemaCompiler', () => {
  test('validates data and reports issues against the compiled schema', async () => {
    const compiler = compilerFor(new MemoryRegistry());
    const compiled = await compiler.compile(parseSchemaKey(ITEM), itemSchema);
    assert.equal(compiled.dialect, 'draft-04');
    assert.equal(compiled.validate({ sku: 'a' }), undefined);
    assert.deepEqual(compiled.validate({ sku: 1 }), [
      { schema: ITEM, path: '$.sku', keyword: 'type', message: 'must be string' },
    ]);
  });

  for (const ref of [`${ITEM}#`, 'http://iglucentral.com/schemas/com.acme/item/jsonschema/1-0-0#']) {
    test(`resolves $ref ${ref} through the registry`, async () => {
      const registry = new MemoryRegistry({ [ITEM]: itemSchema });
      const cart = igluSchema(CART, { type: 'object', properties: { items: { type: 'array', items: { $ref: ref } } } });
      const compiled = await compilerFor(registry).compile(parseSchemaKey(CART), cart);
      assert.deepEqual(compiled.references, [ITEM]);
      assert.deepEqual(registry.lookups, [ITEM]);
      assert.equal(compiled.validate({ items: [{ sku: 'a' }] }), undefined);
      assert.equal(compiled.validate({ items: [{ sku: 'a' }, {}] })?.[0]?.path, '$.items[1]');
    });
  }

  test('refuses remote $refs without fetching them', async () => {
    const registry = new MemoryRegistry();
    const schema = igluSchema(CART, { properties: { a: { $ref: 'http://evil.example/schema.json#' } } });
    await assert.rejects(compilerFor(registry).compile(parseSchemaKey(CART), schema), (error: unknown) => {
      assert.ok(error instanceof SchemaCompileError);
      assert.match(error.message, /neither an iglu: URI nor an Iglu Central address/);
      return true;
    });
    assert.deepEqual(registry.lookups, []);
  });

  test('a $ref to a schema no registry has is ReferencedSchemaNotFoundError', async () => {
    const schema = igluSchema(CART, { properties: { a: { $ref: `${ITEM}#` } } });
    await assert.rejects(compilerFor(new MemoryRegistry()).compile(parseSchemaKey(CART), schema), (error: unknown) => {
      assert.ok(error instanceof ReferencedSchemaNotFoundError);
      assert.equal(error.code, 'schema_not_found');
      assert.match(error.message, /iglu:com\.acme\/item\/jsonschema\/1-0-0, which no registry has/);
      return true;
    });
  });

  test('a self block that names another key is refused, naming both', async () => {
    await assert.rejects(
      compilerFor(new MemoryRegistry()).compile(parseSchemaKey(CART), itemSchema),
      /schema iglu:com\.acme\/cart\/jsonschema\/1-0-0 cannot be compiled: its self block names iglu:com\.acme\/item\/jsonschema\/1-0-0/,
    );
  });

  test('an unknown $schema and an invalid schema are SchemaCompileErrors', async () => {
    const compiler = compilerFor(new MemoryRegistry());
    await assert.rejects(
      compiler.compile(parseSchemaKey(ITEM), { $schema: 'https://example.com/meta', type: 'object' }),
      (error: unknown) => {
        assert.ok(error instanceof SchemaCompileError);
        assert.equal(error.code, 'schema_invalid');
        assert.match(error.message, /"https:\/\/example\.com\/meta" is not a supported meta-schema; use one of/);
        return true;
      },
    );
    await assert.rejects(
      compiler.compile(parseSchemaKey(ITEM), igluSchema(ITEM, { type: 'objekt' })),
      SchemaCompileError,
    );
  });

  test('a schema that breaks its meta-schema is refused with every problem listed, for each supported meta-schema', async () => {
    const compiler = compilerFor(new MemoryRegistry());
    const broken = {
      ...igluSchema(ITEM, { type: 'objekt', required: 'sku' }),
      self: { vendor: 'com.acme', name: 'item', format: 'jsonschema', version: '1.0.0' },
    };
    await assert.rejects(compiler.compile(parseSchemaKey(ITEM), broken), (error: unknown) => {
      assert.ok(error instanceof SchemaCompileError);
      // All three, not only the first: the meta-schema is checked with allErrors.
      assert.match(error.message, /schema is invalid: .*data\/self\/version must match pattern/);
      assert.match(error.message, /data\/required must be array/);
      assert.match(error.message, /data\/type must be/);
      return true;
    });
    for (const $schema of [
      'http://json-schema.org/draft-04/schema#',
      'http://json-schema.org/draft-06/schema#',
      'http://json-schema.org/draft-07/schema',
      'https://json-schema.org/draft/2019-09/schema',
      'https://json-schema.org/draft/2020-12/schema',
    ]) {
      await assert.rejects(
        compiler.compile(parseSchemaKey(ITEM), { $schema, type: 'object', minProperties: -1 }),
        /schema is invalid: data\/minProperties must be >= 0/,
        $schema,
      );
      assert.equal(
        typeof (await compiler.compile(parseSchemaKey(ITEM), { $schema, type: 'object', minProperties: 1 })).validate,
        'function',
        $schema,
      );
    }
  });

  test('a $ref to a schema that breaks its meta-schema fails the compile, naming the referenced schema', async () => {
    const registry = new MemoryRegistry();
    registry.set(ITEM, igluSchema(ITEM, { type: 'object', maxProperties: 'three' }));
    const cart = igluSchema(CART, { type: 'object', properties: { item: { $ref: ITEM } } });
    await assert.rejects(compilerFor(registry).compile(parseSchemaKey(CART), cart), (error: unknown) => {
      assert.ok(error instanceof SchemaCompileError);
      assert.match(
        error.message,
        /^schema iglu:com\.acme\/item\/jsonschema\/1-0-0 cannot be compiled: schema is invalid: data\/maxProperties must be integer/,
      );
      return true;
    });
  });

  test('compiling a schema (and its $refs) makes Ajv compile no meta-schema: the checks do that, precompiled in the bundle', async () => {
    for (const meta of [IGLU_META_SCHEMA_URI, 'https://json-schema.org/draft/2020-12/schema'])
      await loadMetaSchemaCheck(meta);
    // CommonJS: under Node ESM the default import is module.exports, whose .default is the class.
    const AjvCore = (AjvCoreModule as unknown as { default: { prototype: object } }).default;
    const core = AjvCore.prototype as unknown as { _compileMetaSchema: (...args: unknown[]) => unknown };
    const original = core._compileMetaSchema;
    let metaCompiles = 0;
    core._compileMetaSchema = function (this: unknown, ...args: unknown[]) {
      metaCompiles++;
      return original.apply(this, args);
    };
    try {
      const registry = new MemoryRegistry({ [ITEM]: itemSchema });
      const cart = igluSchema(CART, { type: 'object', properties: { item: { $ref: ITEM } } });
      const compiled = await compilerFor(registry).compile(parseSchemaKey(CART), cart);
      assert.equal(compiled.validate({ item: { sku: 1 } })?.[0]?.keyword, 'type');
      await compilerFor(registry).compile(parseSchemaKey(ITEM), {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        type: 'object',
      });
      assert.equal(metaCompiles, 0);
    } finally {
      core._compileMetaSchema = original;
    }
  });

  test('maxErrors caps the issues reported', async () => {
    const compiled = await compilerFor(new MemoryRegistry(), 3).compile(
      parseSchemaKey(ITEM),
      igluSchema(ITEM, { type: 'array', items: { type: 'string' } }),
    );
    assert.equal(compiled.validate([1, 2, 3, 4, 5, 6])?.length, 3);
    assert.throws(() => compilerFor(new MemoryRegistry(), 0), /maxErrors must be a whole number >= 1, got 0/);
  });

  test('a forgotten reference is fetched again on the next compile', async () => {
    const registry = new MemoryRegistry({ [ITEM]: itemSchema });
    const compiler = compilerFor(registry);
    const cart = igluSchema(CART, { properties: { item: { $ref: `${ITEM}#` } } });
    await compiler.compile(parseSchemaKey(CART), cart);
    await compiler.compile(parseSchemaKey(CART), structuredClone(cart));
    assert.equal(registry.count(ITEM), 1, 'Ajv keeps a loaded reference');
    compiler.forgetReference(parseSchemaKey(ITEM));
    registry.set(ITEM, igluSchema(ITEM, { type: 'object', required: ['sku', 'qty'] }));
    const recompiled = await compiler.compile(parseSchemaKey(CART), structuredClone(cart));
    assert.equal(registry.count(ITEM), 2);
    assert.equal(recompiled.validate({ item: { sku: 'a' } })?.[0]?.message, "must have required property 'qty'");
  });
});

test('collectIgluReferences finds nested iglu and Iglu Central refs only', () => {
  const refs = collectIgluReferences({
    a: { $ref: '#/definitions/x' },
    b: [{ $ref: `${ITEM}#` }, { items: { $ref: 'https://iglucentral.com/schemas/com.acme/cart/jsonschema/1-0-0#' } }],
    c: { $ref: 'http://json-schema.org/draft-04/schema#' },
  });
  assert.deepEqual([...refs].sort(), [CART, ITEM]);
});
