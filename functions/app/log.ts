/**
 * Structured log lines that Cloud Logging understands: one JSON object per line with `severity`
 * and `message`. Event payloads are never logged: they may hold personal data.
 */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

export function log(severity: Severity, message: string, fields: Record<string, unknown> = {}): void {
  const line = JSON.stringify({ severity, message, ...fields });
  if (severity === 'ERROR' || severity === 'WARNING') process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
}

/** The parts of an error worth logging: its message, code and the chain of causes. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const causes: string[] = [];
  for (let cause = error.cause; cause instanceof Error && causes.length < 5; cause = cause.cause) causes.push(cause.message);
  return { error: error.message, code: (error as { code?: unknown }).code, causes, stack: error.stack };
}
