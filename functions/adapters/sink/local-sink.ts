import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { RowKind } from '../../core/contract/columns.ts';
import type { InvalidRow, ValidRow } from '../../core/contract/rows.ts';
import { type EventSink, type RowBatch, SinkUnavailableError } from '../../core/sink/event-sink.ts';

export const LOCAL_FILES: Readonly<Record<RowKind, string>> = { valid: 'valid.ndjson', invalid: 'invalid.ndjson' };

/**
 * The local sink of `npm start`: rows are appended as NDJSON to `<dir>/valid.ndjson` and
 * `<dir>/invalid.ndjson`, in the form BigQuery would return them (timestamps as text, JSON columns
 * as values). The files are the store: the /local routes read them, so rows that another process
 * adds (`npm run replay -- --source local`) show up in a running collector too.
 * Appends are serialized, so concurrent requests never interleave lines.
 */
export class LocalSink implements EventSink {
  readonly dir: string;
  #queue: Promise<unknown> = Promise.resolve();

  constructor(dir: string, cwd: string = process.cwd()) {
    this.dir = resolve(cwd, dir);
  }

  publish(batch: RowBatch): Promise<void> {
    if (batch.valid.length === 0 && batch.invalid.length === 0) return Promise.resolve();
    const write = this.#queue.then(async () => {
      try {
        await mkdir(this.dir, { recursive: true });
        if (batch.valid.length > 0) await appendFile(this.path('valid'), toNdjson(batch.valid));
        if (batch.invalid.length > 0) await appendFile(this.path('invalid'), toNdjson(batch.invalid));
      } catch (error) {
        throw new SinkUnavailableError(`cannot append to ${this.dir}: ${String(error)}`, { cause: error });
      }
    });
    this.#queue = write.catch(() => undefined);
    return write;
  }

  /** Every row of one table, oldest first. A line that does not parse is skipped, not fatal. */
  async read(kind: 'valid'): Promise<ValidRow[]>;
  async read(kind: 'invalid'): Promise<InvalidRow[]>;
  async read(kind: RowKind): Promise<Array<ValidRow | InvalidRow>> {
    await this.#queue;
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

  /** Empties both files. */
  async reset(): Promise<void> {
    await this.#queue;
    await mkdir(this.dir, { recursive: true });
    await Promise.all((['valid', 'invalid'] as const).map((kind) => writeFile(this.path(kind), '')));
  }

  path(kind: RowKind): string {
    return join(this.dir, LOCAL_FILES[kind]);
  }

  async close(): Promise<void> {
    await this.#queue;
  }
}

function toNdjson(rows: ReadonlyArray<ValidRow | InvalidRow>): string {
  return `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
}
