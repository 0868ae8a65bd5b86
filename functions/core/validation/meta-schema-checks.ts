import { compileMetaSchemaCheck, type MetaSchemaCheck } from './meta-schema-check.ts';

/**
 * The check of schema documents against a supported meta-schema (a URI from
 * SUPPORTED_META_SCHEMAS), built on first use and kept for the process.
 *
 * Here it is compiled by Ajv at run time, configured as the validating instances are (formats,
 * the `self` keyword, the Iglu meta-schema) and reporting every problem of a schema at once. The
 * deploy bundle replaces this module with the same validators compiled at build time as Ajv
 * standalone code, one chunk per meta-schema, loaded on first use (build/bundle-function.ts):
 * Ajv compiling the draft-04 meta-schema is a cost of every cold start (`draft-04-meta-schema` in
 * docs/performance.md, "Measured costs behind the code").
 */
export async function loadMetaSchemaCheck(metaSchemaUri: string): Promise<MetaSchemaCheck> {
  let check = compiled.get(metaSchemaUri);
  if (check === undefined) {
    check = compileMetaSchemaCheck(metaSchemaUri);
    compiled.set(metaSchemaUri, check);
  }
  return check;
}

const compiled = new Map<string, MetaSchemaCheck>();
