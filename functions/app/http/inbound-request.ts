import type { IncomingMessage } from 'node:http';
import type { InboundRequest } from '../../core/protocols/protocol.ts';

/**
 * The functions framework's request: Node's IncomingMessage, plus what Express and the framework
 * add. The framework has already read (and gunzipped) the whole body into `rawBody` before the
 * function runs; `ip` honours X-Forwarded-For because the framework enables "trust proxy".
 */
export type FrameworkRequest = IncomingMessage & {
  readonly rawBody?: Buffer | undefined;
  readonly ip?: string | undefined;
};

const EMPTY_BODY = Buffer.alloc(0);

/** The transport-neutral request that protocol adapters read. */
export function toInboundRequest(
  request: FrameworkRequest,
  receivedAt: string,
  body: Buffer = request.rawBody ?? EMPTY_BODY,
): InboundRequest {
  const url = request.url ?? '/';
  const queryStart = url.indexOf('?');
  const path = queryStart === -1 ? url : url.slice(0, queryStart);
  const rawQuery = queryStart === -1 ? '' : url.slice(queryStart + 1);
  const headers: Record<string, string> = {};
  const received = request.headers;
  // Object.keys, not Object.entries: no [name, value] array per header per request.
  for (const name of Object.keys(received)) {
    const value = received[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  let query: URLSearchParams | undefined;
  return {
    method: (request.method ?? 'GET').toUpperCase(),
    path,
    // Parsed when an adapter asks: most requests' adapters read rawQuery or nothing.
    get query() {
      query ??= new URLSearchParams(rawQuery);
      return query;
    },
    rawQuery,
    headers,
    body,
    receivedAt,
  };
}
