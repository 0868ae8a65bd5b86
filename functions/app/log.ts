import { AsyncLocalStorage } from 'node:async_hooks';

/**
 * Structured log lines that Cloud Logging understands: one JSON object per line on stdout/stderr,
 * with the special fields it lifts into the LogEntry
 * (https://cloud.google.com/logging/docs/structured-logging#special-payload-fields):
 * `severity`, `message`, and, for lines written while a request is handled,
 * `logging.googleapis.com/trace` (`projects/<project>/traces/<trace id>`), `…/spanId` and
 * `…/trace_sampled`, so that the Logs Explorer groups a request's lines under its trace. The trace
 * comes from the request's `traceparent` (W3C) or `X-Cloud-Trace-Context` header, which Google's
 * front end sets; it is written only when the project is known, since the field must name it.
 *
 * Event payloads are never logged unless `logging.log_payloads` is on: they may hold personal
 * data, and logs are kept and read more widely than the tables.
 */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

const RANK: Readonly<Record<Severity, number>> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

export interface LogSettings {
  /** Least severe entries written. */
  readonly level: Severity;
  /** Google Cloud project, for the trace field; empty when unknown. */
  readonly project: string;
  /** Whether request bodies may be added to entries (see payloadFields). */
  readonly logPayloads: boolean;
}

/** The trace of the request being handled, as Cloud Logging wants it. */
export interface TraceContext {
  readonly traceId: string;
  /** 16 hex digits. */
  readonly spanId?: string;
  readonly sampled?: boolean;
}

let settings: LogSettings = { level: 'INFO', project: process.env.GOOGLE_CLOUD_PROJECT ?? '', logPayloads: false };
/**
 * The headers of the request being handled. Its trace is read from them only when a line is
 * written: most requests log nothing, so parsing every request's trace headers would be work on
 * the hot path for nothing.
 */
const requestHeaders = new AsyncLocalStorage<Readonly<Record<string, string | undefined>>>();
/** Where lines go; tests replace it to read them. */
let write = (severity: Severity, line: string): void => {
  if (RANK[severity] >= RANK.WARNING) process.stderr.write(`${line}\n`);
  else process.stdout.write(`${line}\n`);
};

/** Applies the `logging` settings (called when the collector is built from its configuration). */
export function configureLogging(next: Partial<LogSettings>): void {
  settings = { ...settings, ...next };
}

export function logSettings(): LogSettings {
  return settings;
}

/** For tests: sends lines to `sink` instead of stdout/stderr until the returned function is called. */
export function captureLogs(sink: (line: string) => void): () => void {
  const previous = write;
  write = (_severity, line) => sink(line);
  return () => {
    write = previous;
  };
}

export function log(severity: Severity, message: string, fields: Record<string, unknown> = {}): void {
  if (RANK[severity] < RANK[settings.level]) return;
  const headers = settings.project === '' ? undefined : requestHeaders.getStore();
  const trace = headers === undefined ? undefined : traceFromHeaders(headers);
  const traceFields: Record<string, unknown> = {};
  if (trace !== undefined) {
    traceFields['logging.googleapis.com/trace'] = `projects/${settings.project}/traces/${trace.traceId}`;
    if (trace.spanId !== undefined) traceFields['logging.googleapis.com/spanId'] = trace.spanId;
    if (trace.sampled !== undefined) traceFields['logging.googleapis.com/trace_sampled'] = trace.sampled;
  }
  write(severity, JSON.stringify({ ...fields, severity, message, ...traceFields }));
}

/** Counts per key for {@link logThrottled}. */
const throttles = new Map<string, { until: number; suppressed: number }>();

/**
 * Like {@link log}, but at most one line per `key` every `intervalMs`; the next line says how many
 * were left out. For what can repeat at request rate (every request shed during an outage), where
 * one line per request would cost more than the requests.
 */
export function logThrottled(
  key: string,
  severity: Severity,
  message: string,
  fields: Record<string, unknown> = {},
  intervalMs = 1000,
): void {
  const now = Date.now();
  const state = throttles.get(key);
  if (state !== undefined && now < state.until) {
    state.suppressed++;
    return;
  }
  const suppressed = state?.suppressed ?? 0;
  throttles.set(key, { until: now + intervalMs, suppressed: 0 });
  log(severity, message, suppressed > 0 ? { ...fields, suppressed_since_last: suppressed } : fields);
}

/** Runs `handle(...args)` with the request's trace attached to every line it logs. */
export function withRequestTrace<A extends unknown[], T>(
  headers: Readonly<Record<string, string | undefined>>,
  handle: (...args: A) => T,
  ...args: A
): T {
  return requestHeaders.run(headers, handle, ...args);
}

const TRACEPARENT = /^[0-9a-f]{2}-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;
const CLOUD_TRACE = /^([0-9a-fA-F]{32})(?:\/([0-9]{1,20}))?(?:;o=([01]))?$/;

/**
 * The trace of a request: W3C `traceparent` first, else `X-Cloud-Trace-Context`
 * (`TRACE_ID/SPAN_ID;o=OPTIONS`, span id in decimal). Both are client-supplied text, so anything
 * not exactly in form is ignored rather than copied into logs.
 */
export function traceFromHeaders(headers: Readonly<Record<string, string | undefined>>): TraceContext | undefined {
  const parent = TRACEPARENT.exec(headers.traceparent?.trim() ?? '');
  if (parent && !/^0+$/.test(parent[1] as string)) {
    return {
      traceId: parent[1] as string,
      spanId: parent[2] as string,
      sampled: (parseInt(parent[3] as string, 16) & 1) === 1,
    };
  }
  const cloud = CLOUD_TRACE.exec(headers['x-cloud-trace-context']?.trim() ?? '');
  if (cloud) {
    const span = cloud[2] === undefined ? undefined : BigInt(cloud[2]);
    return {
      traceId: (cloud[1] as string).toLowerCase(),
      ...(span !== undefined && span > 0n && span < 2n ** 64n ? { spanId: span.toString(16).padStart(16, '0') } : {}),
      ...(cloud[3] === undefined ? {} : { sampled: cloud[3] === '1' }),
    };
  }
  return undefined;
}

/** The start of a request body for an error entry, only when `logging.log_payloads` allows it. */
export function payloadFields(body: Buffer, maxBytes: number): Record<string, unknown> {
  if (!settings.logPayloads || body.length === 0) return {};
  return { payload_head: body.subarray(0, maxBytes).toString('utf8') };
}

/** The parts of an error worth logging: its message, code and the chain of causes. */
export function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: String(error) };
  const causes: string[] = [];
  for (let cause = error.cause; cause instanceof Error && causes.length < 5; cause = cause.cause)
    causes.push(cause.message);
  return { error: error.message, code: (error as { code?: unknown }).code, causes, stack: error.stack };
}
