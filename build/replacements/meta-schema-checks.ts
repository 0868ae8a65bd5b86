import { META_SCHEMA_CHECK_LOADERS } from 'sluice-bundle:meta-schema-loaders';
import type { MetaSchemaCheck } from '../../functions/core/validation/meta-schema-check.ts';
import type * as Replaced from '../../functions/core/validation/meta-schema-checks.ts';

/**
 * Stands in the bundle for functions/core/validation/meta-schema-checks.ts: each meta-schema's
 * check is Ajv standalone code compiled at build time, in a chunk of its own that is imported when
 * a schema of that meta-schema is first compiled, so an instance loads only the checks it needs.
 */
export function loadMetaSchemaCheck(metaSchemaUri: string): Promise<MetaSchemaCheck> {
  let check = loaded.get(metaSchemaUri);
  if (check === undefined) {
    const load = META_SCHEMA_CHECK_LOADERS[metaSchemaUri];
    if (load === undefined) {
      return Promise.reject(
        new RangeError(`no meta-schema check for ${metaSchemaUri}: not one of the supported meta-schemas`),
      );
    }
    check = load().then((module) => module.default);
    loaded.set(metaSchemaUri, check);
  }
  return check;
}

const loaded = new Map<string, Promise<MetaSchemaCheck>>();

// The bundle must offer every export of the module it replaces, with the same types.
({ loadMetaSchemaCheck }) satisfies typeof Replaced;
