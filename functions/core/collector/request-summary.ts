import type { JsonValue } from '../contract/rows.ts';
import type { InboundRequest } from '../protocols/protocol.ts';

/**
 * Headers worth keeping on an invalid row to debug it. Everything else is left out on purpose:
 * cookies, authorization and signature headers can carry secrets, and the row is stored for long.
 */
const KEPT_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'user-agent',
  'origin',
  'referer',
  'sp-anonymous',
  'ce-specversion',
  'ce-type',
  'ce-source',
  'ce-id',
] as const;

/** Longest header value kept; a hostile client can send huge ones. */
const MAX_HEADER_VALUE_LENGTH = 512;
/** Longest query string kept in the summary (the full part that failed goes in `raw`). */
const MAX_QUERY_LENGTH = 2048;

/** The `request` column of an invalid row: method, path, query, content type and safe headers. */
export function requestSummary(request: InboundRequest): JsonValue {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value.slice(0, MAX_HEADER_VALUE_LENGTH);
  }
  return {
    method: request.method,
    path: request.path.slice(0, MAX_QUERY_LENGTH),
    query: request.rawQuery.slice(0, MAX_QUERY_LENGTH),
    content_type: request.headers['content-type']?.slice(0, MAX_HEADER_VALUE_LENGTH) ?? null,
    headers,
  };
}
