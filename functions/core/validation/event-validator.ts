import type { ErrorType } from '../contract/columns.ts';
import { InvalidSchemaKeyError, parseSchemaKey, type SchemaKey } from '../iglu/schema-key.ts';
import type { SchemaCache, SchemaLookup } from './schema-cache.ts';
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
    let key: SchemaKey;
    try {
      key = parseSchemaKey(schemaReference);
    } catch (error) {
      const message = error instanceof InvalidSchemaKeyError ? error.message : String(error);
      return { valid: false, errorType: 'protocol_violation', key: null, issues: [{ schema: null, path: '$', keyword: 'schema', message }] };
    }
    const schema = this.#cache.peek(key) ?? (await this.#resolve(key));
    if ('valid' in schema) return schema;
    const issues = schema.validate(data);
    return issues === undefined ? { valid: true, key } : { valid: false, errorType: 'validation_failed', key, issues };
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
