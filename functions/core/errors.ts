/**
 * Base class of every error Sluice raises on purpose. It keeps the original error as `cause`
 * (so logs show the whole chain) and carries a stable machine-readable `code`.
 */
export class SluiceError extends Error {
  readonly code: string;

  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The message of anything thrown: an Error's message, or the thrown value as text. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
