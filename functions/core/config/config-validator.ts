import { Ajv, type ValidateFunction } from 'ajv';
import schemaJson from '../../../config/sluice.schema.json' with { type: 'json' };

/**
 * How the configuration schema is compiled. `useDefaults` fills every missing key (groups default
 * to `{}`, so their children's defaults fill in too); `allErrors` so one run reports every
 * problem; `verbose` so errors carry the offending value and the schema node that rejected it.
 * `validateSchema: false`: the schema is ours and fixed, and checking it against the draft-07
 * meta-schema meant compiling the meta-schema too; strict mode still refuses unknown keywords and
 * malformed keyword values while compiling.
 */
export const CONFIG_AJV_OPTIONS = {
  useDefaults: true,
  allErrors: true,
  verbose: true,
  strict: true,
  validateSchema: false,
} as const;

/**
 * The compiled validator of config/sluice.schema.json. Compiling costs about 100 ms of a cold
 * start, so the deployable bundle replaces this module with the same validator compiled at build
 * time (Ajv standalone code, same options: see build/bundle-function.ts); tests and `npm start`
 * compile it here, once.
 */
export function compileConfigValidator(): ValidateFunction {
  return new Ajv(CONFIG_AJV_OPTIONS).compile(schemaJson);
}
