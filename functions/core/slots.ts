/**
 * A counting semaphore: at most `size` holders at once, the rest wait first come first served. A
 * released slot is handed straight to the next waiter, so `running` never dips while some wait.
 * Used where a resource must not see more than a few requests from this instance at once (the
 * schema registry, Pub/Sub's REST endpoint).
 */
export class Slots {
  readonly #size: number;
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#size = size;
    this.#free = size;
  }

  /** Slots held now. */
  get running(): number {
    return this.#size - this.#free;
  }

  /** Callers waiting for a slot now. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** A free slot's release function at once, or undefined when none is free. */
  tryAcquire(): (() => void) | undefined {
    if (this.#free === 0) return undefined;
    this.#free -= 1;
    return this.#releaser();
  }

  /** A slot's release function, once one is free; rejects with the signal's reason if it aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    const release = this.tryAcquire();
    if (release !== undefined) return Promise.resolve(release);
    return new Promise((resolve, reject) => {
      const grant = (): void => {
        signal?.removeEventListener('abort', abort);
        resolve(this.#releaser());
      };
      const abort = (): void => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
      this.#waiting.push(grant);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#free += 1;
    };
  }
}
