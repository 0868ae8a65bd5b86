import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import {
  MIN_REFRESH_RETRY_MS,
  SchemaCache,
  type SchemaLookup,
} from '../../../functions/core/validation/schema-cache.ts';
import { SchemaCompiler } from '../../../functions/core/validation/schema-compiler.ts';
import { igluSchema, MemoryRegistry, settle } from '../../support/memory-registry.ts';

const A = 'iglu:com.acme/a/jsonschema/1-0-0';
const B = 'iglu:com.acme/b/jsonschema/1-0-0';
const keyA = parseSchemaKey(A);
const keyB = parseSchemaKey(B);
const schemaA = (required: string[] = []) =>
  igluSchema(A, required.length > 0 ? { type: 'object', required } : { type: 'object' });

class Clock {
  time = 1_000_000;
  now = () => this.time;
  advance(ms: number) {
    this.time += ms;
  }
}

function setup(
  options: Partial<{ ttlMs: number; negativeTtlMs: number; errorTtlMs: number; maxEntries: number }> = {},
) {
  const registry = new MemoryRegistry({ [A]: schemaA() });
  const clock = new Clock();
  const refreshErrors: string[] = [];
  const compiler = new SchemaCompiler({ registry, allErrors: false, maxErrors: 5 });
  let compiles = 0;
  let releases = 0;
  const countingCompiler = {
    compile: (...args: Parameters<SchemaCompiler['compile']>) => {
      compiles++;
      return compiler.compile(...args);
    },
    release: (...args: Parameters<SchemaCompiler['release']>) => {
      releases++;
      return compiler.release(...args);
    },
    forgetReference: compiler.forgetReference.bind(compiler),
    reset: compiler.reset.bind(compiler),
  };
  const cache = new SchemaCache({
    registry,
    compiler: countingCompiler,
    ttlMs: 60_000,
    negativeTtlMs: 10_000,
    errorTtlMs: 2_000,
    maxEntries: 100,
    now: clock.now,
    onRefreshError: (key, error) => refreshErrors.push(`${key.uri}: ${error.code}`),
    ...options,
  });
  return { registry, clock, cache, refreshErrors, counts: () => ({ compiles, releases }) };
}

function found(lookup: SchemaLookup) {
  assert.equal(lookup.status, 'found', lookup.status !== 'found' ? lookup.error.message : '');
  return (lookup as Extract<SchemaLookup, { status: 'found' }>).schema;
}

describe('SchemaCache', () => {
  test('concurrent misses for one key share a single fetch and compile', async () => {
    const { registry, cache, counts } = setup();
    registry.hold();
    const pending = Array.from({ length: 50 }, () => cache.get(keyA));
    await settle();
    registry.release();
    const results = await Promise.all(pending);
    assert.equal(registry.count(A), 1);
    assert.equal(counts().compiles, 1);
    assert.ok(results.every((result) => found(result) === found(results[0] as SchemaLookup)));
  });

  test('peek answers from memory only, and a hit never touches the registry', async () => {
    const { registry, cache } = setup();
    assert.equal(cache.peek(keyA), undefined);
    const compiled = found(await cache.get(keyA));
    for (let i = 0; i < 100; i++) assert.equal(cache.peek(keyA), compiled);
    assert.equal(found(await cache.get(keyA)), compiled);
    assert.equal(registry.count(A), 1);
    assert.equal(cache.stats().hits, 101);
  });

  test('a stale schema keeps serving while one background refresh replaces it', async () => {
    const { registry, clock, cache, counts } = setup();
    const first = found(await cache.get(keyA));
    registry.set(A, schemaA(['id']));
    clock.advance(60_001);
    registry.hold();
    assert.equal(cache.peek(keyA), first, 'stale copy served at once');
    assert.equal(cache.peek(keyA), first);
    assert.equal(found(await cache.get(keyA)), first, 'get does not wait for the refresh either');
    registry.release();
    await settle();
    await settle();
    const second = cache.peek(keyA);
    assert.notEqual(second, first);
    assert.equal(second?.validate({})?.[0]?.message, "must have required property 'id'");
    assert.equal(registry.count(A), 2, 'exactly one refresh');
    assert.equal(counts().releases, 1, 'the replaced copy is released');
  });

  test('when the registry is down, the last good copy keeps serving and retries are spaced', async () => {
    const { registry, clock, cache, refreshErrors } = setup();
    const first = found(await cache.get(keyA));
    registry.down = true;
    clock.advance(60_001);
    assert.equal(cache.peek(keyA), first);
    await settle();
    assert.deepEqual(refreshErrors, [`${A}: registry_unavailable`]);
    assert.equal(cache.peek(keyA), first);
    await settle();
    assert.equal(registry.count(A), 2, 'no retry before errorTtl');
    clock.advance(Math.max(2_000, MIN_REFRESH_RETRY_MS));
    registry.down = false;
    registry.set(A, schemaA(['id']));
    cache.peek(keyA);
    await settle();
    await settle();
    assert.equal(registry.count(A), 3);
    assert.notEqual(cache.peek(keyA), first, 'recovered automatically');
  });

  test('a missing schema is remembered for negativeTtl, then looked up again', async () => {
    const { registry, clock, cache } = setup();
    const missing = await cache.get(keyB);
    assert.equal(missing.status, 'not_found');
    assert.match(
      (missing as { error: Error }).error.message,
      /schema iglu:com\.acme\/b\/jsonschema\/1-0-0 is in no registry \(memory:\/\/test\); add it as com\.acme\/b\/jsonschema\/1-0-0/,
    );
    for (let i = 0; i < 20; i++) assert.equal((await cache.get(keyB)).status, 'not_found');
    assert.equal(registry.count(B), 1);
    registry.set(B, igluSchema(B, {}));
    clock.advance(10_001);
    found(await cache.get(keyB));
    assert.equal(registry.count(B), 2);
  });

  test('with no copy, an outage is reported as unavailable for errorTtl and then retried', async () => {
    const { registry, clock, cache } = setup();
    registry.down = true;
    assert.equal((await cache.get(keyA)).status, 'unavailable');
    assert.equal((await cache.get(keyA)).status, 'unavailable');
    assert.equal(registry.count(A), 1);
    registry.down = false;
    clock.advance(2_001);
    found(await cache.get(keyA));
  });

  test('a broken schema document is reported as invalid, not as found', async () => {
    const { registry, cache } = setup();
    registry.set(B, igluSchema(B, { type: 12 }));
    const lookup = await cache.get(keyB);
    assert.equal(lookup.status, 'invalid');
    assert.equal((lookup as { error: { code: string } }).error.code, 'schema_invalid');
  });

  test('the cache is LRU-bounded, so a flood of unknown keys cannot grow it', async () => {
    const { registry, cache } = setup({ maxEntries: 10 });
    found(await cache.get(keyA));
    for (let i = 0; i < 500; i++) {
      cache.peek(keyA); // keep A recently used
      await cache.get(parseSchemaKey(`iglu:com.flood/n${i}/jsonschema/1-0-0`));
    }
    const stats = cache.stats();
    assert.equal(stats.entries, 10);
    assert.equal(stats.evictions, 491);
    assert.ok(cache.peek(keyA), 'the recently used schema survived');
    assert.equal(registry.count(A), 1);
  });

  test('purge(key) forgets the key and every schema that $refs it', async () => {
    const { registry, cache } = setup();
    const ITEM = 'iglu:com.acme/item/jsonschema/1-0-0';
    registry.set(ITEM, igluSchema(ITEM, { type: 'object' }));
    registry.set(B, igluSchema(B, { properties: { item: { $ref: `${ITEM}#` } } }));
    found(await cache.get(keyB));
    found(await cache.get(keyA));
    assert.deepEqual(cache.purge(ITEM).sort(), [B, ITEM].sort());
    assert.equal(cache.peek(keyB), undefined);
    assert.ok(cache.peek(keyA), 'unrelated keys stay');
    registry.set(ITEM, igluSchema(ITEM, { type: 'object', required: ['sku'] }));
    const reloaded = found(await cache.get(keyB));
    assert.equal(reloaded.validate({ item: {} })?.[0]?.message, "must have required property 'sku'");
    assert.throws(() => cache.purge('iglu:../x/jsonschema/1-0-0'), /invalid Iglu schema reference/);
  });

  test('purge() forgets everything; a load in flight during a purge is not stored', async () => {
    const { registry, cache } = setup();
    found(await cache.get(keyA));
    registry.set(B, igluSchema(B, {}));
    registry.hold();
    const inFlight = cache.get(keyB);
    await settle();
    assert.deepEqual(cache.purge(), [A]);
    registry.release();
    found(await inFlight); // the caller still gets its answer...
    assert.equal(cache.stats().entries, 0, '...but it is not remembered');
    found(await cache.get(keyB));
    assert.equal(registry.count(B), 2, 'the next use loads afresh');
    assert.equal(cache.peek(keyA), undefined);
  });

  test('options are checked at construction with actionable messages', () => {
    const registry = new MemoryRegistry();
    const compiler = new SchemaCompiler({ registry, allErrors: false, maxErrors: 1 });
    const base = { registry, compiler, ttlMs: 1, negativeTtlMs: 1, errorTtlMs: 1, maxEntries: 1 };
    assert.throws(() => new SchemaCache({ ...base, ttlMs: -1 }), /ttlMs must be a number of milliseconds >= 0, got -1/);
    assert.throws(
      () => new SchemaCache({ ...base, maxEntries: 0.5 }),
      /maxEntries must be a whole number >= 1, got 0.5/,
    );
  });
});
