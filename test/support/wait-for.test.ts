import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import { waitFor } from './wait-for.ts';

test('waitFor resolves with the first truthy value of the condition', async () => {
  let calls = 0;
  const value = await waitFor(
    () => {
      calls += 1;
      return calls >= 3 ? `after ${calls}` : undefined;
    },
    { intervalMs: 1 },
  );
  assert.equal(value, 'after 3');
});

test('waitFor awaits an async condition', async () => {
  let ready = false;
  setTimeout(() => {
    ready = true;
  }, 5);
  assert.equal(await waitFor(async () => ready, { intervalMs: 1 }), true);
});

test('waitFor fails naming what it waited for once the bound has passed', async () => {
  await assert.rejects(
    waitFor(() => false, { timeoutMs: 20, intervalMs: 5, what: 'the socket to close' }),
    {
      message: 'timed out after 20 ms waiting for the socket to close',
    },
  );
});

test('waitFor keeps polling on the real clock while a test fakes timers with mock.timers', {
  timeout: 5_000,
}, async (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  let fired = false;
  setTimeout(() => {
    fired = true;
  }, 1_000);
  let polls = 0;
  const ticking = waitFor(() => {
    polls += 1;
    if (polls === 3) mock.timers.tick(1_000);
    return fired;
  });
  assert.equal(await ticking, true);
  assert.equal(polls, 3);
});
