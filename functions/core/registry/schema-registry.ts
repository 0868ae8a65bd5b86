import { SluiceError } from '../errors.ts';
import type { SchemaKey } from '../iglu/schema-key.ts';

/**
 * The port every schema registry adapter implements (file://, gs://, http(s)://).
 *
 * A registry answers one question: what is the JSON document stored for this key? It is handed an
 * already-validated {@link SchemaKey}, so it never sees raw request input.
 *
 * - `{ found: true, schema }`: the document, parsed, and always a JSON object.
 * - `{ found: false }`: the registry answered and does not have the key (404, no such file/object).
 * - throws {@link RegistryUnavailableError}: the registry could not answer (network error, timeout,
 *   5xx, permission error) — the schema may exist, so this must never be treated as "not found".
 * - throws {@link InvalidSchemaDocumentError}: the registry answered with something that is not a
 *   JSON object (HTML error page, truncated file). Never treated as a schema.
 */
export interface SchemaRegistry {
  /** The registry's URL as configured, for messages and the `registry` field of lookups. */
  readonly url: string;
  lookup(key: SchemaKey): Promise<RegistryLookup>;
}

export type RegistryLookup =
  | { readonly found: true; readonly schema: Record<string, unknown>; readonly registry: string }
  | { readonly found: false };

export class RegistryUnavailableError extends SluiceError {
  readonly registry: string;

  constructor(registry: string, detail: string, options?: { cause?: unknown }) {
    super('registry_unavailable', `schema registry ${registry} is unavailable: ${detail}`, options);
    this.registry = registry;
  }
}

export class InvalidSchemaDocumentError extends SluiceError {
  readonly registry: string;
  readonly schemaUri: string;

  constructor(registry: string, schemaUri: string, detail: string, options?: { cause?: unknown }) {
    super(
      'invalid_schema_document',
      `schema registry ${registry} returned a document for ${schemaUri} that is not a JSON Schema: ${detail}; ` +
        `fix or re-upload the file at that key`,
      options,
    );
    this.registry = registry;
    this.schemaUri = schemaUri;
  }
}
