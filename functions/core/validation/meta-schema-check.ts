import type { ErrorObject } from 'ajv';
import { type AjvInstance, createAjv, dialectOfMetaSchema } from './json-schema-dialects.ts';

/** Validates a schema document against one meta-schema; on false, `errors` says why (Ajv's shape). */
export interface MetaSchemaCheck {
  (document: unknown): boolean;
  errors?: ErrorObject[] | null;
}

/** A schema's author is told every problem at once, whatever validation.all_errors says for events. */
const META_SCHEMA_CHECK_OPTIONS = { allErrors: true } as const;

/** Compiles the check for one meta-schema URI with Ajv. */
export function compileMetaSchemaCheck(metaSchemaUri: string): MetaSchemaCheck {
  const ajv = metaSchemaAjv(metaSchemaUri);
  const check = ajv.getSchema(metaSchemaUri);
  if (check === undefined) throw new RangeError(`Ajv has no meta-schema ${metaSchemaUri}`);
  return check;
}

/**
 * The Ajv instance that compiles the check for a meta-schema URI; the bundler passes options for
 * standalone code and compiles the same check with `getSchema(metaSchemaUri)`.
 */
export function metaSchemaAjv(metaSchemaUri: string, ajvOptions: Record<string, unknown> = {}): AjvInstance {
  const dialect = dialectOfMetaSchema(metaSchemaUri);
  if (dialect === undefined)
    throw new RangeError(`no meta-schema check for ${metaSchemaUri}: not one of the supported meta-schemas`);
  return createAjv(dialect, {
    ...META_SCHEMA_CHECK_OPTIONS,
    loadSchema: async (uri) => {
      throw new Error(`meta-schemas are embedded; ${uri} is not loaded`);
    },
    ajvOptions,
  });
}

/** Ajv's own wording for an invalid schema ("schema is invalid: data/self/version must match …"). */
export function describeMetaSchemaErrors(errors: readonly ErrorObject[] | null | undefined): string {
  const list = (errors ?? []).map((error) => `data${error.instancePath} ${error.message ?? 'is invalid'}`);
  return `schema is invalid: ${list.length > 0 ? list.join(', ') : 'no details'}`;
}
