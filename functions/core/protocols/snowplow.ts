import type { SnowplowConfig } from '../config/config.ts';
import { MAX_BATCH_ELEMENTS } from '../limits.ts';
import { truncate } from '../text.ts';
import { jsonPathFromPointer } from '../validation/validation-issue.ts';
import { DecodedParams } from './decoded-params.ts';
import { bodyText, describeJsonType, isJsonObject, parseJson, reject } from './json-body.ts';
import { redirectResponse, refusedRedirectResponse, transparentGifResponse } from './pixel-response.ts';
import type {
  EventCandidate,
  InboundRequest,
  ProtocolAdapter,
  ProtocolResponse,
  ProtocolResult,
  Rejection,
} from './protocol.ts';
import { firstQueryValues } from './query-params.ts';
import { checkRedirect } from './redirect-allow-list.ts';
import { objectParams, type TrackerEventOutcome, trackerEvent, UNSTRUCT_EVENT_SCHEMA } from './snowplow-event.ts';
import { okResponse, textResponse } from './text-response.ts';

/**
 * The Snowplow tracker protocol (tp2), so that unmodified Snowplow trackers work with only their
 * collector URL changed:
 *
 * - `GET /i` and `/ice.png`: one event in the query string; answered with the transparent GIF.
 * - `POST <snowplow.post_paths>`: a payload_data batch `{"schema": ".../payload_data/jsonschema/1-0-X",
 *   "data": [event, ...]}`; query parameters apply to every event, the body's own values winning.
 * - `GET /r/tp2?u=<url>&...`: click-tracking redirect, when `snowplow.redirect_enabled`.
 *
 * One bad event of a batch becomes a rejection without costing its siblings. Trackers are answered
 * 2xx whatever their events hold (a retry would send the same bad data again); only a refused
 * redirect gets a 400, because there is nowhere to send the browser.
 *
 * HEAD on the pixel paths is read like GET, as Snowplow's own collector does (its pixel route serves
 * both): the event in the query string is recorded, and the answer carries the GIF's headers.
 */
export const SNOWPLOW_PIXEL_PATHS: readonly string[] = ['/i', '/ice.png'];
export const SNOWPLOW_REDIRECT_PATH = '/r/tp2';

const PAYLOAD_DATA_SCHEMA = /^iglu:com\.snowplowanalytics\.snowplow\/payload_data\/jsonschema\/1-0-[0-4]$/;
const URI_REDIRECT_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/uri_redirect/jsonschema/1-0-0';
/** The setting that lists the domains /r/tp2 may redirect to, named in refusals. */
const ALLOW_LIST_SETTING = 'snowplow.redirect_allowed_domains';

type Route = 'pixel' | 'post' | 'redirect';

export function createSnowplowAdapter(config: SnowplowConfig): ProtocolAdapter {
  const postPaths = new Set(config.post_paths);

  function routeOf(request: InboundRequest): Route | undefined {
    const { method, path } = request;
    if (SNOWPLOW_PIXEL_PATHS.includes(path) && (method === 'GET' || method === 'HEAD')) return 'pixel';
    if (method === 'POST' && postPaths.has(path)) return 'post';
    if (method === 'GET' && path === SNOWPLOW_REDIRECT_PATH && config.redirect_enabled) return 'redirect';
    return undefined;
  }

  return {
    protocol: 'snowplow',
    matches: (request) => routeOf(request) !== undefined,
    handle(request) {
      switch (routeOf(request)) {
        case 'pixel':
          return result([trackerEvent(firstQueryValues(request.rawQuery), request.rawQuery)], transparentGifResponse());
        case 'post':
          return result(postEvents(request), okResponse());
        case 'redirect':
          return redirect(request, config.redirect_allowed_domains);
        default: {
          // Only reached if the HTTP layer ignores matches(); still an answer, not a throw.
          const rejection = reject(
            'protocol_violation',
            `the Snowplow protocol has no route ${truncate(request.method, 20)} ${truncate(request.path, 100)}`,
            request.rawQuery,
          );
          return result([rejection], textResponse(404, 'not found'));
        }
      }
    },
  };
}

function result(
  outcomes: readonly (TrackerEventOutcome | { readonly rejection: Rejection })[],
  response: ProtocolResponse,
): ProtocolResult {
  const events: EventCandidate[] = [];
  const rejections: Rejection[] = [];
  for (const outcome of outcomes) {
    if ('event' in outcome) events.push(outcome.event);
    else rejections.push(outcome.rejection);
  }
  return { events, rejections, response, trackerFacing: true };
}

/** The events of a payload_data POST body, each merged over the query parameters. */
function postEvents(request: InboundRequest): TrackerEventOutcome[] {
  const envelope = payloadData(request.body);
  if ('rejection' in envelope) return [envelope];
  const query = firstQueryValues(request.rawQuery);
  const decoded = new DecodedParams();
  return envelope.events.map((element, index) => {
    const path = `$.data[${index}]`;
    // A tracker event is a flat object of strings, so serializing an element for raw cannot recurse deeply.
    if (!isJsonObject(element))
      return reject(
        'protocol_violation',
        `${path} must be an object of tracker parameters, not ${describeJsonType(element)}`,
        JSON.stringify(element),
        'protocol',
        path,
      );
    for (const name of Object.keys(element)) {
      const value = element[name];
      if (typeof value !== 'string') {
        const valuePath = jsonPathFromPointer(`/data/${index}/${name.replaceAll('~', '~0').replaceAll('/', '~1')}`);
        const message = `${truncate(valuePath, 60)} is ${describeJsonType(value)}; payload_data requires every parameter value to be a string`;
        return reject('protocol_violation', message, JSON.stringify(element), 'type', valuePath);
      }
    }
    const strings = element as Readonly<Record<string, string>>;
    // The event's own parameters win over the query string's; most POSTs have no query string,
    // and then the event object is read as it is.
    const params = query.size === 0 ? objectParams(strings) : new Map([...query, ...Object.entries(strings)]);
    return trackerEvent(params, () => JSON.stringify(element), { at: path, decoded });
  });
}

/**
 * The `data` array of a payload_data body, or the rejection of the whole body. A body nested more
 * deeply than JSON columns allow is refused whole (`size_exceeded`): tracker events are flat, so no
 * tracker sends one, and refusing it first keeps every later step free of deep recursion.
 */
function payloadData(body: Buffer): { readonly events: readonly unknown[] } | { readonly rejection: Rejection } {
  const what = 'the payload_data body';
  if (body.length === 0)
    return reject(
      'protocol_violation',
      `${what} is empty; Snowplow trackers POST {"schema": ".../payload_data/jsonschema/1-0-4", "data": [events]}`,
      '',
    );
  const text = bodyText(body, what);
  if (!text.ok) return text;
  const parsed = parseJson(text.value, what);
  if (!parsed.ok) return parsed;
  const envelope = parsed.value;
  if (!isJsonObject(envelope))
    return reject(
      'protocol_violation',
      `${what} must be an object {"schema": ..., "data": [events]}, not ${describeJsonType(envelope)}`,
      text.value,
    );
  const { schema, data } = envelope;
  if (typeof schema !== 'string' || !PAYLOAD_DATA_SCHEMA.test(schema)) {
    const got =
      typeof schema === 'string'
        ? JSON.stringify(truncate(schema, 100))
        : schema === undefined
          ? 'missing'
          : describeJsonType(schema);
    return reject(
      'protocol_violation',
      `schema must be iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-0 to 1-0-4; got ${got}`,
      text.value,
      'protocol',
      '$.schema',
    );
  }
  if (!Array.isArray(data) || data.length === 0) {
    const got = Array.isArray(data) ? 'an empty array' : data === undefined ? 'missing' : describeJsonType(data);
    return reject(
      'protocol_violation',
      `data must be a non-empty array of events; got ${got}`,
      text.value,
      'protocol',
      '$.data',
    );
  }
  if (data.length > MAX_BATCH_ELEMENTS) {
    return reject(
      'size_exceeded',
      `data holds ${data.length} events, more than the ${MAX_BATCH_ELEMENTS} one request may; send smaller batches`,
      text.value,
      'maxItems',
      '$.data',
    );
  }
  return { events: data };
}

/**
 * The click redirect. The event is recorded as Snowplow's own pipeline records it: a request with
 * no `e` is a uri_redirect event; one with an event gets uri_redirect as a context. A refused target
 * answers 400 with the reason and is kept as one rejection holding the whole query.
 */
function redirect(request: InboundRequest, allowedDomains: readonly string[]): ProtocolResult {
  const u = request.query.get('u');
  const decision =
    u === null || u === ''
      ? { allowed: false as const, reason: 'the u parameter is missing: /r/tp2 needs u=<percent-encoded http(s) URL>' }
      : checkRedirect(u, allowedDomains, ALLOW_LIST_SETTING);
  if (!decision.allowed) {
    return result(
      [reject('protocol_violation', decision.reason, request.rawQuery, 'redirect', '$.u')],
      refusedRedirectResponse(decision.reason),
    );
  }
  const params = firstQueryValues(request.rawQuery);
  params.delete('u');
  const uriRedirect = { schema: URI_REDIRECT_SCHEMA, data: { uri: decision.location } };
  let outcome: TrackerEventOutcome;
  if (params.has('e')) {
    outcome = trackerEvent(params, request.rawQuery, { extraContexts: [uriRedirect] });
  } else {
    params.set('e', 'ue');
    params.set('ue_pr', JSON.stringify({ schema: UNSTRUCT_EVENT_SCHEMA, data: uriRedirect }));
    outcome = trackerEvent(params, request.rawQuery);
  }
  return result([outcome], redirectResponse(decision.location));
}
