import { constants } from 'node:fs';
import { type FileHandle, open, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { messageOf, SluiceError } from '../../core/errors.ts';
import { InvalidSchemaKeyError, type SchemaKey } from '../../core/iglu/schema-key.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../core/limits.ts';
import {
  InvalidSchemaDocumentError,
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../core/registry/schema-registry.ts';
import { documentTooLarge, parseSchemaDocument } from './schema-document.ts';

export interface FileRegistryOptions {
  /** Folder that relative registry paths are resolved against; defaults to `process.cwd()`. */
  readonly cwd?: string;
}

const NOT_FOUND: RegistryLookup = Object.freeze({ found: false });

/**
 * A registry in a local folder (or a mounted volume): `file://./schemas`, `file:///srv/schemas`.
 * Everything after `file://` is a path; it is relative to the working directory unless it starts
 * with `/`. The key `vendor/name/jsonschema/1-0-0` is the file `<folder>/vendor/name/jsonschema/1-0-0`.
 */
export class FileRegistry implements SchemaRegistry {
  readonly url: string;
  /** The registry folder as an absolute path (symlinks not resolved). */
  readonly root: string;
  #realRoot: string | undefined;

  constructor(url: string, options: FileRegistryOptions = {}) {
    this.url = url;
    // Resolved now, so that a later process.chdir() cannot move the registry.
    this.root = path.resolve(options.cwd ?? process.cwd(), folderOf(url));
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    const realRoot = await this.#resolveRoot();
    const candidate = path.resolve(this.root, ...key.path.split('/'));
    // A parsed SchemaKey cannot contain `..` or separators, so this only fails for a forged key;
    // checked anyway because it is what stands between a request and the rest of the disk.
    if (!isInside(this.root, candidate)) {
      throw new InvalidSchemaKeyError(key.uri, `its path leaves the registry folder ${this.root}`);
    }

    let file: string;
    try {
      file = await realpath(candidate);
    } catch (error) {
      if (isMissing(error)) return NOT_FOUND;
      throw this.#unavailable(`cannot resolve ${candidate}`, error);
    }
    // A symlink may point anywhere; only what really lives in the registry folder is served.
    if (!isInside(realRoot, file)) return NOT_FOUND;

    let handle: FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO placed at a key's path must not hang the lookup.
      handle = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
    } catch (error) {
      if (isMissing(error)) return NOT_FOUND;
      throw this.#unavailable(`cannot open ${file}`, error);
    }
    let bytes: Uint8Array;
    try {
      const info = await handle.stat();
      // A directory (e.g. a key that is a prefix of real keys) or a device is not a schema.
      if (!info.isFile()) return NOT_FOUND;
      // Checked before reading so an oversized file is never buffered.
      if (info.size > MAX_SCHEMA_DOCUMENT_BYTES) throw documentTooLarge(this.url, key, String(info.size));
      // One byte more than stat said, capped: a file growing under us is still caught by the limit.
      bytes = await readAtMost(handle, Math.min(info.size, MAX_SCHEMA_DOCUMENT_BYTES) + 1);
    } catch (error) {
      if (error instanceof InvalidSchemaDocumentError) throw error;
      throw this.#unavailable(`cannot read ${file}`, error);
    } finally {
      await handle.close();
    }
    return { found: true, schema: parseSchemaDocument(bytes, this.url, key), registry: this.url };
  }

  /**
   * A missing registry folder is reported as unavailable, not as "every schema is missing": it is
   * a deployment problem (typo, volume not mounted), and events must not be rejected because of it.
   */
  async #resolveRoot(): Promise<string> {
    if (this.#realRoot !== undefined) return this.#realRoot;
    let real: string;
    let isFolder: boolean;
    try {
      real = await realpath(this.root);
      isFolder = (await stat(real)).isDirectory();
    } catch (error) {
      const fix = isMissing(error) ? 'create it or fix the registry URL' : 'check its permissions';
      throw this.#unavailable(`registry folder ${this.root} cannot be opened (${fix})`, error);
    }
    if (!isFolder) {
      throw new RegistryUnavailableError(
        this.url,
        `${this.root} is not a folder; point the registry URL at the folder holding the vendor folders`,
      );
    }
    this.#realRoot = real;
    return real;
  }

  #unavailable(what: string, error: unknown): RegistryUnavailableError {
    return new RegistryUnavailableError(this.url, `${what}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function folderOf(url: string): string {
  const match = /^file:\/\/(.*)$/is.exec(url);
  if (!match) {
    throw new SluiceError(
      'invalid_registry_url',
      `invalid file registry URL ${JSON.stringify(url)}: it does not start with file://`,
    );
  }
  const raw = match[1] ?? '';
  if (raw === '') {
    throw new SluiceError(
      'invalid_registry_url',
      `invalid file registry URL ${JSON.stringify(url)}: the folder is missing; write file://./schemas or file:///abs/path/schemas`,
    );
  }
  try {
    // URLs written by tools (pathToFileURL) percent-encode spaces and the like.
    return decodeURIComponent(raw);
  } catch (cause) {
    throw new SluiceError(
      'invalid_registry_url',
      `invalid file registry URL ${JSON.stringify(url)}: it contains a malformed %-escape`,
      { cause },
    );
  }
}

function isInside(root: string, candidate: string): boolean {
  const relative = path.relative(root, candidate);
  return relative !== '' && !relative.startsWith(`..${path.sep}`) && relative !== '..' && !path.isAbsolute(relative);
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

async function readAtMost(handle: FileHandle, limit: number): Promise<Uint8Array> {
  const buffer = Buffer.alloc(limit);
  let length = 0;
  while (length < limit) {
    const { bytesRead } = await handle.read(buffer, length, limit - length, length);
    if (bytesRead === 0) break;
    length += bytesRead;
  }
  return buffer.subarray(0, length);
}
