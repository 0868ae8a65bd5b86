import validate from 'sluice-bundle:config-validator';
import type { ValidateFunction } from 'ajv';
import type * as Replaced from '../../functions/core/config/config-validator.ts';

/**
 * Stands in the bundle for functions/core/config/config-validator.ts: the configuration validator
 * compiled at build time as Ajv standalone code, with the same options (CONFIG_AJV_OPTIONS), instead
 * of at every cold start (see build/bundle-function.ts).
 */
export function compileConfigValidator(): ValidateFunction {
  return validate;
}

// The bundle must offer every export of the module it replaces, with the same types.
({ compileConfigValidator }) satisfies typeof Replaced;
