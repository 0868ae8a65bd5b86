import type { InboundRequest } from '../../functions/core/protocols/protocol.ts';

/** The receive time every test request gets unless it says otherwise, so rows are reproducible. */
export const FIXED_RECEIVED_AT = '2026-01-15T10:00:00.000Z';

/** What a test may set on a request; `query` may be given as text (with or without `?`). */
export interface InboundRequestInit {
  readonly method?: string;
  readonly path?: string;
  readonly query?: string | URLSearchParams | Readonly<Record<string, string>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  readonly body?: Buffer | string;
  readonly receivedAt?: string;
}

/**
 * An InboundRequest for tests, with the defaults a bare request would have: GET /, no query, no
 * headers, empty body, a fixed receive time. `query` and `rawQuery` are derived from one source so
 * they never disagree, as they cannot in a real request.
 */
export function inboundRequest(init: InboundRequestInit = {}): InboundRequest {
  const rawQuery = rawQueryOf(init.query);
  return {
    method: (init.method ?? 'GET').toUpperCase(),
    path: init.path ?? '/',
    query: new URLSearchParams(rawQuery),
    rawQuery,
    headers: init.headers ?? {},
    body: typeof init.body === 'string' ? Buffer.from(init.body, 'utf8') : (init.body ?? Buffer.alloc(0)),
    receivedAt: init.receivedAt ?? FIXED_RECEIVED_AT,
  };
}

function rawQueryOf(query: InboundRequestInit['query']): string {
  if (query === undefined) return '';
  if (typeof query === 'string') return query.startsWith('?') ? query.slice(1) : query;
  return new URLSearchParams(query).toString();
}
