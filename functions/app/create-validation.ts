import { createRegistry, type RegistryOptions } from '../adapters/registry/registry-from-url.ts';
import type { SluiceConfig } from '../core/config/config.ts';
import { MAX_CONCURRENT_REGISTRY_LOOKUPS, MAX_QUEUED_REGISTRY_LOOKUPS } from '../core/limits.ts';
import { BoundedRegistry } from '../core/registry/bounded-registry.ts';
import { RegistryChain } from '../core/registry/registry-chain.ts';
import { createValidationEngine, type ValidationEngine } from '../core/validation/validation-engine.ts';

/** What every registry adapter is given from `registry.*`: the lookup budget and, for gs://, Cloud Storage's endpoint. */
export function registryOptionsFromConfig(config: SluiceConfig): RegistryOptions {
  return {
    timeoutMs: config.registry.timeout_ms,
    ...(config.registry.storage_api_endpoint ? { apiEndpoint: config.registry.storage_api_endpoint } : {}),
  };
}

/**
 * The validation engine as the configuration describes it: the registries in order, the cache
 * timings and the error settings. Shared by the collector and the replay tool, so both see
 * schemas the same way.
 */
export function createValidationFromConfig(
  config: SluiceConfig,
  onRefreshError?: Parameters<typeof createValidationEngine>[0]['onRefreshError'],
): ValidationEngine {
  const options = registryOptionsFromConfig(config);
  const chain = new RegistryChain(config.registries.map((url) => createRegistry(url, options)));
  // Misses of a flood of distinct schema names must not become a flood of registry requests.
  const registry = new BoundedRegistry(chain, {
    maxConcurrent: MAX_CONCURRENT_REGISTRY_LOOKUPS,
    maxQueued: MAX_QUEUED_REGISTRY_LOOKUPS,
  });
  return createValidationEngine({
    registry,
    ttlMs: config.cache.ttl_seconds * 1000,
    negativeTtlMs: config.cache.negative_ttl_seconds * 1000,
    errorTtlMs: config.cache.error_ttl_seconds * 1000,
    maxEntries: config.cache.max_entries,
    allErrors: config.validation.all_errors,
    maxErrors: config.validation.max_errors,
    allErrorsMaxBytes: config.validation.all_errors_max_bytes,
    onRefreshError,
  });
}
