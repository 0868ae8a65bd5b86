import { loadConfig } from '../adapters/config/load-config.ts';
import { readConfiguredDatabases } from '../adapters/enrichment/mmdb-database.ts';
import type { SluiceConfig } from '../core/config/config.ts';
import { createEnricher } from '../core/enrichment/enricher.ts';
import type { EventSink } from '../core/sink/event-sink.ts';
import { type Collector, createCollector } from './collector-handler.ts';
import { createSinkFromConfig } from './create-sink.ts';
import { createValidationFromConfig } from './create-validation.ts';
import { configureLogging, describeError, log } from './log.ts';
import { createProtocolAdapters } from './protocol-adapters.ts';

let instance: Collector | undefined;

/**
 * A collector assembled from a configuration: registries, validation, protocols and sink.
 * `sink` replaces the configured one; the benchmark suite passes a NoopSink to measure the
 * collector's own cost (deliberately not a configuration value: a deployed collector that drops
 * every event must not be one typo away).
 */
export function createCollectorFromConfig(
  config: SluiceConfig,
  overrides: { readonly sink?: EventSink } = {},
): Collector {
  configureLogging({
    level: config.logging.level,
    project: config.project || (process.env.GOOGLE_CLOUD_PROJECT ?? ''),
    logPayloads: config.logging.log_payloads,
  });
  const validation = createValidationFromConfig(config, (key, error) =>
    log('WARNING', `refreshing schema ${key.uri} failed; the cached copy keeps serving`, describeError(error)),
  );
  const sinks = overrides.sink === undefined ? createSinkFromConfig(config) : { sink: overrides.sink };
  const enricher = createEnricher(config.enrichments, {
    ...readConfiguredDatabases(config.enrichments),
    onLoadFailure: (error) =>
      log('ERROR', 'a MaxMind database could not be read: rows go on without its columns', describeError(error)),
  });
  return createCollector({ config, validation, adapters: createProtocolAdapters(config), enricher, ...sinks });
}

/**
 * The one collector of this process, built on first use: Cloud Functions reuses an instance for
 * many requests, so configuration, registries, compiled schemas and Pub/Sub clients are set up
 * once. A configuration error is thrown from here with every problem listed; `npm start` calls
 * this before listening, so locally it stops the process at once.
 */
export function collectorInstance(): Collector {
  instance ??= createCollectorFromConfig(loadConfig());
  return instance;
}
