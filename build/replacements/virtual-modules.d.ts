// Modules that exist only inside the bundle: build/bundle-function.ts generates them at build time
// (Ajv standalone code). The replacement modules beside this file import them; these declarations
// let the type checker hold those imports to what the plugins produce.

declare module 'sluice-bundle:config-validator' {
  import type { ValidateFunction } from 'ajv';

  /** config/sluice.schema.json compiled with CONFIG_AJV_OPTIONS. */
  const validate: ValidateFunction;
  export default validate;
}

declare module 'sluice-bundle:meta-schema-loaders' {
  import type { MetaSchemaCheck } from '../../functions/core/validation/meta-schema-check.ts';

  /** One loader per URI of SUPPORTED_META_SCHEMAS, each importing that meta-schema's compiled check as a chunk. */
  export const META_SCHEMA_CHECK_LOADERS: Readonly<Record<string, () => Promise<{ default: MetaSchemaCheck }>>>;
}
