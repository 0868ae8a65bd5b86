import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SinkUnavailableError } from '../../../functions/core/sink/event-sink.ts';
import { InFlightLimiter, SinkOverloadedError } from '../../../functions/core/sink/in-flight-limiter.ts';

test('admits up to the request cap, refuses the next with SinkOverloadedError, and admits again after a release', () => {
  const limiter = new InFlightLimiter({ maxBytes: 1000, maxRequests: 2 });
  const first = limiter.acquire(10);
  limiter.acquire(10);
  assert.throws(
    () => limiter.acquire(10),
    (error: unknown) =>
      error instanceof SinkOverloadedError &&
      error instanceof SinkUnavailableError &&
      /limits\.max_in_flight_requests = 2/.test(error.message),
  );
  first();
  first(); // a second release of the same admission changes nothing
  assert.doesNotThrow(() => limiter.acquire(10));
  assert.deepEqual(limiter.stats(), { bytes: 20, requests: 2, peakBytes: 20, peakRequests: 2, shed: 1 });
});

test('refuses what would go over the byte cap, but always admits a request when nothing else is in flight', () => {
  const limiter = new InFlightLimiter({ maxBytes: 100, maxRequests: 10 });
  const big = limiter.acquire(500); // alone: admitted, or it would be refused forever
  assert.throws(() => limiter.acquire(1), /over limits\.max_in_flight_bytes = 100/);
  big();
  const a = limiter.acquire(60);
  assert.throws(() => limiter.acquire(50), SinkOverloadedError);
  assert.doesNotThrow(() => limiter.acquire(40));
  a();
  assert.equal(limiter.stats().bytes, 40);
});

test('caps are checked when the limiter is made', () => {
  assert.throws(() => new InFlightLimiter({ maxBytes: 0, maxRequests: 1 }), /maxBytes must be a number >= 1, got 0/);
  assert.throws(
    () => new InFlightLimiter({ maxBytes: 1, maxRequests: Number.NaN }),
    /maxRequests must be a number >= 1, got NaN/,
  );
});
