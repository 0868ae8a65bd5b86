import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { closestMatch, editDistance } from '../../functions/core/closest-match.ts';

describe('closestMatch', () => {
  test('edit distance counts insertions, deletions, substitutions and swaps', () => {
    assert.equal(editDistance('sink', 'sink'), 0);
    assert.equal(editDistance('sinkk', 'sink'), 1);
    assert.equal(editDistance('snik', 'sink'), 1);
    assert.equal(editDistance('', 'abc'), 3);
    assert.equal(editDistance('kitten', 'sitting'), 3);
  });

  test('suggests only plausible typos', () => {
    assert.equal(closestMatch('sinkk', ['project', 'sink']), 'sink');
    assert.equal(closestMatch('TTL_SECS', ['ttl_seconds', 'max_entries']), 'ttl_seconds');
    assert.equal(closestMatch('colour', ['sink', 'region']), undefined);
  });
});
