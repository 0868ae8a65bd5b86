import { SinkUnavailableError } from './event-sink.ts';

export interface InFlightLimits {
  /** Most bytes admitted at once (`limits.max_in_flight_bytes`). */
  readonly maxBytes: number;
  /** Most admissions at once (`limits.max_in_flight_requests`). */
  readonly maxRequests: number;
}

export interface InFlightStats {
  readonly bytes: number;
  readonly requests: number;
  /** Highest `bytes` seen, for tests and benchmarks that check the bound held. */
  readonly peakBytes: number;
  readonly peakRequests: number;
  /** Admissions refused. */
  readonly shed: number;
}

/**
 * The sink is full: too many bytes or requests are waiting for Pub/Sub already. The collector
 * answers 503 with Retry-After, like any other sink failure, and the tracker retries later.
 */
export class SinkOverloadedError extends SinkUnavailableError {}

/**
 * Caps what is waiting for the sink at once, so that when Pub/Sub is slow or down, requests are
 * shed with 503 instead of piling up in memory: during an outage every publish waits up to
 * `pubsub.publish_timeout_ms`, and without a cap an instance holds every request of that window.
 *
 * A request is admitted when it fits under both caps, and always when nothing else is in flight:
 * one request bigger than the byte cap on its own must not be refused forever (the tracker would
 * retry it endlessly); its size is bounded by `limits.max_request_bytes` anyway.
 */
export class InFlightLimiter {
  readonly #limits: InFlightLimits;
  #bytes = 0;
  #requests = 0;
  #peakBytes = 0;
  #peakRequests = 0;
  #shed = 0;

  constructor(limits: InFlightLimits) {
    for (const name of ['maxBytes', 'maxRequests'] as const) {
      const value = limits[name];
      if (!(value >= 1)) throw new RangeError(`InFlightLimiter ${name} must be a number >= 1, got ${String(value)}`);
    }
    this.#limits = limits;
  }

  /**
   * Admits `bytes` and returns the function that releases them (call it exactly once, when the
   * work settled), or throws {@link SinkOverloadedError} naming the cap and the setting.
   */
  acquire(bytes: number): () => void {
    const { maxBytes, maxRequests } = this.#limits;
    if (this.#requests > 0) {
      if (this.#requests + 1 > maxRequests) {
        this.#shed++;
        throw new SinkOverloadedError(
          `${this.#requests} requests are already waiting for Pub/Sub, the most allowed (limits.max_in_flight_requests = ${maxRequests}); retry later`,
        );
      }
      if (this.#bytes + bytes > maxBytes) {
        this.#shed++;
        throw new SinkOverloadedError(
          `${this.#bytes} bytes are already waiting for Pub/Sub and this request adds ${bytes}, over limits.max_in_flight_bytes = ${maxBytes}; retry later`,
        );
      }
    }
    this.#bytes += bytes;
    this.#requests += 1;
    this.#peakBytes = Math.max(this.#peakBytes, this.#bytes);
    this.#peakRequests = Math.max(this.#peakRequests, this.#requests);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#bytes -= bytes;
      this.#requests -= 1;
    };
  }

  stats(): InFlightStats {
    return {
      bytes: this.#bytes,
      requests: this.#requests,
      peakBytes: this.#peakBytes,
      peakRequests: this.#peakRequests,
      shed: this.#shed,
    };
  }
}
