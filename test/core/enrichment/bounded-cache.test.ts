import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BoundedCache } from '../../../functions/core/enrichment/bounded-cache.ts';
import { MAX_CACHED_KEY_LENGTH } from '../../../functions/core/limits.ts';

test('computes once per key, holds at most its capacity, oldest out first', () => {
  const cache = new BoundedCache<number>(3);
  let computed = 0;
  const value = (key: string) => cache.getOrCompute(key, () => ++computed);
  assert.equal(value('a'), 1);
  assert.equal(value('a'), 1);
  value('b');
  value('c');
  value('d'); // a goes
  assert.equal(cache.size, 3);
  assert.equal(cache.get('a'), undefined);
  assert.equal(cache.get('b'), 2);
  for (let i = 0; i < 10_000; i++) value(`flood-${i}`);
  assert.equal(cache.size, 3);
});

test('capacity 0 caches nothing', () => {
  const cache = new BoundedCache<number>(0);
  let computed = 0;
  cache.getOrCompute('a', () => ++computed);
  cache.getOrCompute('a', () => ++computed);
  assert.equal(computed, 2);
  assert.equal(cache.size, 0);
});

test('keys longer than MAX_CACHED_KEY_LENGTH are computed every time, never kept', () => {
  const cache = new BoundedCache<number>(10);
  let computed = 0;
  const long = 'u'.repeat(MAX_CACHED_KEY_LENGTH + 1);
  cache.getOrCompute(long, () => ++computed);
  cache.getOrCompute(long, () => ++computed);
  assert.equal(computed, 2);
  assert.equal(cache.size, 0);
  cache.getOrCompute('u'.repeat(MAX_CACHED_KEY_LENGTH), () => ++computed);
  assert.equal(cache.size, 1);
});
