import type { ServerResponse } from 'node:http';
import { DEFAULT_SHUTDOWN_GRACE_MS } from '../core/limits.ts';
import { jsonAnswer, writeAnswer } from './http/http-answer.ts';
import { log } from './log.ts';

/**
 * Cloud Run sends SIGTERM before it stops an instance and kills it 10 s later
 * (https://cloud.google.com/run/docs/container-contract#lifecycle). The functions framework's own
 * SIGTERM handler answers 500 to the latest request and calls process.exit() at once, so requests
 * still waiting for Pub/Sub would be cut off: no answer, their tracker retries, and whatever the
 * library had batched is lost (it is not acknowledged, so it is only a duplicate risk, but a
 * flush costs nothing). Nor can a listener added beside it run first and wait: Node calls every
 * listener of a signal at once, and the framework's exits. (A known limitation of the framework:
 * https://github.com/GoogleCloudPlatform/functions-framework-nodejs/issues/704.)
 *
 * So this takes the signal over: it removes the listeners registered so far (the framework adds
 * its own when its server starts listening, before the first request, which is when
 * {@link GracefulShutdown.install} is called), and on the signal
 * 1. answers new requests 503 with Retry-After (Cloud Run stops routing to the instance anyway),
 * 2. waits for the requests in flight to be answered, at most `graceMs`,
 * 3. closes the sink (flushes what the Pub/Sub client still holds),
 * 4. then calls the listeners it took over, which exit as they always did, or exits itself.
 */
export const SHUTDOWN_SIGNALS = ['SIGTERM', 'SIGINT'] as const;

export interface GracefulShutdownOptions {
  /** Flushes and releases the sink (the collector's `sink.close`). */
  readonly close: () => Promise<void>;
  readonly graceMs?: number;
  readonly retryAfterSeconds: number;
  /** What ends the process when no listener was taken over; `process.exit` by default. */
  readonly exit?: (code: number) => void;
}

export class GracefulShutdown {
  readonly #options: GracefulShutdownOptions;
  readonly #inFlight = new Set<Promise<unknown>>();
  #installed = false;
  #draining: Promise<void> | undefined;

  constructor(options: GracefulShutdownOptions) {
    this.#options = options;
  }

  get draining(): boolean {
    return this.#draining !== undefined;
  }

  /** Takes over the shutdown signals (once; later calls do nothing). */
  install(): void {
    if (this.#installed) return;
    this.#installed = true;
    for (const signal of SHUTDOWN_SIGNALS) {
      const previous = process.listeners(signal) as Array<(signal: NodeJS.Signals) => void>;
      process.removeAllListeners(signal);
      process.once(signal, () => {
        void this.drain(signal).then(() => {
          if (previous.length === 0) (this.#options.exit ?? process.exit)(0);
          for (const listener of previous) listener(signal);
        });
      });
    }
  }

  /**
   * Runs one request's handling, counted as in flight; while shutting down, answers 503 instead
   * so that the sender retries on another instance.
   */
  track(response: ServerResponse, method: string, handle: () => Promise<void>): Promise<void> {
    if (this.draining) {
      writeAnswer(
        response,
        method,
        jsonAnswer(
          503,
          { error: 'unavailable', message: 'this instance is shutting down; retry' },
          { 'retry-after': String(this.#options.retryAfterSeconds) },
        ),
      );
      return Promise.resolve();
    }
    const running = handle();
    this.#inFlight.add(running);
    const forget = () => void this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /** Waits for the requests in flight (at most graceMs), then closes the sink. Idempotent. */
  drain(reason: string): Promise<void> {
    this.#draining ??= this.#drain(reason);
    return this.#draining;
  }

  async #drain(reason: string): Promise<void> {
    const started = Date.now();
    const waiting = this.#inFlight.size;
    const graceMs = this.#options.graceMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), graceMs)));
    const finished = await Promise.race([
      Promise.allSettled([...this.#inFlight]).then(() => 'done' as const),
      deadline,
    ]);
    try {
      await Promise.race([this.#options.close(), deadline]);
    } catch (error) {
      log('ERROR', `closing the sink during shutdown failed: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
    log(finished === 'done' ? 'INFO' : 'WARNING', `${reason}: shut down after ${Date.now() - started} ms`, {
      requests_waited_for: waiting,
      requests_cut_off: finished === 'done' ? 0 : this.#inFlight.size,
    });
  }
}
