import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { SluiceConfig } from '../../core/config/config.ts';
import { ConfigError, resolveConfig } from '../../core/config/resolve-config.ts';
import type { ConfigProblem } from '../../core/config/resolve-config.ts';

/** Where the configuration is looked for when `SLUICE_CONFIG` does not say, relative to the working directory. */
export const DEFAULT_CONFIG_PATH = 'config/sluice.yaml';

/** Names the YAML file to load instead of {@link DEFAULT_CONFIG_PATH}. */
export const CONFIG_PATH_VARIABLE = 'SLUICE_CONFIG';

/**
 * Loads the configuration once at start-up: the YAML file, then `SLUICE_*` and alias variables
 * from `env`, then schema defaults. Synchronous on purpose: it runs once before serving and a
 * configuration error must stop the process before anything else happens.
 *
 * A missing default file means "all defaults" (a deployment may configure everything through the
 * environment), but a missing file that `SLUICE_CONFIG` names is an error: someone asked for it.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env, cwd: string = process.cwd()): SluiceConfig {
  const configured = env[CONFIG_PATH_VARIABLE];
  const explicit = configured !== undefined && configured !== '';
  const source = explicit ? configured : DEFAULT_CONFIG_PATH;
  const text = readConfigText(resolve(cwd, source), source, explicit);
  if (text === undefined) return resolveConfig({ document: undefined, source, env });

  const lineCounter = new LineCounter();
  // uniqueKeys: a repeated key is almost always a copy-paste mistake, and "last one wins" would
  // silently ignore the first.
  const document = parseDocument(text, { uniqueKeys: true, prettyErrors: true, lineCounter });
  const syntaxProblems = [...document.errors, ...document.warnings].map(
    (error): ConfigProblem => ({
      source: error.linePos === undefined ? source : `${source}:${error.linePos[0].line}:${error.linePos[0].col}`,
      path: '',
      // prettyErrors appends "at line L, column C:" and a source excerpt; the location is already in `source`.
      message: `YAML: ${error.message.split(' at line ')[0] ?? error.message}`,
    }),
  );
  if (syntaxProblems.length > 0) throw new ConfigError(syntaxProblems);

  let parsed: unknown;
  try {
    parsed = document.toJS();
  } catch (error) {
    // e.g. an alias bomb exceeding maxAliasCount.
    throw new ConfigError([{ source, path: '', message: `YAML: ${error instanceof Error ? error.message : String(error)}` }], { cause: error });
  }
  return resolveConfig({ document: parsed, source, env, locate: (path) => locate(document, lineCounter, source, path) });
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

/** `file:line:col` of the key at `path` (or of the list item), so a message points at the line to edit. */
function locate(document: Document, lineCounter: LineCounter, source: string, path: readonly (string | number)[]): string | undefined {
  let node: unknown = document.contents;
  let position: number | undefined;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => String(isScalar(item.key) ? item.key.value : item.key) === String(key));
      if (pair === undefined) return undefined;
      position = (pair.key as Node | null)?.range?.[0];
      node = pair.value;
    } else if (isSeq(node) && typeof key === 'number') {
      node = node.items[key];
      position = (node as Node | null)?.range?.[0];
    } else {
      return undefined;
    }
  }
  if (position === undefined) return undefined;
  const { line, col } = lineCounter.linePos(position);
  return `${source}:${line}:${col}`;
}
