import type { SchemaRegistry } from '../registry/schema-registry.ts';
import { EventValidator } from './event-validator.ts';
import { SchemaCache, type SchemaCacheOptions } from './schema-cache.ts';
import { SchemaCompiler } from './schema-compiler.ts';

/** The validation settings of config/sluice.yaml (`cache.*`, `validation.*`), in milliseconds. */
export interface ValidationEngineOptions {
  readonly registry: SchemaRegistry;
  readonly ttlMs: number;
  readonly negativeTtlMs: number;
  readonly errorTtlMs: number;
  readonly maxEntries: number;
  readonly allErrors: boolean;
  readonly maxErrors: number;
  /** `validation.all_errors_max_bytes`: see SchemaCompilerOptions; absent is 0 (first problem only). */
  readonly allErrorsMaxBytes?: number | undefined;
  readonly now?: (() => number) | undefined;
  readonly onRefreshError?: SchemaCacheOptions['onRefreshError'] | undefined;
}

/** What the collector and the replay tool use: a validator and the cache behind it (for purges). */
export interface ValidationEngine {
  readonly validator: EventValidator;
  readonly cache: SchemaCache;
}

export function createValidationEngine(options: ValidationEngineOptions): ValidationEngine {
  const compiler = new SchemaCompiler({
    registry: options.registry,
    allErrors: options.allErrors,
    maxErrors: options.maxErrors,
    allErrorsMaxBytes: options.allErrorsMaxBytes ?? 0,
  });
  const cache = new SchemaCache({ ...options, compiler });
  return { validator: new EventValidator(cache), cache };
}
