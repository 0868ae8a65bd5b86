import type { SchemaKey } from '../iglu/schema-key.ts';
import { Slots } from '../slots.ts';
import { type RegistryLookup, RegistryUnavailableError, type SchemaRegistry } from './schema-registry.ts';

export interface BoundedRegistryOptions {
  /** Lookups running at once. */
  readonly maxConcurrent: number;
  /** Lookups waiting for a slot; more fail at once with RegistryUnavailableError. */
  readonly maxQueued: number;
}

export interface BoundedRegistryStats {
  readonly running: number;
  readonly queued: number;
  readonly peakRunning: number;
  readonly peakQueued: number;
  /** Lookups refused because the queue was full. */
  readonly refused: number;
}

/**
 * A registry that runs at most `maxConcurrent` lookups at once and lets at most `maxQueued` wait,
 * first come first served. The schema cache already makes each key cost one lookup per TTL; this
 * bounds what many distinct keys cost at once, so that a flood of unknown schema names neither
 * hammers the registry nor piles up waiting requests. A refused lookup is "unavailable", never "not
 * found": the schema may exist, and its event stays replayable.
 */
export class BoundedRegistry implements SchemaRegistry {
  readonly url: string;
  readonly #inner: SchemaRegistry;
  readonly #options: BoundedRegistryOptions;
  readonly #slots: Slots;
  #peakRunning = 0;
  #peakQueued = 0;
  #refused = 0;

  constructor(inner: SchemaRegistry, options: BoundedRegistryOptions) {
    if (!Number.isInteger(options.maxConcurrent) || options.maxConcurrent < 1) {
      throw new RangeError(`BoundedRegistry maxConcurrent must be a whole number >= 1, got ${options.maxConcurrent}`);
    }
    if (!Number.isInteger(options.maxQueued) || options.maxQueued < 0) {
      throw new RangeError(`BoundedRegistry maxQueued must be a whole number >= 0, got ${options.maxQueued}`);
    }
    this.#inner = inner;
    this.#options = options;
    this.#slots = new Slots(options.maxConcurrent);
    this.url = inner.url;
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    let release = this.#slots.tryAcquire();
    if (release === undefined) {
      if (this.#slots.waiting >= this.#options.maxQueued) {
        this.#refused++;
        throw new RegistryUnavailableError(
          this.url,
          `${this.#slots.running} schema lookups are running and ${this.#slots.waiting} waiting, the most this instance makes at once; ` +
            `${key.uri} was not looked up (its event is kept for replay)`,
        );
      }
      const granted = this.#slots.acquire();
      this.#peakQueued = Math.max(this.#peakQueued, this.#slots.waiting);
      release = await granted;
    }
    this.#peakRunning = Math.max(this.#peakRunning, this.#slots.running);
    try {
      return await this.#inner.lookup(key);
    } finally {
      release();
    }
  }

  stats(): BoundedRegistryStats {
    const slots = this.#slots;
    return {
      running: slots.running,
      queued: slots.waiting,
      peakRunning: this.#peakRunning,
      peakQueued: this.#peakQueued,
      refused: this.#refused,
    };
  }
}
