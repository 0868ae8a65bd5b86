import type { Document, Node } from 'yaml';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import { ConfigError, type ConfigProblem } from '../../core/config/config-error.ts';
import { messageOf } from '../../core/errors.ts';

/**
 * How the configuration file is read: YAML, with every syntax problem and each key's line and
 * column for messages.
 *
 * The deploy bundle replaces this module (build/bundle-function.ts): it ships the same document as
 * `config/sluice.json`, converted at build time, and reads it with JSON.parse, so that a deployed
 * instance never loads the YAML library (about 250 KB of code) or parses YAML on its cold start.
 */

/** Where the configuration is looked for when `SLUICE_CONFIG` does not say, relative to the working directory. */
export const DEFAULT_CONFIG_PATH: string = 'config/sluice.yaml';

export interface ConfigDocument {
  /** The file as plain data (what resolveConfig checks). */
  readonly document: unknown;
  /** `file:line:col` of the key at a path, when the format can tell. */
  readonly locate?: (path: readonly (string | number)[]) => string | undefined;
}

/** Parses the configuration file's text; `source` names it in messages. Throws a ConfigError. */
export function parseConfigDocument(text: string, source: string): ConfigDocument {
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
    throw new ConfigError([{ source, path: '', message: `YAML: ${messageOf(error)}` }], { cause: error });
  }
  return { document: parsed, locate: (path) => locate(document, lineCounter, source, path) };
}

/** `file:line:col` of the key at `path` (or of the list item), so a message points at the line to edit. */
function locate(
  document: Document,
  lineCounter: LineCounter,
  source: string,
  path: readonly (string | number)[],
): string | undefined {
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
