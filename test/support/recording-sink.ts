import { pathToFileURL } from 'node:url';
import { readConfiguredDatabases } from '../../functions/adapters/enrichment/mmdb-database.ts';
import { type Collector, createCollector } from '../../functions/app/collector-handler.ts';
import { createValidationFromConfig } from '../../functions/app/create-validation.ts';
import { createProtocolAdapters } from '../../functions/app/protocol-adapters.ts';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import { createEnricher } from '../../functions/core/enrichment/enricher.ts';
import { type EventSink, type RowBatch, SinkUnavailableError } from '../../functions/core/sink/event-sink.ts';

/** A sink that keeps every batch in memory (and can be switched off to simulate an outage). */
export class RecordingSink implements EventSink {
  readonly batches: RowBatch[] = [];
  down = false;

  async publish(batch: RowBatch): Promise<void> {
    if (this.down) throw new SinkUnavailableError('simulated outage');
    this.batches.push(batch);
  }

  async close(): Promise<void> {}

  get valid(): ValidRow[] {
    return this.batches.flatMap((batch) => [...batch.valid]);
  }

  get invalid(): InvalidRow[] {
    return this.batches.flatMap((batch) => [...batch.invalid]);
  }

  clear(): void {
    this.batches.length = 0;
  }
}

/** The project's shipped schemas, as a file:// registry URL. */
export const SHIPPED_SCHEMAS = pathToFileURL(new URL('../../schemas', import.meta.url).pathname).href;

/**
 * The real collector (every protocol, validation against the shipped schemas, the enrichments the
 * configuration turns on) with a recording sink, configured by `document` (a sluice.yaml as an
 * object) and `env`.
 */
export function recordingCollector(
  document: Record<string, unknown> = {},
  env: Record<string, string> = {},
): { collector: Collector; sink: RecordingSink; config: SluiceConfig } {
  const config = resolveConfig({ document: { registries: [SHIPPED_SCHEMAS], ...document }, source: 'test', env: {} });
  const sink = new RecordingSink();
  const collector = createCollector({
    config,
    validation: createValidationFromConfig(config),
    sink,
    adapters: createProtocolAdapters(config),
    enricher: createEnricher(config.enrichments, readConfiguredDatabases(config.enrichments)),
    env,
  });
  return { collector, sink, config };
}
