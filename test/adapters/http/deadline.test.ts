import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { startDeadline } from '../../../functions/adapters/http/deadline.ts';

test('a deadline aborts its signal with a TimeoutError carrying the message, unless cleared first', (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['setTimeout'] });
  const fired = startDeadline(10, 'no answer within 10 ms');
  mock.timers.tick(9);
  assert.equal(fired.signal.aborted, false, 'not before its time');
  mock.timers.tick(1);
  assert.equal(fired.signal.aborted, true);
  assert.equal((fired.signal.reason as Error).name, 'TimeoutError');
  assert.equal((fired.signal.reason as Error).message, 'no answer within 10 ms');

  const cleared = startDeadline(10, 'never');
  cleared.clear();
  mock.timers.tick(40);
  assert.equal(cleared.signal.aborted, false);
});
