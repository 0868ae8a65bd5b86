import { createRequire } from 'node:module';
import { FRAMEWORK_BODY_LIMIT_BYTES } from '../../core/limits.ts';

/**
 * Caps and simplifies the functions framework's body parsing (see FRAMEWORK_BODY_LIMIT_BYTES in
 * core/limits.ts for why).
 *
 * How: server.js calls `bodyParser.json(options)` (and text, urlencoded, raw) on the module
 * object when it builds the server, which the runtime does after loading the function's code. The
 * factories of *the framework's* copy of body-parser are wrapped here, before that, to cap
 * `limit`. It is not a documented hook: the test in test/app/http/framework-body-limit.test.ts sends a
 * bomb through the framework's server and fails if a framework update stops this from working.
 *
 * The same wrapper makes the framework read bodies without parsing them: its `json`, `text` and
 * `urlencoded` parsers become `raw` parsers for the same content types. Sluice reads
 * `request.rawBody` only, so a parse there would be work done twice, and the framework would answer
 * malformed `application/json` with 400 before Sluice ran, leaving no row. Read raw, such a body
 * reaches the collector and becomes an `unparseable` invalid row like the same bytes under any
 * other content type. Decoding
 * (gzip, deflate, br) and the size cap stay with the framework.
 *
 * Errors the framework still raises (a corrupt or too large compressed body) are passed on
 * without the body: Express logs them with console.error(err), and body-parser's error carries
 * the body (`err.body`). Bodies may hold personal data.
 */

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

/**
 * A body-parser error without the body it may carry. Only raw parsers run, so the errors that
 * reach here are about decoding and size (their messages hold no body text), never a parse error.
 */
function withoutPayload(error: unknown): unknown {
  if (typeof error !== 'object' || error === null) return error;
  const failure = error as Error & { body?: unknown };
  if ('body' in failure) delete failure.body;
  return failure;
}
