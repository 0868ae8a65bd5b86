/** Bytes a line buffer starts with; it grows (doubling) when a group of rows needs more. */
export const INITIAL_LINE_BUFFER_BYTES = 256 * 1024;

/** Most UTF-8 bytes one UTF-16 code unit can take: a line of n code units fits in 3n bytes. */
const MAX_UTF8_BYTES_PER_UNIT = 3;

const NEWLINE = 0x0a;

/**
 * NDJSON lines encoded to UTF-8 as they arrive, into one buffer that is written as a whole and then
 * reused. Each line is encoded straight into it, which avoids keeping a group's rows as one string
 * (a rope, two-byte as soon as one row holds a non-Latin-1 character) and encoding that whole when
 * it is written, or allocating and copying a Buffer per request: `ndjson-group` in
 * docs/performance.md.
 */
export class LineBuffer {
  #buffer: Buffer;
  #length = 0;

  constructor(bytes: number = INITIAL_LINE_BUFFER_BYTES) {
    this.#buffer = Buffer.allocUnsafe(Math.max(1, bytes));
  }

  /** Bytes held. */
  get length(): number {
    return this.#length;
  }

  /** Bytes it can hold before growing. */
  get capacity(): number {
    return this.#buffer.length;
  }

  /** Appends `line` (which must hold no newline) and a newline. */
  appendLine(line: string): void {
    const worst = this.#length + line.length * MAX_UTF8_BYTES_PER_UNIT + 1;
    if (worst > this.#buffer.length) this.#grow(worst);
    this.#length += this.#buffer.write(line, this.#length, 'utf8');
    this.#buffer[this.#length++] = NEWLINE;
  }

  /** Drops what was appended after the first `length` bytes (a request whose rows could not all be encoded). */
  truncate(length: number): void {
    if (length < this.#length) this.#length = Math.max(0, length);
  }

  /** The lines held, as a view of the buffer: valid until the next append, truncate or clear. */
  bytes(): Buffer {
    return this.#buffer.subarray(0, this.#length);
  }

  /** Empties it for reuse; the memory stays. */
  clear(): void {
    this.#length = 0;
  }

  #grow(needed: number): void {
    let size = this.#buffer.length * 2;
    while (size < needed) size *= 2;
    const bigger = Buffer.allocUnsafe(size);
    this.#buffer.copy(bigger, 0, 0, this.#length);
    this.#buffer = bigger;
  }
}
