import assert from 'node:assert/strict';
import { test } from 'node:test';
import { publishRetryTiming } from '../../../functions/adapters/pubsub/retry-timing.ts';

test('the default 10 s publish timeout: pauses up to 1 s, and the budget ends before publish() gives up', () => {
  assert.deepEqual(publishRetryTiming({ publishTimeoutMs: 10_000, batchMaxMs: 5 }), {
    budgetMs: 10_000 - 5 - 1_000 - 100,
    initialDelayMs: 50,
    maxDelayMs: 1_000,
  });
});

test('after the batching wait, the whole budget and a last pause, the transport answers 100 ms before the timer', () => {
  for (const publishTimeoutMs of [1_000, 1_500, 10_000, 60_000, 600_000])
    for (const batchMaxMs of [0, 5, 20, 100]) {
      const { budgetMs, initialDelayMs, maxDelayMs } = publishRetryTiming({ publishTimeoutMs, batchMaxMs });
      const label = `timeout ${publishTimeoutMs}, batching ${batchMaxMs}`;
      assert.equal(batchMaxMs + budgetMs + maxDelayMs + 100, publishTimeoutMs, label);
      assert.ok(initialDelayMs > 0 && initialDelayMs <= maxDelayMs, label);
      assert.ok(maxDelayMs >= 50 && maxDelayMs <= 1_000, label);
    }
});

test('a batching wait or pause that would leave less than half the timeout to retry in: half it is', () => {
  // The config allows publish_timeout_ms down to 100 and batch_max_ms up to 1000.
  for (const publishTimeoutMs of [100, 200, 300])
    assert.equal(publishRetryTiming({ publishTimeoutMs, batchMaxMs: 0 }).budgetMs, publishTimeoutMs / 2);
  assert.deepEqual(publishRetryTiming({ publishTimeoutMs: 1_000, batchMaxMs: 1_000 }), {
    budgetMs: 500,
    initialDelayMs: 50,
    maxDelayMs: 125,
  });
});
