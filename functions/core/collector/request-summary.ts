import type { JsonValue } from '../contract/rows.ts';
import { MAX_SUMMARY_HEADER_LENGTH, MAX_SUMMARY_QUERY_LENGTH } from '../limits.ts';
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

/** The `request` column of an invalid row: method, path, query, content type and safe headers. */
export function requestSummary(request: InboundRequest): JsonValue {
  const headers: Record<string, string> = {};
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (value !== undefined) headers[name] = value.slice(0, MAX_SUMMARY_HEADER_LENGTH);
  }
  return {
    method: request.method,
    path: request.path.slice(0, MAX_SUMMARY_QUERY_LENGTH),
    query: request.rawQuery.slice(0, MAX_SUMMARY_QUERY_LENGTH),
    content_type: request.headers['content-type']?.slice(0, MAX_SUMMARY_HEADER_LENGTH) ?? null,
    headers,
  };
}
