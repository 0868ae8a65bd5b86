import type { ClientConfig, PublishOptions } from '@google-cloud/pubsub';
import { attemptTimeoutMs } from '../http/deadline.ts';
import { pubsubEndpoint } from './pubsub-endpoint.ts';
import type { PublishRetryTiming } from './retry-timing.ts';

/**
 * gax settings for Publish over the gRPC transport. The library's defaults retry transient errors
 * (UNAVAILABLE, DEADLINE_EXCEEDED, INTERNAL, ...) for up to 600 s, 60 s per attempt, waiting up
 * to 4x longer each time; the retry codes are kept, the timing is replaced:
 * - the total budget starts when the batch is sent (up to batchMaxMs after publish() was
 *   called) and ends early enough that gax reports its own error, with the real status (e.g.
 *   "14 UNAVAILABLE: No connection established"), before publish()'s timer fires, even after
 *   a last jittered pause of up to maxRetryDelayMillis (see publishRetryTiming);
 * - no attempt starts after the budget and each attempt's deadline is cut to what remains, so
 *   the library has stopped retrying these messages by the time the caller answers 503;
 * - one attempt may take a third of the budget (attemptTimeoutMs, as over REST), so a call stuck
 *   on a dead connection is retried within the budget.
 */
export function gaxPublishOptions(timing: PublishRetryTiming): NonNullable<PublishOptions['gaxOpts']> {
  const { budgetMs: budget, initialDelayMs, maxDelayMs: maxRetryDelayMillis } = timing;
  const attempt = attemptTimeoutMs(budget);
  return {
    timeout: budget,
    retry: {
      backoffSettings: {
        initialRetryDelayMillis: initialDelayMs,
        retryDelayMultiplier: 2,
        maxRetryDelayMillis,
        initialRpcTimeoutMillis: attempt,
        rpcTimeoutMultiplier: 1,
        maxRpcTimeoutMillis: attempt,
        totalTimeoutMillis: budget,
      },
    },
  };
}

/**
 * The library's client settings: where it connects (pubsubEndpoint) and how soon gRPC reconnects.
 * gRPC waits between reconnection attempts (gax sets 1 s, growing x1.6 up to 120 s by default)
 * and meanwhile fails every call at once with UNAVAILABLE. After a few minutes of outage an
 * instance would keep answering 503 for up to two minutes after Pub/Sub is back: capping the
 * wait at half the publish timeout, between 250 ms and 5 s, makes it recover within a request's
 * time. One connection attempt per channel every few seconds is nothing.
 */
export function grpcClientConfig(options: {
  readonly projectId: string;
  readonly emulatorHost: string | undefined;
  readonly apiEndpoint: string | undefined;
  readonly publishTimeoutMs: number;
}): ClientConfig {
  const maxReconnectBackoffMs = Math.max(250, Math.min(5_000, Math.floor(options.publishTimeoutMs / 2)));
  const config: ClientConfig & Record<`grpc.${string}`, number> = {
    'grpc.initial_reconnect_backoff_ms': Math.min(1_000, maxReconnectBackoffMs),
    'grpc.max_reconnect_backoff_ms': maxReconnectBackoffMs,
  };
  return Object.assign(
    config,
    pubsubEndpoint(options.projectId, options.emulatorHost, process.env, options.apiEndpoint),
  );
}
