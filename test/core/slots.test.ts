import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Slots } from '../../functions/core/slots.ts';

test('at most size holders; a release hands the slot to the first waiter, so running never dips', async () => {
  const slots = new Slots(2);
  const first = slots.tryAcquire();
  const second = await slots.acquire();
  assert.ok(first);
  assert.equal(slots.tryAcquire(), undefined);
  const order: string[] = [];
  const third = slots.acquire().then((release) => {
    order.push('third');
    return release;
  });
  const fourth = slots.acquire().then((release) => {
    order.push('fourth');
    return release;
  });
  assert.deepEqual([slots.running, slots.waiting], [2, 2]);
  first();
  first(); // a second call releases nothing more
  assert.deepEqual([slots.running, slots.waiting], [2, 1]);
  (await third)();
  second();
  (await fourth)();
  assert.deepEqual(order, ['third', 'fourth']);
  assert.deepEqual([slots.running, slots.waiting], [0, 0]);
});

test('a waiter whose signal aborts leaves the queue and rejects with the reason', async () => {
  const slots = new Slots(1);
  const held = slots.tryAcquire();
  const controller = new AbortController();
  const waiting = slots.acquire(controller.signal);
  assert.equal(slots.waiting, 1);
  controller.abort(new Error('budget spent'));
  await assert.rejects(waiting, /budget spent/);
  assert.equal(slots.waiting, 0);
  held?.();
  assert.equal(slots.running, 0, 'the slot is free again, not handed to the aborted waiter');
});
