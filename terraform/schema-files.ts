import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { SluiceError } from '../functions/core/errors.ts';
import { parseSchemaKey, type SchemaKey } from '../functions/core/iglu/schema-key.ts';
import { isJsonObject } from '../functions/core/json-object.ts';

/** One schema file under `schemas/`: where it is, its Iglu key, its text and parsed document. */
export interface SchemaFile {
  readonly key: SchemaKey;
  /** `vendor/name/jsonschema/version`: its path below the folder, and its object name in the bucket. */
  readonly path: string;
  readonly text: string;
  readonly document: Readonly<Record<string, unknown>>;
}

/**
 * Every schema in an Iglu static-registry folder (`schemas/`), sorted by path. The stack uploads
 * each one to the schema bucket and derives a typed view from it, so a file that could not be
 * served as a schema stops the synth here, naming the file and the fix, instead of being
 * uploaded and failing at run time.
 */
export function readSchemaFiles(root: string): SchemaFile[] {
  return listFiles(root)
    .map((file) => readSchemaFile(root, file))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.name.startsWith('.')) return []; // .DS_Store, editor swap files
    if (entry.isDirectory()) return listFiles(path);
    return statSync(path).isFile() ? [path] : [];
  });
}

function readSchemaFile(root: string, file: string): SchemaFile {
  const path = relative(root, file).split(sep).join('/');
  let key: SchemaKey;
  try {
    key = parseSchemaKey(`iglu:${path}`);
  } catch (error) {
    throw new SchemaFileError(
      file,
      `its path is not an Iglu path <vendor>/<name>/jsonschema/<model>-<revision>-<addition> (${(error as Error).message})`,
      error,
    );
  }
  const text = readFileSync(file, 'utf8');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new SchemaFileError(file, `it is not JSON: ${(error as Error).message}`, error);
  }
  if (!isJsonObject(document)) throw new SchemaFileError(file, 'it is not a JSON object');
  const self = document.self;
  if (isJsonObject(self) && `${self.vendor}/${self.name}/${self.format}/${self.version}` !== key.path) {
    throw new SchemaFileError(
      file,
      `its self block names ${self.vendor}/${self.name}/${self.format}/${self.version}, not ${key.path}; move the file or fix self`,
    );
  }
  return { key, path, text, document };
}

export class SchemaFileError extends SluiceError {
  constructor(file: string, reason: string, cause?: unknown) {
    super('schema_file', `cannot publish schema file ${file}: ${reason}`, cause === undefined ? undefined : { cause });
  }
}
