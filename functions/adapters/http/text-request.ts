/**
 * One HTTP request whose whole answer is read (as bytes, or as text), on node:http / node:https
 * with keep-alive agents.
 *
 * Why not the global fetch(): Node loads undici (WHATWG streams, Request/Response, its own pool)
 * on the first fetch() call, a cost of the collector's cold start (`undici` in
 * docs/performance.md, "Measured costs behind the code"); and per batch
 * fetch allocates a Request, a Response, a stream and a body reader that these small JSON calls
 * never need. This module is what the REST Pub/Sub client, the metadata-server credentials and
 * the gs:// registry need, nothing more: a method, headers, a string body, an abort signal, a cap
 * on the answer's size, and the status and body of the answer.
 */
import type { Agent, ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { SluiceError } from '../../core/errors.ts';

/**
 * How long a kept-alive connection may sit idle before it is closed on this side. Shorter than
 * the servers' own idle timeouts (Node's http server: 5 s; Google's front ends: minutes), so that
 * a connection is never reused just as the server closes it; the same value undici uses. A
 * server's `Keep-Alive: timeout=N` hint shortens it further (Node's agent honours it).
 */
export const KEEP_ALIVE_IDLE_MS = 4_000;

/** Socket errors that mean a reused keep-alive connection had been closed by the server before our request reached it. */
const STALE_CONNECTION_CODES = new Set(['ECONNRESET', 'EPIPE']);

export interface TextRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Aborting it destroys the request; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** An answer body longer than this is not read further: the request is destroyed and rejects with AnswerTooLargeError. */
  readonly maxBytes?: number;
}

export interface TextAnswer {
  readonly status: number;
  readonly text: string;
  readonly headers: IncomingHttpHeaders;
}

export interface BodyAnswer {
  readonly status: number;
  readonly body: Buffer;
  readonly headers: IncomingHttpHeaders;
}

/** The answer's body passed TextRequest.maxBytes; nothing more of it was read. */
export class AnswerTooLargeError extends SluiceError {
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super('answer_too_large', `the answer is more than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * No answer: the connection failed or was cut. The message is Node's (`connect ECONNREFUSED …`),
 * which callers put after the request they name; `cause` is Node's error.
 */
export class HttpRequestError extends SluiceError {
  readonly url: string;

  constructor(message: string, url: string, options?: ErrorOptions) {
    super('http_request_failed', message, options);
    this.url = url;
  }
}

interface Transport {
  readonly agent: Agent;
  readonly request: (
    url: string,
    options: RequestOptions,
    onAnswer: (response: IncomingMessage) => void,
  ) => ClientRequest;
}

const transports: { http?: Transport; https?: Transport } = {};

/**
 * The module and a keep-alive agent for a scheme, loaded on its first request: a connection to
 * Pub/Sub or the metadata server is reused by the next request instead of paying a TCP (and TLS)
 * handshake each time. No socket cap here: callers bound their own concurrency (the REST
 * client's slots).
 *
 * process.getBuiltinModule rather than `import … from 'node:http'`: an ESM import of node:http
 * builds the module's ESM facade, which reads every export, including the lazy getters that load
 * undici (the same `undici` cost). node:https (and TLS) is loaded only by an
 * instance that talks https, which the emulator does not.
 */
function transportFor(secure: boolean): Transport {
  const scheme = secure ? 'https' : 'http';
  let transport = transports[scheme];
  if (transport === undefined) {
    const module = secure ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    // `timeout` on a keep-alive agent is the idle timeout of its free sockets: Node destroys a
    // free socket when it fires (a socket in use only gets a 'timeout' event, which nothing here
    // listens to; the callers' deadlines bound requests).
    transport = { agent: new module.Agent({ keepAlive: true, timeout: KEEP_ALIVE_IDLE_MS }), request: module.request };
    transports[scheme] = transport;
  }
  return transport;
}

/** The keep-alive agent of a scheme (tests read its free sockets). */
export function keepAliveAgent(secure: boolean): Agent {
  return transportFor(secure).agent;
}

/** Sends the request and resolves with the status and the body decoded as UTF-8, whatever the status. */
export async function requestText(url: string, init: TextRequest = {}): Promise<TextAnswer> {
  const { status, body, headers } = await requestBody(url, init);
  return { status, text: body.toString('utf8'), headers };
}

/**
 * Sends the request and resolves with the status and the body's bytes, whatever the status.
 *
 * A kept-alive connection the server closed while it sat idle (after Cloud Functions throttled
 * the CPU between requests, the idle timer may not have run in time) fails the next request on
 * it with ECONNRESET before any answer: that request is sent once more, on a new connection, as
 * Node's documentation advises (`request.reusedSocket`). The server never saw it.
 */
export async function requestBody(url: string, init: TextRequest = {}): Promise<BodyAnswer> {
  try {
    return await sendOnce(url, init, false);
  } catch (error) {
    if (!(error instanceof StaleConnectionError)) throw error;
    return sendOnce(url, init, true);
  }
}

/** A reused connection failed before any answer (see requestBody); never leaves this module. */
class StaleConnectionError extends SluiceError {
  constructor(message: string) {
    super('stale_connection', message);
  }
}

function sendOnce(url: string, init: TextRequest, freshConnection: boolean): Promise<BodyAnswer> {
  const { signal, maxBytes = Number.POSITIVE_INFINITY } = init;
  if (signal?.aborted) return Promise.reject(abortReason(signal));
  return new Promise((resolve, reject) => {
    const secure = url.startsWith('https:');
    const headers: Record<string, string | number> = { ...init.headers };
    if (init.body !== undefined) headers['content-length'] = Buffer.byteLength(init.body, 'utf8');
    let settled = false;
    const finish = (error: Error | undefined, answer?: BodyAnswer): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      if (error === undefined) resolve(answer as BodyAnswer);
      else reject(error);
    };
    const onAnswer = (response: IncomingMessage): void => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > maxBytes) {
          finish(new AnswerTooLargeError(maxBytes));
          outgoing.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        finish(undefined, {
          status: response.statusCode ?? 0,
          body: Buffer.concat(chunks, size),
          headers: response.headers,
        }),
      );
      response.on('error', (error) =>
        finish(new HttpRequestError(`the answer was cut: ${error.message}`, url, { cause: error })),
      );
    };
    const transport = transportFor(secure);
    let answered = false;
    const outgoing = transport.request(
      url,
      // The retry after a stale connection goes out on a connection of its own: the agent's other
      // free sockets may have been closed by the server too.
      { method: init.method ?? 'GET', headers, agent: freshConnection ? false : transport.agent },
      (response) => {
        answered = true;
        onAnswer(response);
      },
    );
    const onAbort = (): void => {
      finish(abortReason(signal as AbortSignal));
      outgoing.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      const stale =
        !freshConnection && !answered && outgoing.reusedSocket && STALE_CONNECTION_CODES.has(error.code ?? '');
      finish(
        stale ? new StaleConnectionError(error.message) : new HttpRequestError(error.message, url, { cause: error }),
      );
    });
    outgoing.end(init.body);
  });
}

/** The signal's reason as an Error (AbortSignal.timeout() gives a TimeoutError DOMException). */
function abortReason(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  return reason instanceof Error ? reason : new DOMException(String(reason ?? 'aborted'), 'AbortError');
}

/** A short reason for a failed request: the abort reason, or the connection error. */
export function describeRequestError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  return error.message;
}
