import type { ErrorType } from '../contract/columns.ts';
import { InvalidSchemaKeyError, parseSchemaKey, type SchemaKey } from '../iglu/schema-key.ts';
import type { SchemaCache, SchemaLookup } from './schema-cache.ts';
import type { CompiledSchema } from './schema-compiler.ts';
import type { ValidationIssue } from './validation-issue.ts';

export type ValidationOutcome =
  | { readonly valid: true; readonly key: SchemaKey }
  | {
      readonly valid: false;
      readonly errorType: ErrorType;
      /** The schema the event named, when it was a well-formed Iglu URI. */
      readonly key: SchemaKey | null;
      readonly issues: readonly ValidationIssue[];
    };

const LOOKUP_ERROR_TYPES: Readonly<Record<Exclude<SchemaLookup['status'], 'found'>, ErrorType>> = {
  not_found: 'schema_not_found',
  unavailable: 'registry_unavailable',
  invalid: 'schema_invalid',
};

/**
 * Validates one event's data against the schema it names, through the schema cache. The schema
 * reference comes from the request, so it is parsed as an Iglu URI before anything is looked up.
 * Never throws: every failure is an outcome with the contract's error type.
 */
export class EventValidator {
  readonly #cache: SchemaCache;

  constructor(cache: SchemaCache) {
    this.#cache = cache;
  }

  async validate(schemaReference: unknown, data: unknown): Promise<ValidationOutcome> {
    const key = this.#parse(schemaReference);
    if ('valid' in key) return key;
    const schema = this.#cache.peek(key) ?? (await this.#resolve(key));
    if ('valid' in schema) return schema;
    return await check(schema, key, data);
  }

  /**
   * The outcome at once when the event's schema is compiled and in memory (or the reference is
   * not an Iglu URI); undefined when the schema must be loaded first, and then validate() does
   * it. The collector's hot path: a warm instance validates without a promise per event, which
   * matters because the functions framework's domains and AsyncLocalStorage put an async hook
   * on every promise the handler creates.
   */
  validateNow(schemaReference: unknown, data: unknown): ValidationOutcome | undefined {
    const key = this.#parse(schemaReference);
    if ('valid' in key) return key;
    const schema = this.#cache.peek(key);
    if (schema === undefined) return undefined;
    const outcome = check(schema, key, data);
    return outcome instanceof Promise ? undefined : outcome;
  }

  #parse(schemaReference: unknown): SchemaKey | Extract<ValidationOutcome, { valid: false }> {
    try {
      return parseSchemaKey(schemaReference);
    } catch (error) {
      const message = error instanceof InvalidSchemaKeyError ? error.message : String(error);
      return {
        valid: false,
        errorType: 'protocol_violation',
        key: null,
        issues: [{ schema: null, path: '$', keyword: 'schema', message }],
      };
    }
  }

  async #resolve(key: SchemaKey) {
    const lookup = await this.#cache.get(key);
    if (lookup.status === 'found') return lookup.schema;
    return {
      valid: false,
      errorType: LOOKUP_ERROR_TYPES[lookup.status],
      key,
      issues: [{ schema: key.uri, path: '$', keyword: 'schema', message: lookup.error.message }],
    } as const;
  }
}

/**
 * The fast pass first; only an event that fails it is explained (validated again for every
 * problem, when small enough), which is a promise the first time a schema needs it.
 */
function check(schema: CompiledSchema, key: SchemaKey, data: unknown): ValidationOutcome | Promise<ValidationOutcome> {
  const first = schema.validate(data);
  if (first === undefined) return { valid: true, key };
  const issues = schema.explain(data, first);
  const invalid = (all: readonly ValidationIssue[]): ValidationOutcome => ({
    valid: false,
    errorType: 'validation_failed',
    key,
    issues: all,
  });
  return issues instanceof Promise ? issues.then(invalid) : invalid(issues);
}
