/** How long a batch may be retried, and how long to wait between attempts (both transports). */
export interface PublishRetryTiming {
  /** From the moment a batch is sent: no attempt starts after it. */
  readonly budgetMs: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

/** Slack between the transport giving up and publish()'s own timer. */
const TRANSPORT_TIMEOUT_MARGIN_MS = 100;

/**
 * How long either transport retries a batch: the budget starts when the batch is sent and ends
 * early enough that the transport reports its own error (the real status) before publish()'s
 * timer fires, even after a last pause of up to maxDelayMs. The REST transport also stops
 * waiting for an attempt at the budget's end, so nothing is retried after the caller answered.
 *
 * The pauses between attempts grow up to an eighth of the publish timeout, between 50 ms and 1 s;
 * the budget is never less than half the publish timeout, however long batching may wait.
 */
export function publishRetryTiming(options: {
  /** How long publish() may take in all before it rejects. */
  readonly publishTimeoutMs: number;
  /** How long a message may wait in the batch before the batch is sent. */
  readonly batchMaxMs: number;
}): PublishRetryTiming {
  const { publishTimeoutMs, batchMaxMs } = options;
  const maxDelayMs = Math.max(50, Math.min(1_000, Math.floor(publishTimeoutMs / 8)));
  const budgetMs = Math.max(
    Math.floor(publishTimeoutMs / 2),
    publishTimeoutMs - batchMaxMs - maxDelayMs - TRANSPORT_TIMEOUT_MARGIN_MS,
  );
  return { budgetMs, initialDelayMs: Math.min(50, maxDelayMs), maxDelayMs };
}
