import { Ajv, type ValidateFunction } from 'ajv';
import schemaJson from '../../../config/sluice.schema.json' with { type: 'json' };
import { CONFIG_AJV_OPTIONS } from './config-ajv-options.ts';

/**
 * The compiled validator of config/sluice.schema.json. Compiling is a cost of the cold start
 * (`config-validator` in docs/performance.md), so the deployable bundle replaces this module with the same validator compiled at build
 * time (Ajv standalone code, same options: see build/bundle-function.ts); tests and `npm start`
 * compile it here, once.
 */
export function compileConfigValidator(): ValidateFunction {
  return new Ajv(CONFIG_AJV_OPTIONS).compile(schemaJson);
}
