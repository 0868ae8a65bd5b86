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
