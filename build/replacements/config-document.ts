import type * as Replaced from '../../functions/adapters/config/config-document.ts';
import type { ConfigDocument } from '../../functions/adapters/config/config-document.ts';
import { ConfigError } from '../../functions/core/config/config-error.ts';
import { messageOf } from '../../functions/core/errors.ts';
import { BUNDLED_CONFIG_PATH } from '../bundled-config-path.ts';

/**
 * Stands in the bundle for functions/adapters/config/config-document.ts: the bundle ships
 * config/sluice.yaml converted to JSON at build time, so a deployed instance reads it with
 * JSON.parse and never loads the YAML library. A deployment that points SLUICE_CONFIG at a YAML
 * file is told to convert it.
 */
export const DEFAULT_CONFIG_PATH = BUNDLED_CONFIG_PATH;

export function parseConfigDocument(text: string, source: string): ConfigDocument {
  if (!source.endsWith('.json')) {
    throw new ConfigError([
      {
        source,
        path: '',
        message: `this deploy bundle reads its configuration as JSON; convert ${source} to JSON (npm run bundle writes config/sluice.json from config/sluice.yaml), or leave SLUICE_CONFIG unset`,
      },
    ]);
  }
  try {
    return { document: JSON.parse(text) as unknown };
  } catch (error) {
    throw new ConfigError([{ source, path: '', message: `JSON: ${messageOf(error)}` }], { cause: error });
  }
}

// The bundle must offer every export of the module it replaces, with the same types.
({ DEFAULT_CONFIG_PATH, parseConfigDocument }) satisfies typeof Replaced;
