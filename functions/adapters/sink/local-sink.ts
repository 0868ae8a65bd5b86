import { close, open, writev } from 'node:fs';
import { mkdir, open as openHandle, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RowKind } from '../../core/contract/columns.ts';
import type { InvalidRow, ValidRow } from '../../core/contract/rows.ts';
import { MAX_KEPT_LINE_BUFFER_BYTES } from '../../core/limits.ts';
import { type EventSink, type RowBatch, SinkUnavailableError } from '../../core/sink/event-sink.ts';
import { LineBuffer } from './line-buffer.ts';
import { NdjsonIndex, type RowQuery } from './ndjson-index.ts';

export const LOCAL_FILES: Readonly<Record<RowKind, string>> = { valid: 'valid.ndjson', invalid: 'invalid.ndjson' };

const KINDS = ['valid', 'invalid'] as const;
const NEWLINE = Buffer.from('\n');

/** The requests waiting for one group write, and their lines. */
interface Group {
  /** NDJSON per file, each row a line ending in a newline; made when the first row of that file comes. */
  readonly lines: Record<RowKind, LineBuffer | undefined>;
  readonly rows: Record<RowKind, number>;
  readonly waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }>;
  /** Settles (never rejects) once the group's append has completed or failed. */
  readonly written: Promise<void>;
  readonly markWritten: () => void;
}

function newGroup(): Group {
  let markWritten = (): void => {};
  const written = new Promise<void>((resolve) => {
    markWritten = resolve;
  });
  return {
    lines: { valid: undefined, invalid: undefined },
    rows: { valid: 0, invalid: 0 },
    waiters: [],
    written,
    markWritten,
  };
}

/**
 * The local sink of `npm start`: rows are appended as NDJSON to `<dir>/valid.ndjson` and
 * `<dir>/invalid.ndjson`, in the form BigQuery would return them (timestamps as text, JSON columns
 * as values). The files are the store: the /local routes read them, so rows that another process
 * adds (`npm run replay -- --source local`) show up in a running collector too.
 *
 * Group commit: the rows of every request that publishes while a write is running (or in the same
 * tick) are written together, one append per file, and each request is answered only once the
 * append holding its rows has completed. Opening, appending and closing both files per request,
 * one request at a time, capped `npm start` at a fifth of a bare function's rate. One group is
 * written at a time, so lines never interleave.
 */
export class LocalSink implements EventSink {
  readonly dir: string;
  /** The group collecting rows; it is written when the one being written is done. */
  #next: Group | undefined;
  #writing: Group | undefined;
  /** Whether the file was checked for a last line cut by a crash, which the next append must not extend. */
  readonly #checkedEnd: Record<RowKind, boolean> = { valid: false, invalid: false };
  readonly #indexes: Record<RowKind, NdjsonIndex>;
  readonly #stats = { valid: 0, invalid: 0, appends: 0 };
  /** Line buffers of written groups, for the next groups to fill. */
  readonly #spare: Record<RowKind, LineBuffer[]> = { valid: [], invalid: [] };

  constructor(dir: string, cwd: string = process.cwd()) {
    this.dir = resolve(cwd, dir);
    this.#indexes = { valid: new NdjsonIndex(this.path('valid')), invalid: new NdjsonIndex(this.path('invalid')) };
  }

  publish(batch: RowBatch): Promise<void> {
    if (batch.valid.length === 0 && batch.invalid.length === 0) return Promise.resolve();
    if (this.#next === undefined) {
      this.#next = newGroup();
      // With no write running, the group waits a tick for the other requests of this turn of the event loop.
      if (this.#writing === undefined) setImmediate(() => void this.#drain());
    }
    const group = this.#next;
    const valid = batch.valid.length === 0 ? undefined : this.#linesOf(group, 'valid');
    const invalid = batch.invalid.length === 0 ? undefined : this.#linesOf(group, 'invalid');
    const validMark = valid?.length ?? 0;
    const invalidMark = invalid?.length ?? 0;
    try {
      for (const row of batch.valid) valid?.appendLine(JSON.stringify(row));
      for (const row of batch.invalid) invalid?.appendLine(JSON.stringify(row));
    } catch (error) {
      // A row that cannot be encoded fails its own request only: its lines leave the group.
      valid?.truncate(validMark);
      invalid?.truncate(invalidMark);
      return Promise.reject(
        new SinkUnavailableError(`cannot encode a row as JSON: ${String(error)}`, { cause: error }),
      );
    }
    group.rows.valid += batch.valid.length;
    group.rows.invalid += batch.invalid.length;
    return new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  /** The group's lines of one file, in a spare buffer when there is one. */
  #linesOf(group: Group, kind: RowKind): LineBuffer {
    let lines = group.lines[kind];
    if (lines === undefined) {
      lines = this.#spare[kind].pop() ?? new LineBuffer();
      group.lines[kind] = lines;
    }
    return lines;
  }

  /** Writes groups until none waits: what arrives during a write forms the next group. */
  async #drain(): Promise<void> {
    for (let group = this.#next; group !== undefined; group = this.#next) {
      this.#next = undefined;
      this.#writing = group;
      try {
        await Promise.all(KINDS.map((kind) => this.#append(kind, group.lines[kind])));
        this.#stats.valid += group.rows.valid;
        this.#stats.invalid += group.rows.invalid;
        for (const waiter of group.waiters) waiter.resolve();
      } catch (error) {
        const failure = new SinkUnavailableError(`cannot append to ${this.dir}: ${String(error)}`, { cause: error });
        for (const waiter of group.waiters) waiter.reject(failure);
      }
      this.#writing = undefined;
      for (const kind of KINDS) this.#giveBack(kind, group.lines[kind]);
      group.markWritten();
    }
  }

  #giveBack(kind: RowKind, lines: LineBuffer | undefined): void {
    if (lines === undefined || lines.capacity > MAX_KEPT_LINE_BUFFER_BYTES || this.#spare[kind].length > 0) return;
    lines.clear();
    this.#spare[kind].push(lines);
  }

  async #append(kind: RowKind, buffer: LineBuffer | undefined): Promise<void> {
    if (buffer === undefined || buffer.length === 0) return;
    let lines = [buffer.bytes()];
    let length = buffer.length;
    if (!this.#checkedEnd[kind]) {
      if (await endsInsideLine(this.path(kind))) {
        lines = [NEWLINE, ...lines];
        length++;
      }
      this.#checkedEnd[kind] = true;
    }
    this.#stats.appends++;
    try {
      await appendChunks(this.path(kind), lines, length);
    } catch (error) {
      // The directory is made when missing (first write, or removed since), not checked before every write.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      await mkdir(this.dir, { recursive: true });
      await appendChunks(this.path(kind), lines, length);
    }
  }

  /** Rows written by this sink and the appends that wrote them (for tests and the benchmark). */
  stats(): { readonly valid: number; readonly invalid: number; readonly appends: number } {
    return { ...this.#stats };
  }

  /** Lines of each file parsed into the query index so far. */
  indexedLines(kind: RowKind): number {
    return this.#indexes[kind].linesParsed;
  }

  /**
   * The rows of one table that match `query.where`, the newest `query.limit`, oldest first; read
   * through an index of the file, so only the returned lines are parsed.
   */
  async query(kind: 'valid', query: RowQuery): Promise<ValidRow[]>;
  async query(kind: 'invalid', query: RowQuery): Promise<InvalidRow[]>;
  async query(kind: RowKind, query: RowQuery): Promise<unknown[]> {
    await this.#settled();
    return this.#indexes[kind].query(query);
  }

  /** Every row of one table, oldest first. A line that does not parse is skipped, not fatal. */
  async read(kind: 'valid'): Promise<ValidRow[]>;
  async read(kind: 'invalid'): Promise<InvalidRow[]>;
  async read(kind: RowKind): Promise<Array<ValidRow | InvalidRow>> {
    await this.#settled();
    let text: string;
    try {
      text = await readFile(this.path(kind), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const rows: Array<ValidRow | InvalidRow> = [];
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      try {
        rows.push(JSON.parse(line));
      } catch {
        // a line cut by a crash mid-write; the rest of the file is still good
      }
    }
    return rows;
  }

  /** Empties both files, after the rows already accepted are written. */
  async reset(): Promise<void> {
    await this.#settled();
    await mkdir(this.dir, { recursive: true });
    await Promise.all(KINDS.map((kind) => writeFile(this.path(kind), '')));
    for (const kind of KINDS) {
      this.#indexes[kind].clear();
      this.#checkedEnd[kind] = true;
    }
  }

  path(kind: RowKind): string {
    return join(this.dir, LOCAL_FILES[kind]);
  }

  async close(): Promise<void> {
    await this.#settled();
  }

  /**
   * Resolves once every row published so far is written (or has failed); rows published later are
   * not waited for, so a query under constant load is not held up.
   */
  async #settled(): Promise<void> {
    await (this.#next ?? this.#writing)?.written;
  }
}

/**
 * Appends the chunks to the file, opened and closed for this write as fs.appendFile does (so a file
 * removed or replaced meanwhile is simply created again). Callbacks, not fs/promises: the group
 * write runs in the async context of the request that started it, where the functions framework
 * runs its domain's and AsyncLocalStorage's hooks on every promise, and fs/promises' appendFile
 * makes a dozen promises per write where this makes one.
 */
function appendChunks(path: string, chunks: Buffer[], bytes: number): Promise<void> {
  return new Promise((resolve, reject) => {
    open(path, 'a', (openError, fd) => {
      if (openError) return reject(openError);
      const finish = (error: Error | null): void =>
        close(fd, (closeError) => ((error ?? closeError) ? reject(error ?? closeError) : resolve()));
      const writeFrom = (pending: Buffer[], left: number): void => {
        writev(fd, pending, (writeError, written) => {
          if (writeError) return finish(writeError);
          if (written >= left) return finish(null);
          // A short write (rare for a regular file): the rest goes in the next call.
          writeFrom(remainder(pending, written), left - written);
        });
      };
      writeFrom(chunks, bytes);
    });
  });
}

/** The chunks after the first `written` bytes. */
function remainder(chunks: readonly Buffer[], written: number): Buffer[] {
  let skip = written;
  const rest: Buffer[] = [];
  for (const chunk of chunks) {
    if (skip >= chunk.length) {
      skip -= chunk.length;
      continue;
    }
    rest.push(skip > 0 ? chunk.subarray(skip) : chunk);
    skip = 0;
  }
  return rest;
}

/** Whether the file's last byte is not a newline: a line cut by a crash, which must stay a line of its own. */
async function endsInsideLine(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof openHandle>>;
  try {
    handle = await openHandle(path, 'r');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size === 0) return false;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] !== 10;
  } finally {
    await handle.close();
  }
}
