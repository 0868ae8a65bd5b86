import { createRequire } from 'node:module';

/**
 * The functions framework reads every body that has a Content-Type with body-parser before the
 * function runs, with a limit of 1024 MB (server.js: "larger than 32MB, which is maximum limit of
 * higher level layers anyway"). That limit counts *decoded* bytes: a gzip bomb of 1 MiB that
 * inflates to 1 GiB is inflated in memory up to 1 GiB before anything of Sluice runs, which can
 * take a 512 MiB instance down. Cloud Run caps a request at 32 MiB on the wire
 * (https://cloud.google.com/run/quotas#cloud_run_limits), but not what it decodes to.
 *
 * The framework offers no setting for it, so this lowers the limit of the framework's own
 * body-parser parsers to {@link FRAMEWORK_BODY_LIMIT_BYTES} of decoded body: the same 32 MiB a
 * request may have anyway, and no less than the largest `limits.max_request_bytes`. Bodies up to
 * that still reach the collector, which answers 413 with a size_exceeded row past its own limit;
 * only a compressed body that decodes to more is answered 413 by the framework, with no row.
 *
 * How: server.js calls `bodyParser.json(options)` (and text, urlencoded, raw) on the module
 * object when it builds the server, which the runtime does after loading the function's code. The
 * factories of *the framework's* copy of body-parser are wrapped here, before that, to cap
 * `limit`. It is not a documented hook: the test in test/app/http/framework-body-limit.test.ts sends a
 * bomb through the framework's server and fails if a framework update stops this from working.
 *
 * The same wrapper makes the framework read bodies without parsing them: its `json`, `text` and
 * `urlencoded` parsers become `raw` parsers for the same content types. Sluice reads
 * `request.rawBody` only, so the framework's JSON.parse (and qs parse) of every body was work done
 * twice; worse, the framework answered malformed `application/json` with 400 before Sluice ran,
 * so a broken event left no row. Read raw, such a body reaches the collector and becomes an
 * `unparseable` invalid row like the same bytes under any other content type. Decoding
 * (gzip, deflate, br) and the size cap stay with the framework.
 *
 * Errors the framework still raises (a corrupt or too large compressed body) are passed on
 * without the body: Express logs them with console.error(err), and body-parser's error carries
 * the body (`err.body`). Bodies may hold personal data.
 */
export const FRAMEWORK_BODY_LIMIT_BYTES = 32 * 1024 * 1024;

const PARSERS = ['json', 'text', 'urlencoded', 'raw'] as const;

/** The content types each body-parser parser takes by default (body-parser's own defaults). */
const DEFAULT_TYPES: Readonly<Record<(typeof PARSERS)[number], string>> = {
  json: 'application/json',
  text: 'text/plain',
  urlencoded: 'application/x-www-form-urlencoded',
  raw: 'application/octet-stream',
};
const PATCHED = Symbol.for('sluice.frameworkBodyLimit');

type Factory = (options?: Record<string, unknown>) => unknown;
type Middleware = (request: unknown, response: unknown, next: (error?: unknown) => void) => void;

/** Makes the framework read bodies raw and capped; returns false when its body-parser cannot be found. */
export function capFrameworkBodyParsing(limitBytes: number = FRAMEWORK_BODY_LIMIT_BYTES): boolean {
  let bodyParser: Record<string, Factory> & { [PATCHED]?: boolean };
  try {
    const requireHere = createRequire(import.meta.url);
    // body-parser as the framework resolves it, so that the very module object it calls is patched.
    const requireFromFramework = createRequire(requireHere.resolve('@google-cloud/functions-framework'));
    bodyParser = requireFromFramework('body-parser') as typeof bodyParser;
  } catch {
    return false;
  }
  if (bodyParser[PATCHED]) return true;
  const raw = bodyParser.raw;
  if (typeof raw !== 'function') return false;
  for (const name of PARSERS) {
    if (typeof bodyParser[name] !== 'function') return false;
    bodyParser[name] = (options = {}) => {
      // Only the options raw understands: the content types, the size cap and the rawBody saver.
      const { type = DEFAULT_TYPES[name], verify, inflate } = options;
      const middleware = raw({ type, verify, inflate, limit: limitBytes }) as Middleware;
      const capped: Middleware = (request, response, next) =>
        middleware(request, response, (error?: unknown) =>
          next(error === undefined ? undefined : withoutPayload(error)),
        );
      return capped;
    };
  }
  bodyParser[PATCHED] = true;
  return true;
}

/** A body-parser error with the body removed from its fields, message and stack. */
function withoutPayload(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const failure = error as Error & { body?: unknown; type?: unknown };
  if ('body' in failure) delete failure.body;
  if (failure.type === 'entity.parse.failed') {
    failure.message = 'the request body is not valid JSON for its Content-Type (its text is kept out of logs)';
    failure.stack = `${failure.name}: ${failure.message}`;
  }
  return failure;
}
