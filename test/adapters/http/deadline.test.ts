import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDeadline } from '../../../functions/adapters/http/deadline.ts';

test('a deadline aborts its signal with a TimeoutError carrying the message, unless cleared first', async () => {
  const fired = startDeadline(10, 'no answer within 10 ms');
  await new Promise((resolve) => fired.signal.addEventListener('abort', resolve, { once: true }));
  assert.equal((fired.signal.reason as Error).name, 'TimeoutError');
  assert.equal((fired.signal.reason as Error).message, 'no answer within 10 ms');

  const cleared = startDeadline(10, 'never');
  cleared.clear();
  await new Promise((resolve) => setTimeout(resolve, 40));
  assert.equal(cleared.signal.aborted, false);
});
