import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { exceedsJsonSize } from '../../../functions/core/validation/json-size.ts';

test('exceedsJsonSize: a value whose JSON text fits is never said to exceed; one said to exceed is larger', () => {
  fc.assert(
    fc.property(
      fc.json().map((text) => JSON.parse(text) as unknown),
      fc.nat(400),
      (value, max) => {
        const size = Buffer.byteLength(JSON.stringify(value));
        assert.equal(exceedsJsonSize(value, size), false, `${JSON.stringify(value)} fits in its own ${size} bytes`);
        if (exceedsJsonSize(value, max)) assert.ok(size > max, `${size} bytes said not to fit in ${max}`);
      },
    ),
    { numRuns: 2000 },
  );
  // Without escapes or non-ASCII text the estimate is exact.
  const plain = { order_id: 'A-1', total: 30, items: [1, 2, { a: null, b: true }], empty: {} };
  const size = JSON.stringify(plain).length;
  assert.equal(exceedsJsonSize(plain, size - 2), true);
});

test('exceedsJsonSize: stops at the bound, so a million-element array is refused after reading a few thousand', () => {
  const huge = { items: new Array(1_000_000).fill(0) };
  assert.equal(exceedsJsonSize(huge, 16_384), true);
  assert.equal(exceedsJsonSize({ order_id: 'A-1', total: 'thirty' }, 16_384), false);
  assert.equal(exceedsJsonSize('x'.repeat(20_000), 16_384), true);
  assert.equal(exceedsJsonSize(null, 0), true);
});
