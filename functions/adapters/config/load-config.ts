import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { SluiceConfig } from '../../core/config/config.ts';
import { ConfigError } from '../../core/config/config-error.ts';
import { resolveConfig } from '../../core/config/resolve-config.ts';
import { DEFAULT_CONFIG_PATH, parseConfigDocument } from './config-document.ts';

export { DEFAULT_CONFIG_PATH };

/** Names the file to load instead of {@link DEFAULT_CONFIG_PATH}. */
export const CONFIG_PATH_VARIABLE = 'SLUICE_CONFIG';

/**
 * Loads the configuration once at start-up: the file (see config-document.ts), then `SLUICE_*` and alias variables
 * from `env`, then schema defaults. Synchronous on purpose: it runs once before serving and a
 * configuration error must stop the process before anything else happens.
 *
 * A missing default file means "all defaults" (a deployment may configure everything through the
 * environment), but a missing file that `SLUICE_CONFIG` names is an error: someone asked for it.
 */
export function loadConfig(
  env: Readonly<Record<string, string | undefined>> = process.env,
  cwd: string = process.cwd(),
): SluiceConfig {
  const configured = env[CONFIG_PATH_VARIABLE];
  const explicit = configured !== undefined && configured !== '';
  const source = explicit ? configured : DEFAULT_CONFIG_PATH;
  const text = readConfigText(resolve(cwd, source), source, explicit);
  if (text === undefined) return resolveConfig({ document: undefined, source, env });

  const { document, locate } = parseConfigDocument(text, source);
  return resolveConfig({ document, source, env, locate });
}

function readConfigText(path: string, source: string, explicit: boolean): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && !explicit) return undefined;
    const reason = code === 'ENOENT' ? 'file not found' : `cannot read the file (${code ?? String(error)})`;
    throw new ConfigError(
      [{ source: explicit ? `env ${CONFIG_PATH_VARIABLE}` : source, path: '', message: `${reason}: ${path}` }],
      { cause: error },
    );
  }
}
