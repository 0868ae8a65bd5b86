import type { PurgeConfig } from '../../core/config/config.ts';
import { SluiceError } from '../../core/errors.ts';
import { InvalidSchemaKeyError, parseSchemaKey } from '../../core/iglu/schema-key.ts';
import { isJsonObject } from '../../core/json-object.ts';
import { MIN_PURGE_TOKEN_LENGTH } from '../../core/limits.ts';
import { mediaTypeOf } from '../../core/protocols/media-type.ts';
import type { InboundRequest } from '../../core/protocols/protocol.ts';
import type { SchemaCache } from '../../core/validation/schema-cache.ts';
import { log } from '../log.ts';
import { sameText } from './constant-time.ts';
import { type HttpAnswer, jsonAnswer } from './http-answer.ts';

/**
 * `POST <purge.path>`: makes this collector instance forget cached schemas, so that the next event
 * is validated against the schema as the registry holds it now (after `npm run deploy` uploaded a
 * fix), instead of waiting for `cache.ttl_seconds`.
 *
 * - `?schema=<iglu uri>` (or a JSON body `{"schema": "<iglu uri>"}`, or a form body
 *   `schema=<iglu uri>`) forgets that schema and every cached schema that `$ref`s it; no schema
 *   forgets everything.
 * - Off unless `purge.token` is set; then it requires `Authorization: Bearer <token>`, compared in
 *   constant time (SHA-256 digests of both, compared with crypto.timingSafeEqual, so neither the
 *   content nor the length of the token leaks through timing).
 * - Never recorded as an event: the collector answers it before any protocol sees the request.
 *
 * Each instance has its own cache: a purge reaches the instance that receives it. With several
 * instances running, the others refresh within cache.ttl_seconds (docs/replay.md says so).
 */
export function purgeAnswer(
  config: PurgeConfig,
  cache: Pick<SchemaCache, 'purge'>,
  request: InboundRequest,
): HttpAnswer {
  if (config.token === '') {
    return jsonAnswer(404, {
      error: 'not_found',
      message: `the purge route ${config.path} is off: set purge.token (SLUICE_PURGE_TOKEN) to turn it on`,
    });
  }
  if (request.method !== 'POST') {
    return jsonAnswer(405, { error: 'method_not_allowed', message: `use POST ${config.path}` }, { allow: 'POST' });
  }
  if (!tokenMatches(request.headers.authorization, config.token)) {
    return jsonAnswer(
      401,
      { error: 'unauthorized', message: 'missing or wrong token: send Authorization: Bearer <purge.token>' },
      { 'www-authenticate': 'Bearer realm="sluice-purge"' },
    );
  }
  const target = requestedSchema(request);
  if (!target.ok) return jsonAnswer(400, { error: 'bad_request', message: target.message });
  const purged = target.schema === undefined ? cache.purge() : cache.purge(target.schema);
  const scope = target.schema === undefined ? 'all' : target.schema;
  log('INFO', `schema cache purged (${scope}): ${purged.length} entries forgotten`, { purged: purged.slice(0, 100) });
  return jsonAnswer(200, { purged, scope });
}

/** Checks purge.token when the collector starts: a short token is refused, without echoing it. */
export function checkPurgeConfig(config: PurgeConfig): void {
  if (config.token !== '' && config.token.length < MIN_PURGE_TOKEN_LENGTH) {
    throw new SluiceError(
      'invalid_config',
      `purge.token (SLUICE_PURGE_TOKEN) is shorter than ${MIN_PURGE_TOKEN_LENGTH} characters; use a random one, e.g. \`openssl rand -hex 32\`, or leave it empty to turn the purge route off`,
    );
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = header === undefined ? null : /^Bearer[ ]+(\S+)\s*$/i.exec(header);
  const given = match?.[1] ?? '';
  return sameText(token, given) && given !== '';
}

type Target = { ok: true; schema: string | undefined } | { ok: false; message: string };

function requestedSchema(request: InboundRequest): Target {
  let value: unknown = request.query.get('schema') ?? undefined;
  if (value === undefined && request.body.length > 0) {
    const text = request.body.toString('utf8');
    const type = mediaTypeOf(request.headers['content-type']);
    if (type === 'application/x-www-form-urlencoded') {
      value = new URLSearchParams(text).get('schema') ?? undefined;
    } else {
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch {
        return {
          ok: false,
          message:
            'the body is not JSON: send {"schema": "iglu:..."}, ?schema=iglu:..., or nothing to purge every schema',
        };
      }
      if (!isJsonObject(body)) return { ok: false, message: 'the body must be a JSON object {"schema": "iglu:..."}' };
      value = body.schema;
    }
  }
  if (value === undefined || value === null || value === '') return { ok: true, schema: undefined };
  try {
    return { ok: true, schema: parseSchemaKey(value).uri };
  } catch (error) {
    return { ok: false, message: error instanceof InvalidSchemaKeyError ? error.message : String(error) };
  }
}
