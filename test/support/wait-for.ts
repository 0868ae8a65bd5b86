/**
 * Waiting in tests: for a condition, never for a fixed time. A test that sleeps and then checks
 * passes on an idle machine and fails on a loaded one; a test that waits for the condition (with a
 * generous bound that only a real failure reaches) passes on both and fails only when the thing
 * it waits for never happens.
 */

export interface WaitForOptions {
  /** How long the condition may take before the wait fails; generous, since only a failure reaches it. */
  readonly timeoutMs?: number;
  /** How often the condition is checked. */
  readonly intervalMs?: number;
  /** What was awaited, for the failure message. */
  readonly what?: string;
}

/**
 * The real timer, taken when this module loads: a test that fakes time with node:test's
 * `mock.timers` replaces the global setTimeout, and a wait that used the fake one would stop until
 * the test ticks. Waiting for a condition stays on the real clock (so does performance.now(), which
 * mock.timers leaves alone) while the code under test runs on the fake one.
 */
const realSetTimeout = globalThis.setTimeout;

const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_INTERVAL_MS = 5;

/** Resolves with the condition's first truthy value; rejects naming `what` once `timeoutMs` has passed. */
export async function waitFor<T>(
  condition: () => T | Promise<T>,
  { timeoutMs = DEFAULT_TIMEOUT_MS, intervalMs = DEFAULT_INTERVAL_MS, what = 'the condition' }: WaitForOptions = {},
): Promise<NonNullable<T>> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const value = await condition();
    if (value) return value as NonNullable<T>;
    if (performance.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await delay(intervalMs);
  }
}

/**
 * A pause on the real clock, for what has no condition to wait for: the interval of a polling loop,
 * or a test whose subject is real time passing (a server's own timeout, a slow peer). Not for
 * ordering a test's own steps: wait for the condition instead.
 */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => realSetTimeout(resolve, ms));
}
