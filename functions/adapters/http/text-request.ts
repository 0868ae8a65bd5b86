/**
 * One HTTP request whose whole answer is read (as bytes, or as text), on node:http / node:https
 * with keep-alive agents.
 *
 * Why not the global fetch(): Node loads undici (WHATWG streams, Request/Response, its own pool)
 * on the first fetch() call, measured at about 45 ms of the collector's cold start; and per batch
 * fetch allocates a Request, a Response, a stream and a body reader that these small JSON calls
 * never need. This module is what the REST Pub/Sub client, the metadata-server credentials and
 * the gs:// registry need, nothing more: a method, headers, a string body, an abort signal, a cap
 * on the answer's size, and the status and body of the answer.
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';

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
}

export interface BodyAnswer {
  readonly status: number;
  readonly body: Buffer;
}

/** The answer's body passed TextRequest.maxBytes; nothing more of it was read. */
export class AnswerTooLargeError extends Error {
  override readonly name = 'AnswerTooLargeError';
  readonly maxBytes: number;

  constructor(maxBytes: number) {
    super(`the answer is more than ${maxBytes} bytes`);
    this.maxBytes = maxBytes;
  }
}

/**
 * No answer: the connection failed or was cut. The message is Node's (`connect ECONNREFUSED …`),
 * which callers put after the request they name; `cause` is Node's error.
 */
export class HttpRequestError extends Error {
  override readonly name = 'HttpRequestError';
  readonly url: string;

  constructor(message: string, url: string, options?: ErrorOptions) {
    super(message, options);
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
 * undici (measured: 47 ms of the first request's time). node:https (and TLS) is loaded only by an
 * instance that talks https, which the emulator does not.
 */
function transportFor(secure: boolean): Transport {
  const scheme = secure ? 'https' : 'http';
  let transport = transports[scheme];
  if (transport === undefined) {
    const module = secure ? process.getBuiltinModule('node:https') : process.getBuiltinModule('node:http');
    transport = { agent: new module.Agent({ keepAlive: true }), request: module.request };
    transports[scheme] = transport;
  }
  return transport;
}

/** Sends the request and resolves with the status and the body decoded as UTF-8, whatever the status. */
export async function requestText(url: string, init: TextRequest = {}): Promise<TextAnswer> {
  const { status, body } = await requestBody(url, init);
  return { status, text: body.toString('utf8') };
}

/** Sends the request and resolves with the status and the body's bytes, whatever the status. */
export function requestBody(url: string, init: TextRequest = {}): Promise<BodyAnswer> {
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
        finish(undefined, { status: response.statusCode ?? 0, body: Buffer.concat(chunks, size) }),
      );
      response.on('error', (error) =>
        finish(new HttpRequestError(`the answer was cut: ${error.message}`, url, { cause: error })),
      );
    };
    const transport = transportFor(secure);
    const outgoing = transport.request(
      url,
      { method: init.method ?? 'GET', headers, agent: transport.agent },
      onAnswer,
    );
    const onAbort = (): void => {
      finish(abortReason(signal as AbortSignal));
      outgoing.destroy();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    outgoing.on('error', (error) => finish(new HttpRequestError(error.message, url, { cause: error })));
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
