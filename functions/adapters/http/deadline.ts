/**
 * An abort signal that fires after `ms` with a TimeoutError carrying `message`, and whose timer
 * is cleared by `clear()` when the work it bounds ends. Not AbortSignal.timeout(): its timer lives
 * on until it fires, up to the whole budget later, keeping the request (and a Publish body) in
 * memory with it.
 */
export interface Deadline {
  readonly signal: AbortSignal;
  clear(): void;
}

export function startDeadline(ms: number, message: string): Deadline {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(new DOMException(message, 'TimeoutError')), ms);
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

/**
 * One attempt may use this share of a retry budget (and at least MIN_ATTEMPT_MS, within the
 * budget): a connection that went silent is then abandoned in time for a retry to go out on a new
 * one, instead of taking the whole budget with it. With the default 10 s publish timeout a Publish
 * attempt gets about 3 s, and with the 5 s registry timeout a schema download 1.7 s: both normally
 * answer in tens of milliseconds.
 */
const ATTEMPT_SHARE_OF_BUDGET = 1 / 3;
const MIN_ATTEMPT_MS = 1_000;

/** The deadline of one attempt within a retry budget (the last attempt is also cut to what is left). */
export function attemptTimeoutMs(budgetMs: number): number {
  return Math.min(budgetMs, Math.max(MIN_ATTEMPT_MS, Math.floor(budgetMs * ATTEMPT_SHARE_OF_BUDGET)));
}
