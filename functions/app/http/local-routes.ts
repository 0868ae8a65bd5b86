import type { LocalSink } from '../../adapters/sink/local-sink.ts';
import { INDEXED_FIELDS, type IndexedField } from '../../adapters/sink/ndjson-index.ts';
import type { RowKind } from '../../core/contract/columns.ts';
import type { InvalidRow, ValidRow } from '../../core/contract/rows.ts';
import { type HttpAnswer, jsonAnswer } from './http-answer.ts';

/** The routes of the local sink, modelled on Snowplow Micro; they exist only with `sink: local`. */
export const LOCAL_ROUTES = { valid: '/local/valid', invalid: '/local/invalid', reset: '/local/reset' } as const;

/** Most rows one GET returns when no `limit` is given, so a browser tab stays responsive. */
export const DEFAULT_LOCAL_LIMIT = 1000;

export async function localRoute(
  method: string,
  path: string,
  query: URLSearchParams,
  sink: LocalSink,
): Promise<HttpAnswer | undefined> {
  if (path === LOCAL_ROUTES.reset) {
    if (method !== 'POST') return methodNotAllowed('POST');
    await sink.reset();
    return jsonAnswer(200, { reset: true });
  }
  const kind: RowKind | undefined =
    path === LOCAL_ROUTES.valid ? 'valid' : path === LOCAL_ROUTES.invalid ? 'invalid' : undefined;
  if (!kind) return undefined;
  if (method !== 'GET' && method !== 'HEAD') return methodNotAllowed('GET');
  const limitText = query.get('limit');
  const limit = limitText === null ? DEFAULT_LOCAL_LIMIT : Number(limitText);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    return jsonAnswer(400, {
      error: 'bad_request',
      message: `limit must be a whole number >= 0, got ${JSON.stringify(limitText)}`,
    });
  }
  const where: Partial<Record<IndexedField, string>> = {};
  for (const field of INDEXED_FIELDS) {
    const wanted = query.get(field);
    if (wanted !== null) where[field] = wanted;
  }
  // The newest `limit` rows, oldest first, as Snowplow Micro lists them.
  const rows: Array<ValidRow | InvalidRow> =
    kind === 'valid' ? await sink.query('valid', { where, limit }) : await sink.query('invalid', { where, limit });
  return jsonAnswer(200, rows);
}

function methodNotAllowed(allowed: string): HttpAnswer {
  return jsonAnswer(405, { error: 'method_not_allowed', message: `use ${allowed}` }, { allow: allowed });
}
