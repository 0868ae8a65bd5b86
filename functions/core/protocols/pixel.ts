import type { PixelConfig } from '../config/config.ts';
import type { JsonValue } from '../contract/rows.ts';
import { decodeBase64Url } from './base64.ts';
import { bodyText, isJsonObject, type Parsed, parseJson, reject } from './json-body.ts';
import { redirectResponse, refusedRedirectResponse, transparentGifResponse } from './pixel-response.ts';
import type { InboundRequest, ProtocolAdapter, ProtocolResponse, ProtocolResult, Rejection } from './protocol.ts';
import { queryObject } from './query-object.ts';
import { checkRedirect } from './redirect-allow-list.ts';
import { schemaFromPath } from './schema-path.ts';

/**
 * Named tracking pixels and click redirects:
 * `GET /pixel/<vendor>/<name>/jsonschema/<model>-<revision>-<addition>?<parameters>`.
 *
 * The path names the event's schema; the query string is its data, one member per parameter
 * (strings, since that is all a query string holds; a repeated parameter becomes an array of its
 * strings). Two parameters are reserved:
 *
 * - `redirect=<url>` makes the answer a 302 to that URL (a tracked link) if its host is allowed
 *   by `pixel.redirect_allowed_domains`. It is not data; it is kept in `source.redirect`.
 * - `b64=<base64url JSON object>` carries typed data (numbers, booleans, nesting) for senders that
 *   need it. It replaces the string parameters as the data rather than merging with them: a merge
 *   would give every member two possible types, and one schema could not describe both. Any other
 *   parameters sent next to it are kept in `source.params`, so nothing is lost.
 *
 * The answer is the transparent GIF, never cached. A redirect that is refused (host not allowed,
 * not http(s), control characters) answers 400 with the reason, naming the host and the setting:
 * the person who clicked would land on a broken page either way, and a 400 that says why is what
 * the link's author can fix. The event is recorded all the same.
 *
 * HEAD gets the same answer as GET but records nothing: browsers and email clients load pixels
 * with GET, while HEAD comes from link checkers, mail scanners and proxies probing the URL.
 */
export const PIXEL_PREFIX = '/pixel';

/** The setting that lists the domains pixels may redirect to, named in refusals. */
const ALLOW_LIST_SETTING = 'pixel.redirect_allowed_domains';

const REDIRECT_PARAMETER = 'redirect';
const TYPED_DATA_PARAMETER = 'b64';
const RESERVED_PARAMETERS: ReadonlySet<string> = new Set([REDIRECT_PARAMETER, TYPED_DATA_PARAMETER]);

export function createPixelAdapter(config: PixelConfig): ProtocolAdapter {
  return {
    protocol: 'pixel',
    matches: (request) =>
      (request.method === 'GET' || request.method === 'HEAD') &&
      (request.path === PIXEL_PREFIX || request.path.startsWith(`${PIXEL_PREFIX}/`)),
    handle: (request) => handlePixel(request, config),
  };
}

function handlePixel(request: InboundRequest, config: PixelConfig): ProtocolResult {
  const response = pixelResponse(request.query, config);
  if (request.method === 'HEAD') return { events: [], rejections: [], response, trackerFacing: true };

  const raw = request.rawQuery === '' ? request.path : `${request.path}?${request.rawQuery}`;
  const redirects = request.query.getAll(REDIRECT_PARAMETER);
  const redirectSource: Record<string, JsonValue> =
    redirects.length === 0 ? {} : { redirect: redirects.length === 1 ? (redirects[0] as string) : redirects };
  const result = (outcome: {
    events?: ProtocolResult['events'];
    rejections?: readonly Rejection[];
  }): ProtocolResult => ({
    events: outcome.events ?? [],
    rejections: outcome.rejections ?? [],
    response,
    trackerFacing: true,
  });

  const path = schemaFromPath(request.path, PIXEL_PREFIX);
  if (!path.ok) {
    const rejection = reject('protocol_violation', path.message, raw, 'path').rejection;
    return result({ rejections: [withSource(rejection, redirectSource)] });
  }
  const data = pixelData(request.query, raw);
  if (!data.ok) return result({ rejections: [{ ...withSource(data.rejection, redirectSource), schema: path.schema }] });

  const source: Record<string, JsonValue> = {
    ...redirectSource,
    ...(data.value.params === undefined ? {} : { params: data.value.params }),
  };
  return result({
    events: [{ schema: path.schema, data: data.value.data, ...(Object.keys(source).length > 0 ? { source } : {}) }],
  });
}

function withSource(rejection: Rejection, source: Readonly<Record<string, JsonValue>>): Rejection {
  return Object.keys(source).length === 0 ? rejection : { ...rejection, source };
}

interface PixelData {
  readonly data: Readonly<Record<string, JsonValue>> | Readonly<Record<string, unknown>>;
  /** The string parameters that `b64` replaced as data. */
  readonly params?: Readonly<Record<string, JsonValue>>;
}

function pixelData(query: URLSearchParams, raw: string): Parsed<PixelData> {
  const params = queryObject(query, RESERVED_PARAMETERS);
  const typed = query.getAll(TYPED_DATA_PARAMETER);
  if (typed.length === 0) return { ok: true, value: { data: params } };
  const at = `$.${TYPED_DATA_PARAMETER}`;
  if (typed.length > 1)
    return reject(
      'protocol_violation',
      `${TYPED_DATA_PARAMETER} is given ${typed.length} times; send the typed data once`,
      raw,
      'protocol',
      at,
    );
  const bytes = decodeBase64Url(typed[0] as string);
  if (bytes === undefined)
    return reject(
      'unparseable',
      `${TYPED_DATA_PARAMETER} is not base64url (RFC 4648 §5, alphabet A-Z a-z 0-9 - _)`,
      raw,
      'contentEncoding',
      at,
    );
  const text = bodyText(bytes, `the value of ${TYPED_DATA_PARAMETER}`);
  if (!text.ok) return reject('unparseable', text.rejection.issues[0]?.message ?? 'not UTF-8', raw, 'encoding', at);
  const parsed = parseJson(text.value, `the JSON decoded from ${TYPED_DATA_PARAMETER}`, at);
  if (!parsed.ok) return { ok: false, rejection: { ...parsed.rejection, raw } };
  if (!isJsonObject(parsed.value)) {
    return reject(
      'protocol_violation',
      `${TYPED_DATA_PARAMETER} must decode to a JSON object (the event's data)`,
      raw,
      'type',
      at,
    );
  }
  const value = Object.keys(params).length === 0 ? { data: parsed.value } : { data: parsed.value, params };
  return { ok: true, value };
}

function pixelResponse(query: URLSearchParams, config: PixelConfig): ProtocolResponse {
  const targets = query.getAll(REDIRECT_PARAMETER);
  if (targets.length === 0) return transparentGifResponse();
  if (targets.length > 1)
    return refusedRedirectResponse(`${REDIRECT_PARAMETER} is given ${targets.length} times; give one target URL`);
  const decision = checkRedirect(targets[0] as string, config.redirect_allowed_domains, ALLOW_LIST_SETTING);
  return decision.allowed ? redirectResponse(decision.location) : refusedRedirectResponse(decision.reason);
}
