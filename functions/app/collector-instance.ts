import { loadConfig } from '../adapters/config/load-config.ts';
import { createCollector, type Collector } from './collector-handler.ts';
import { createValidationFromConfig } from './create-validation.ts';

let instance: Collector | undefined;

/**
 * The one collector of this process, built on first use: Cloud Functions reuses an instance for
 * many requests, so configuration, registries and compiled schemas are set up once. A configuration
 * error is thrown from here with every problem listed; `npm start` calls this before listening, so
 * locally it stops the process at once.
 */
export function collectorInstance(): Collector {
  if (!instance) {
    const config = loadConfig();
    instance = createCollector(config, createValidationFromConfig(config));
  }
  return instance;
}
