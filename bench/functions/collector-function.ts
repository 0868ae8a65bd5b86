/**
 * The collector as the benchmark runs it: the same handler, configuration and validation as
 * functions/collect.ts, served through the functions framework's CLI, with two additions that
 * exist only here (never in the deployed bundle):
 * - `BENCH_SINK=noop` swaps the configured sink for a NoopSink, to measure the collector's
 *   own CPU cost without Pub/Sub;
 * - the sink's counters are answered over the IPC channel the bench opens to this process
 *   (`{type: 'stats'}`), so no HTTP route is needed for them.
 */
import { http } from '@google-cloud/functions-framework';
import { loadConfig } from '../../functions/adapters/config/load-config.ts';
import { NoopSink } from '../../functions/adapters/sink/noop-sink.ts';
import { PubsubSink } from '../../functions/adapters/sink/pubsub-sink.ts';
import { createCollectorFromConfig } from '../../functions/app/collector-instance.ts';
import { capFrameworkBodyParsing } from '../../functions/app/http/framework-body-limit.ts';

// As functions/collect.ts does: the framework reads bodies raw, capped, and never parses them.
capFrameworkBodyParsing();

const collector = createCollectorFromConfig(
  loadConfig(),
  process.env.BENCH_SINK === 'noop' ? { sink: new NoopSink() } : {},
);

http('collect', (request, response) => collector.handle(request, response));

/** What the bench asks for: the sink's counters, whichever sink it is. */
export interface SinkCounters {
  readonly kind: 'noop' | 'pubsub' | 'local' | 'other';
  readonly valid?: number;
  readonly invalid?: number;
  readonly messages?: number;
  readonly acknowledged?: number;
  readonly publishCalls: number;
}

function counters(): SinkCounters {
  const { sink } = collector;
  if (sink instanceof NoopSink) return { kind: 'noop', ...sink.stats() };
  if (sink instanceof PubsubSink) return { kind: 'pubsub', ...sink.stats() };
  return { kind: 'other', publishCalls: 0 };
}

if (process.send !== undefined) {
  process.on('message', (message: { type?: string; id?: number }) => {
    if (message?.type === 'stats') process.send?.({ type: 'stats', id: message.id, counters: counters() });
  });
  // A bench that dies without stopping its servers must not leave them running.
  process.on('disconnect', () => process.exit(0));
}
