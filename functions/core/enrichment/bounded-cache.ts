import { MAX_CACHED_KEY_LENGTH } from '../limits.ts';
/**
 * A map that holds at most `capacity` entries: when full, the oldest entry goes first. Enrichment
 * results repeat (one visitor sends many events with one user agent from one page), so they are
 * worth keeping; the bound keeps a flood of distinct values (made-up user agents) from growing the
 * instance's memory. Insertion order rather than recency: a hit costs one Map lookup, with no
 * delete-and-set to move the entry, and a value seen again after being evicted is simply worked
 * out again.
 */

export class BoundedCache<V> {
  readonly capacity: number;
  readonly #entries = new Map<string, V>();

  constructor(capacity: number) {
    this.capacity = Math.max(0, Math.floor(capacity));
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: string): V | undefined {
    return this.#entries.get(key);
  }

  /** The cached value of `key`, or `compute(key)`, kept for next time. */
  getOrCompute(key: string, compute: (key: string) => V): V {
    const cached = this.#entries.get(key);
    if (cached !== undefined) return cached;
    const value = compute(key);
    if (this.capacity === 0 || key.length > MAX_CACHED_KEY_LENGTH) return value;
    if (this.#entries.size >= this.capacity) {
      const oldest = this.#entries.keys().next().value as string;
      this.#entries.delete(oldest);
    }
    this.#entries.set(key, value);
    return value;
  }
}
