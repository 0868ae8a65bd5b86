import { type FileHandle, open } from 'node:fs/promises';
import { SluiceError } from '../../core/errors.ts';
import { MAX_LOCAL_QUERY_SPAN_BYTES } from '../../core/limits.ts';

/** Fields of a row that the /local routes filter on; the index keeps them so a query parses no other line. */
export const INDEXED_FIELDS = ['schema', 'event_name', 'error_type', 'event_id'] as const;
export type IndexedField = (typeof INDEXED_FIELDS)[number];

/** A query of one NDJSON file: rows whose indexed fields equal these values, the newest `limit` of them. */
export interface RowQuery {
  readonly where: Readonly<Partial<Record<IndexedField, string>>>;
  readonly limit: number;
}

/** One line of the file: where it is and the fields queries filter on. */
interface Entry {
  readonly start: number;
  readonly length: number;
  readonly fields: Readonly<Partial<Record<IndexedField, string>>>;
}

/**
 * Bytes read from the file at once while catching up with what was appended. Bounded so that a
 * file of 100,000 rows (a few hundred MB) is indexed without holding it in memory whole.
 */
const READ_CHUNK_BYTES = 4 * 1024 * 1024;

/** Bytes at the start of the file compared on every catch-up to notice a rewrite in place. */
const HEAD_BYTES = 256;

/**
 * An index of an NDJSON file that is only ever appended to (or emptied): the byte range of each
 * complete line and the fields queries filter on. It catches up incrementally, reading only the
 * bytes appended since the last query, whoever appended them (this process's sink, or a replay
 * run in another process). A query parses only the lines it returns, so /local/valid stays fast
 * on a file of 100,000 rows. A file that shrank or was replaced is indexed again from the start.
 */
export class NdjsonIndex {
  readonly path: string;
  #entries: Entry[] = [];
  /** Bytes of the file indexed so far: always the end of a complete line. */
  #indexedBytes = 0;
  #inode: number | undefined;
  /** The first bytes of the file when it was first indexed (see #sameHead). */
  #head: Buffer | undefined;
  /** Intern table: the same schema name in 100,000 rows is held once. */
  readonly #strings = new Map<string, string>();
  #catchingUp: Promise<void> | undefined;
  #linesParsed = 0;

  constructor(path: string) {
    this.path = path;
  }

  /** Lines parsed while indexing, over the index's life: each line once, unless the file was replaced. */
  get linesParsed(): number {
    return this.#linesParsed;
  }

  /** Forgets everything (the file was emptied). */
  clear(): void {
    this.#entries = [];
    this.#indexedBytes = 0;
    this.#inode = undefined;
    this.#head = undefined;
    this.#strings.clear();
  }

  /** The matching rows, the newest `limit` of them, oldest first. Lines that do not parse are skipped. */
  async query(query: RowQuery): Promise<unknown[]> {
    const handle = await openIfExists(this.path);
    if (handle === undefined) {
      this.clear();
      return [];
    }
    try {
      try {
        return await this.#select(handle, query);
      } catch (error) {
        // Emptied or rewritten between indexing and reading (POST /local/reset, an editor): once more, from scratch.
        if (!(error instanceof ChangedUnderfootError)) throw error;
        this.clear();
        return await this.#select(handle, query);
      }
    } finally {
      await handle.close();
    }
  }

  async #select(handle: FileHandle, query: RowQuery): Promise<unknown[]> {
    await this.#catchUp(handle);
    const wanted = Object.entries(query.where) as Array<[IndexedField, string]>;
    const picked: Entry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && picked.length < query.limit; i--) {
      const entry = this.#entries[i] as Entry;
      if (wanted.every(([field, value]) => entry.fields[field] === value)) picked.push(entry);
    }
    picked.reverse();
    return readRows(handle, picked);
  }

  /** One catch-up at a time: concurrent queries share it instead of indexing the same bytes twice. */
  async #catchUp(handle: FileHandle): Promise<void> {
    while (this.#catchingUp) await this.#catchingUp;
    this.#catchingUp = this.#index(handle).finally(() => {
      this.#catchingUp = undefined;
    });
    await this.#catchingUp;
  }

  async #index(handle: FileHandle): Promise<void> {
    const stats = await handle.stat();
    if (stats.ino !== this.#inode || stats.size < this.#indexedBytes || !(await this.#sameHead(handle))) {
      this.clear();
      this.#inode = stats.ino;
    }
    const buffer = Buffer.allocUnsafe(READ_CHUNK_BYTES);
    let carry = Buffer.alloc(0);
    let position = this.#indexedBytes;
    while (position < stats.size) {
      const { bytesRead } = await handle.read(buffer, 0, Math.min(READ_CHUNK_BYTES, stats.size - position), position);
      if (bytesRead === 0) break;
      const chunk =
        carry.length === 0 ? buffer.subarray(0, bytesRead) : Buffer.concat([carry, buffer.subarray(0, bytesRead)]);
      const chunkStart = position - carry.length;
      let lineStart = 0;
      for (let newline = chunk.indexOf(10); newline !== -1; newline = chunk.indexOf(10, lineStart)) {
        this.#add(chunk, chunkStart, lineStart, newline);
        lineStart = newline + 1;
      }
      // A line longer than the chunk, or one still being written, waits for the next read.
      carry = Buffer.from(chunk.subarray(lineStart));
      if (this.#indexedBytes === 0 && chunkStart === 0) this.#head = Buffer.from(chunk.subarray(0, HEAD_BYTES));
      position += bytesRead;
      this.#indexedBytes = chunkStart + lineStart;
    }
  }

  /**
   * Whether the file still starts with the bytes indexed first: a file rewritten in place (same
   * inode, as `> valid.ndjson` or an editor may leave it) and as long as before is indexed again.
   */
  async #sameHead(handle: FileHandle): Promise<boolean> {
    if (this.#indexedBytes === 0) return true;
    const head = Buffer.allocUnsafe(Math.min(HEAD_BYTES, this.#indexedBytes));
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    if (this.#head === undefined) return true;
    const compared = Math.min(head.length, this.#head.length);
    return bytesRead >= compared && head.subarray(0, compared).equals(this.#head.subarray(0, compared));
  }

  #add(chunk: Buffer, chunkStart: number, from: number, to: number): void {
    if (to === from) return;
    let row: unknown;
    this.#linesParsed++;
    try {
      row = JSON.parse(chunk.toString('utf8', from, to));
    } catch {
      // A line cut by a crash mid-write: the rest of the file is still good.
      return;
    }
    if (typeof row !== 'object' || row === null) return;
    const fields: Partial<Record<IndexedField, string>> = {};
    for (const field of INDEXED_FIELDS) {
      const value = (row as Record<string, unknown>)[field];
      if (typeof value === 'string') fields[field] = field === 'event_id' ? value : this.#intern(value);
    }
    this.#entries.push({ start: chunkStart + from, length: to - from, fields });
  }

  #intern(value: string): string {
    const known = this.#strings.get(value);
    if (known !== undefined) return known;
    this.#strings.set(value, value);
    return value;
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The lines of `entries`, parsed: one read of the span they cover, or one read each when it is too wide. */
async function readRows(handle: FileHandle, entries: readonly Entry[]): Promise<unknown[]> {
  if (entries.length === 0) return [];
  const first = entries[0] as Entry;
  const last = entries.at(-1) as Entry;
  const span = last.start + last.length - first.start;
  const rows: unknown[] = [];
  if (span <= MAX_LOCAL_QUERY_SPAN_BYTES) {
    const buffer = Buffer.allocUnsafe(span);
    await readFully(handle, buffer, first.start);
    for (const entry of entries)
      rows.push(
        parseLine(buffer.toString('utf8', entry.start - first.start, entry.start - first.start + entry.length)),
      );
    return rows;
  }
  for (const entry of entries) {
    const buffer = Buffer.allocUnsafe(entry.length);
    await readFully(handle, buffer, entry.start);
    rows.push(parseLine(buffer.toString('utf8')));
  }
  return rows;
}

/** A line the index parsed before: if it no longer parses, the file was rewritten in place. */
function parseLine(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ChangedUnderfootError('an indexed line no longer parses', { cause: error });
  }
}

/** The file no longer holds what the index says it does. */
class ChangedUnderfootError extends SluiceError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('local_file_changed', message, options);
  }
}

async function readFully(handle: FileHandle, buffer: Buffer, position: number): Promise<void> {
  let offset = 0;
  while (offset < buffer.length) {
    const { bytesRead } = await handle.read(buffer, offset, buffer.length - offset, position + offset);
    if (bytesRead === 0)
      throw new ChangedUnderfootError(`${buffer.length - offset} bytes missing at ${position + offset}`);
    offset += bytesRead;
  }
}
