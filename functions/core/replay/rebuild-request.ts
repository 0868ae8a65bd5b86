import type { InvalidRow } from '../contract/rows.ts';
import { fromEpochMicros, toEpochMicros } from '../contract/timestamps.ts';
import { isJsonObject } from '../json-object.ts';
import { MAX_SUMMARY_QUERY_LENGTH } from '../limits.ts';
import { mediaTypeOf } from '../protocols/media-type.ts';
import type { InboundRequest } from '../protocols/protocol.ts';
import { SEGMENT_ROUTES } from '../protocols/segment.ts';
import { isSegmentCallType, segmentDataMember } from '../protocols/segment-call.ts';

/**
 * Rebuilds the request a protocol adapter saw from what an invalid row kept of it: the `request`
 * summary (method, path, query, content type, safe headers), `raw` (the part that failed), and the
 * columns and `source` the adapter had already read. Replay then runs the adapter again, so a
 * fixed adapter, or a changed setting such as `cloudevents.fallback_schema`, can recover the event.
 *
 * What each protocol keeps, and so how its request is rebuilt:
 * - self-describing, webhook, CloudEvents structured: `raw` is the event's JSON text (one element of
 *   an array body, or the whole body): it is posted again to the same path;
 * - CloudEvents batch: `raw` is one event of the batch: posted alone in structured mode;
 * - CloudEvents binary: `raw` is the body; the `ce-*` headers come back from `source` (every
 *   attribute without a column), `event_id` (id) and `event_tstamp` (time);
 * - Snowplow GET (`/i`, `/ice.png`, `/r/tp2`) and pixels: the query string (from the summary, else
 *   from `raw`);
 * - Segment: a call that was read keeps everything but its data in `source` and the data in
 *   `payload`, so it is reassembled from the two (and posted alone as a batch), whatever its error:
 *   replay then applies the tracking plan as it is now. A call or body that could not be read is
 *   posted again from `raw` (a batch element wrapped in a batch of one);
 * - Snowplow POST: `raw` is the tracker event (one element of payload_data), posted alone in a
 *   payload_data 1-0-4 envelope, or the whole body when the envelope itself was wrong. When only
 *   one parameter was kept (`ue_pr`/`ue_px`/`co`/`cx` that did not decode), the event is reassembled
 *   from that parameter, `source` (the parameters not yet read) and the columns.
 *
 * Not rebuilt (the answer says why): `raw` cut at `limits.max_raw_bytes` (a shortened query string
 * could parse into an event that lacks data, which is worse than staying invalid), rows without a
 * request summary, Snowplow rows whose event type was not kept.
 */
export type RebuiltRequest =
  | { readonly ok: true; readonly request: InboundRequest }
  | { readonly ok: false; readonly reason: string };

/** What the collector's request summary holds (request-summary.ts). */
interface RequestSummary {
  readonly method: string;
  readonly path: string;
  readonly query: string;
  readonly content_type: string | null;
  readonly headers: Readonly<Record<string, string>>;
}

const PAYLOAD_DATA_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4';
const STRUCTURED_MEDIA_TYPE = 'application/cloudevents+json';
const BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';

/** Tracker parameters that carry JSON; a failure to decode one keeps only that parameter in `raw`. */
const JSON_PARAMETERS = ['ue_pr', 'ue_px', 'co', 'cx'] as const;

/** Column → tracker parameter, the reverse of snowplow-event.ts's mapping (first name wins there). */
const TRACKER_PARAMETERS = [
  ['app_id', 'aid'],
  ['platform', 'p'],
  ['user_id', 'uid'],
  ['domain_userid', 'duid'],
  ['network_userid', 'tnuid'],
  ['session_id', 'sid'],
  ['page_url', 'url'],
  ['page_title', 'page'],
  ['page_referrer', 'refr'],
  ['useragent', 'ua'],
  ['user_ipaddress', 'ip'],
  ['session_index', 'vid'],
] as const;

export function rebuildRequest(row: InvalidRow, maxRawBytes: number): RebuiltRequest {
  const summary = summaryOf(row.request);
  if (summary === undefined)
    return { ok: false, reason: 'the row keeps no request summary (request column), so its request cannot be rebuilt' };
  const raw = row.raw ?? '';
  if (maxRawBytes > 0 && Buffer.byteLength(raw, 'utf8') >= maxRawBytes) {
    return {
      ok: false,
      reason: `raw was cut at limits.max_raw_bytes (${maxRawBytes} bytes): the request cannot be rebuilt whole`,
    };
  }
  const request = (parts: {
    method?: string;
    path?: string;
    query?: string;
    headers?: Record<string, string>;
    body?: string;
  }): RebuiltRequest => {
    const rawQuery = parts.query ?? '';
    return {
      ok: true,
      request: {
        method: parts.method ?? summary.method,
        path: parts.path ?? summary.path,
        query: new URLSearchParams(rawQuery),
        rawQuery,
        headers: parts.headers ?? { ...summary.headers },
        body: Buffer.from(parts.body ?? '', 'utf8'),
        receivedAt: row.collector_tstamp,
      },
    };
  };
  const wholeQuery = summary.query.length < MAX_SUMMARY_QUERY_LENGTH ? summary.query : undefined;

  switch (row.protocol) {
    case 'pixel': {
      // raw is `path?query` exactly as received.
      const at = raw.indexOf('?');
      return request({
        method: 'GET',
        path: at === -1 ? raw || summary.path : raw.slice(0, at),
        query: at === -1 ? '' : raw.slice(at + 1),
        body: '',
      });
    }
    case 'snowplow':
      if (summary.method === 'GET' || summary.method === 'HEAD') {
        const query = wholeQuery ?? (new URLSearchParams(raw).has('e') ? raw : undefined);
        if (query === undefined)
          return {
            ok: false,
            reason: 'the query string was longer than the request summary keeps, and raw is not the whole query',
          };
        return request({ method: 'GET', query, body: '' });
      }
      return snowplowPost(row, raw, wholeQuery ?? '', request);
    case 'cloudevents': {
      const mediaType = mediaTypeOf(summary.content_type ?? undefined);
      const query = wholeQuery ?? '';
      if (mediaType === BATCH_MEDIA_TYPE || mediaType === STRUCTURED_MEDIA_TYPE) {
        return request({
          query,
          headers: { ...withoutCloudEventHeaders(summary.headers), 'content-type': STRUCTURED_MEDIA_TYPE },
          body: raw,
        });
      }
      return request({ query, headers: binaryHeaders(row, summary), body: raw });
    }
    case 'self_describing':
      return request({ query: wholeQuery ?? '', body: raw });
    case 'segment':
      return segmentRequest(row, raw, summary, request);
    case 'webhook': {
      // The webhook adapter keeps the sender's x-* headers in source.headers; give them back.
      const kept =
        isJsonObject(row.source) && isJsonObject(row.source.headers) ? stringEntries(row.source.headers) : {};
      return request({ query: wholeQuery ?? '', headers: { ...kept, ...summary.headers }, body: raw });
    }
    default:
      return { ok: false, reason: `unknown protocol ${JSON.stringify(row.protocol)}` };
  }
}

function snowplowPost(
  row: InvalidRow,
  raw: string,
  query: string,
  request: (parts: { query?: string; headers?: Record<string, string>; body?: string }) => RebuiltRequest,
): RebuiltRequest {
  const headers = { ...summaryOf(row.request)?.headers, 'content-type': 'application/json' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    parsed = undefined;
  }
  const element = () =>
    request({ query, headers, body: JSON.stringify({ schema: PAYLOAD_DATA_SCHEMA, data: [parsed] }) });
  // A tracker event has `e` (or lacks only that, and is then kept whole). The JSON parameters
  // (ue_pr, co) and the payload_data envelope are {schema, data} objects without it: the issue's
  // path says whether one parameter or the whole body failed.
  if (isJsonObject(parsed) && 'e' in parsed) return element();
  const parameter = failedParameter(row);
  if (parameter === undefined) {
    if (isJsonObject(parsed) && 'schema' in parsed && 'data' in parsed) return request({ query, headers, body: raw }); // the envelope
    return isJsonObject(parsed) ? element() : request({ query, headers, body: raw }); // not JSON, not an object: as it came
  }
  // Only one parameter was kept: reassemble the tracker event around it.
  const source = isJsonObject(row.source) ? stringEntries(row.source) : {};
  const eventType =
    source.e ?? (parameter.startsWith('ue_') || 'ue_pr' in source || 'ue_px' in source ? 'ue' : undefined);
  if (eventType === undefined) {
    return {
      ok: false,
      reason: `only parameter ${parameter} was kept and the event type (e) was not, so the tracker event cannot be reassembled`,
    };
  }
  const event: Record<string, string> = { ...source, e: eventType, eid: row.event_id, [parameter]: raw };
  const values = row as Readonly<Record<string, unknown>>;
  for (const [column, name] of TRACKER_PARAMETERS) {
    const value = values[column];
    if ((typeof value === 'string' || typeof value === 'number') && !(name in event)) event[name] = String(value);
  }
  const micros = typeof row.event_tstamp === 'string' ? toEpochMicros(row.event_tstamp) : undefined;
  if (micros !== undefined && !('ttm' in event) && !('dtm' in event)) event.ttm = String(Math.floor(micros / 1000));
  // Query parameters were merged into the event already (they are in source or the columns).
  return request({ query: '', headers, body: JSON.stringify({ schema: PAYLOAD_DATA_SCHEMA, data: [event] }) });
}

const SEGMENT_BATCH_PATH = '/v1/batch';

function segmentRequest(
  row: InvalidRow,
  raw: string,
  summary: RequestSummary,
  request: (parts: { path?: string; headers?: Record<string, string>; body?: string }) => RebuiltRequest,
): RebuiltRequest {
  const headers = { ...summary.headers, 'content-type': 'application/json' };
  const source = row.source;
  if (isJsonObject(source) && isSegmentCallType(source.type)) {
    const call: Record<string, unknown> = { ...source };
    const member = segmentDataMember(source.type);
    if (member !== undefined && row.payload !== undefined && row.payload !== null) call[member] = row.payload;
    call.messageId ??= row.event_id;
    return request({ path: SEGMENT_BATCH_PATH, headers, body: JSON.stringify({ batch: [call] }) });
  }
  if (row.raw === undefined || row.raw === null) {
    return { ok: false, reason: 'the row keeps neither the Segment call (source) nor the raw request part' };
  }
  // A batch element refused alone (its issue points into the batch) goes back as a batch of one.
  const element = SEGMENT_ROUTES[summary.path] === 'batch' && firstIssuePath(row).startsWith('$.batch[');
  return request({ headers, body: element ? `{"batch":[${raw}]}` : raw });
}

function firstIssuePath(row: InvalidRow): string {
  const issue = Array.isArray(row.errors) ? row.errors[0] : undefined;
  return isJsonObject(issue) && typeof issue.path === 'string' ? issue.path : '';
}

/** The tracker parameter an issue points at (`$.ue_px`, `$.data[2].co`), if it is a JSON one. */
function failedParameter(row: InvalidRow): string | undefined {
  const issues = Array.isArray(row.errors) ? row.errors : [];
  for (const issue of issues) {
    const path = isJsonObject(issue) && typeof issue.path === 'string' ? issue.path : '';
    const last = /\.([a-z_]+)$/.exec(path)?.[1];
    if (last !== undefined && (JSON_PARAMETERS as readonly string[]).includes(last)) return last;
  }
  return undefined;
}

/** Binary-mode CloudEvents headers: every attribute in source, plus id and time from their columns. */
function binaryHeaders(row: InvalidRow, summary: RequestSummary): Record<string, string> {
  const headers: Record<string, string> = { ...summary.headers };
  const attributes = isJsonObject(row.source) ? row.source : {};
  for (const [name, value] of Object.entries(attributes)) {
    if (name === 'datacontenttype' || name === 'data_encoding' || value === null || value === undefined) continue;
    headers[`ce-${name}`] = percentEncode(typeof value === 'string' ? value : JSON.stringify(value));
  }
  headers['ce-id'] ??= percentEncode(row.event_id);
  if (!('ce-time' in headers) && typeof row.event_tstamp === 'string') {
    const micros = toEpochMicros(row.event_tstamp);
    if (micros !== undefined) headers['ce-time'] = fromEpochMicros(micros);
  }
  if (typeof attributes.datacontenttype === 'string') headers['content-type'] = attributes.datacontenttype;
  return headers;
}

function withoutCloudEventHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !name.startsWith('ce-')));
}

/**
 * The HTTP binding percent-encodes header values outside printable ASCII and `%` itself; the
 * adapter decodes them, so values go back encoded.
 */
function percentEncode(value: string): string {
  let encoded = '';
  for (const char of value) {
    const code = char.codePointAt(0) as number;
    encoded += char === '%' || code < 0x20 || code > 0x7e ? encodeURIComponent(char) : char;
  }
  return encoded;
}

function summaryOf(value: unknown): RequestSummary | undefined {
  if (!isJsonObject(value) || typeof value.method !== 'string' || typeof value.path !== 'string') return undefined;
  return {
    method: value.method.toUpperCase(),
    path: value.path,
    query: typeof value.query === 'string' ? value.query : '',
    content_type: typeof value.content_type === 'string' ? value.content_type : null,
    headers: isJsonObject(value.headers) ? stringEntries(value.headers) : {},
  };
}

function stringEntries(object: Readonly<Record<string, unknown>>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(object).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}
