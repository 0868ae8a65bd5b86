import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SluiceError } from '../../../functions/core/errors.ts';
import { parseSchemaKey, type SchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { RegistryChain } from '../../../functions/core/registry/registry-chain.ts';
import {
  InvalidSchemaDocumentError,
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../../functions/core/registry/schema-registry.ts';

const KEY = parseSchemaKey('iglu:com.acme/checkout/jsonschema/1-0-0');

/** A registry holding `schemas` (by URI), or throwing what `fail` returns; records what it was asked. */
function fakeRegistry(
  url: string,
  schemas: Record<string, Record<string, unknown>> = {},
  fail?: () => Error,
): SchemaRegistry & { asked: string[] } {
  const asked: string[] = [];
  return {
    url,
    asked,
    async lookup(key: SchemaKey): Promise<RegistryLookup> {
      asked.push(key.uri);
      if (fail) throw fail();
      const schema = schemas[key.uri];
      return schema ? { found: true, schema, registry: url } : { found: false };
    },
  };
}

const down = (url: string, detail = 'HTTP 503') =>
  fakeRegistry(url, {}, () => new RegistryUnavailableError(url, detail));

describe('RegistryChain', () => {
  test('the first registry that has the key wins, and later ones are not asked', async () => {
    const first = fakeRegistry('file://./a');
    const second = fakeRegistry('gs://b', { [KEY.uri]: { from: 'second' } });
    const third = fakeRegistry('https://c', { [KEY.uri]: { from: 'third' } });
    const chain = new RegistryChain([first, second, third]);
    assert.deepEqual(await chain.lookup(KEY), { found: true, schema: { from: 'second' }, registry: 'gs://b' });
    assert.deepEqual([first.asked, second.asked, third.asked], [[KEY.uri], [KEY.uri], []]);
  });

  test('not found anywhere, with every registry answering, is not found', async () => {
    const chain = new RegistryChain([fakeRegistry('file://./a'), fakeRegistry('gs://b')]);
    assert.deepEqual(await chain.lookup(KEY), { found: false });
  });

  test('an unavailable registry is skipped when a later one has the key', async () => {
    const later = fakeRegistry('https://c', { [KEY.uri]: { ok: true } });
    const chain = new RegistryChain([down('gs://b'), later]);
    assert.deepEqual(await chain.lookup(KEY), { found: true, schema: { ok: true }, registry: 'https://c' });
  });

  test('not found elsewhere while one registry was unavailable is unavailable, never not found', async () => {
    const outage = down('gs://b');
    const chain = new RegistryChain([fakeRegistry('file://./a'), outage, fakeRegistry('https://c')]);
    await assert.rejects(chain.lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof RegistryUnavailableError);
      assert.equal(error.code, 'registry_unavailable');
      assert.equal(error.registry, 'gs://b');
      assert.match(
        error.message,
        /cannot tell whether iglu:com\.acme\/checkout\/jsonschema\/1-0-0 exists: file:\/\/\.\/a,https:\/\/c do not have it, and 1 could not be asked: schema registry gs:\/\/b is unavailable: HTTP 503/,
      );
      assert.ok(error.cause instanceof RegistryUnavailableError);
      assert.equal(error.cause.registry, 'gs://b');
      return true;
    });
  });

  test('several unavailable registries are all kept, in an AggregateError', async () => {
    const chain = new RegistryChain([down('gs://b', 'HTTP 503'), down('https://c', 'timeout')]);
    await assert.rejects(chain.lookup(KEY), (error: unknown) => {
      assert.ok(error instanceof RegistryUnavailableError);
      assert.equal(error.registry, 'gs://b,https://c');
      assert.match(error.message, /no registry could answer, and 2 could not be asked/);
      assert.ok(error.cause instanceof AggregateError);
      assert.deepEqual(
        error.cause.errors.map((cause: RegistryUnavailableError) => cause.registry),
        ['gs://b', 'https://c'],
      );
      return true;
    });
  });

  test("a chain of one passes its registry's error through unchanged", async () => {
    const original = new RegistryUnavailableError('gs://b', 'HTTP 503');
    const chain = new RegistryChain([fakeRegistry('gs://b', {}, () => original)]);
    await assert.rejects(chain.lookup(KEY), (error: unknown) => error === original);
  });

  test('an invalid document propagates instead of falling through to a later registry', async () => {
    const broken = fakeRegistry(
      'file://./a',
      {},
      () => new InvalidSchemaDocumentError('file://./a', KEY.uri, 'it is not JSON'),
    );
    const later = fakeRegistry('https://c', { [KEY.uri]: { ok: true } });
    await assert.rejects(new RegistryChain([broken, later]).lookup(KEY), InvalidSchemaDocumentError);
    assert.deepEqual(later.asked, []);
  });

  test('an invalid document after an unavailable registry still propagates', async () => {
    const broken = fakeRegistry(
      'https://c',
      {},
      () => new InvalidSchemaDocumentError('https://c', KEY.uri, 'it is JSON an array'),
    );
    await assert.rejects(new RegistryChain([down('gs://b'), broken]).lookup(KEY), InvalidSchemaDocumentError);
  });

  test('unexpected errors (bugs) propagate', async () => {
    const buggy = fakeRegistry('gs://b', {}, () => new TypeError('boom'));
    const later = fakeRegistry('https://c', { [KEY.uri]: { ok: true } });
    await assert.rejects(new RegistryChain([buggy, later]).lookup(KEY), TypeError);
  });

  test("url joins the registries' URLs with commas", () => {
    const chain = new RegistryChain([fakeRegistry('file://./a'), fakeRegistry('gs://b'), fakeRegistry('https://c')]);
    assert.equal(chain.url, 'file://./a,gs://b,https://c');
  });

  test('an empty list is refused', () => {
    assert.throws(
      () => new RegistryChain([]),
      (error: unknown) =>
        error instanceof SluiceError &&
        error.code === 'no_schema_registry' &&
        /at least one schema registry/.test(error.message),
    );
  });
});
