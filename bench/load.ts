import autocannon from 'autocannon';
import type { Scenario } from './scenarios.ts';

export interface LoadOptions {
  readonly connections: number;
  readonly durationSeconds: number;
  /** Requests per second over all connections; absent: as fast as the server answers. */
  readonly rate?: number;
}

export interface LoadResult {
  readonly durationSeconds: number;
  /** Requests answered 2xx. */
  readonly ok: number;
  /** Answers other than 2xx, and connection errors or timeouts. */
  readonly failed: number;
  readonly requestsPerSecond: number;
  /** Events (valid and invalid) in 2xx-answered requests, per second. */
  readonly eventsPerSecond: number;
  /** Valid events in 2xx-answered requests, per second. */
  readonly validEventsPerSecond: number;
  /** Events and valid events in 2xx-answered requests. */
  readonly events: number;
  readonly validEvents: number;
  /** Latency percentiles in milliseconds (autocannon's histogram has 1 ms resolution). */
  readonly p50: number;
  readonly p99: number;
}

/**
 * Drives one scenario's request cycle against a server with autocannon: every connection sends
 * the scenario's requests in turn, keep-alive, one at a time (no pipelining, as trackers do).
 * Events are counted per 2xx answer, so a server that fails some requests is not credited with
 * their events. With `rate`, latencies are corrected for coordinated omission (autocannon's
 * default), so a stall shows up in p99 even though fewer requests were sent during it.
 */
export async function runLoad(url: string, scenario: Scenario, options: LoadOptions): Promise<LoadResult> {
  let events = 0;
  let validEvents = 0;
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.durationSeconds,
    pipelining: 1,
    ...(options.rate === undefined ? {} : { overallRate: Math.max(1, Math.round(options.rate)) }),
    requests: scenario.requests.map((request) => ({
      method: request.method,
      path: request.path,
      headers: { ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
      onResponse: (status: number) => {
        if (status >= 200 && status < 300) {
          events += request.events;
          validEvents += request.validEvents;
        }
      },
    })),
  });
  const duration = result.duration > 0 ? result.duration : options.durationSeconds;
  const ok = result['2xx'];
  return {
    durationSeconds: duration,
    ok,
    failed: result.non2xx + result.errors,
    requestsPerSecond: ok / duration,
    eventsPerSecond: events / duration,
    validEventsPerSecond: validEvents / duration,
    events,
    validEvents,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

/** Several runs of the same load (interleaved slices of one measurement) as one result; latencies from the longest. */
export function combineLoads(results: readonly LoadResult[]): LoadResult {
  if (results.length === 0) throw new Error('combineLoads needs at least one result');
  const sum = (pick: (result: LoadResult) => number) => results.reduce((total, result) => total + pick(result), 0);
  const durationSeconds = sum((result) => result.durationSeconds);
  const longest = results.reduce((a, b) => (b.durationSeconds > a.durationSeconds ? b : a));
  const events = sum((result) => result.events);
  const validEvents = sum((result) => result.validEvents);
  const ok = sum((result) => result.ok);
  return {
    durationSeconds,
    ok,
    failed: sum((result) => result.failed),
    requestsPerSecond: ok / durationSeconds,
    eventsPerSecond: events / durationSeconds,
    validEventsPerSecond: validEvents / durationSeconds,
    events,
    validEvents,
    p50: longest.p50,
    p99: longest.p99,
  };
}
