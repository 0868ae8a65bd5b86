import type { ErrorType, Protocol } from '../contract/columns.ts';
import type { JsonValue, ValidRow } from '../contract/rows.ts';
import type { ValidationIssue } from '../validation/validation-issue.ts';

/**
 * A request as every protocol adapter sees it, whatever the transport: the HTTP layer builds it
 * from the functions framework's request (ports and adapters: protocols never see Express).
 */
export interface InboundRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** The URL path, not decoded (e.g. `/com.snowplowanalytics.snowplow/tp2`). */
  readonly path: string;
  /** The query string, parsed. Repeated parameters keep every value. */
  readonly query: URLSearchParams;
  /** The query string as received, without `?` (kept for `raw` on invalid rows). */
  readonly rawQuery: string;
  /** Header names lower-cased; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body bytes, already gunzipped; empty when there is none. */
  readonly body: Buffer;
  /** When the collector received the request (RFC 3339 UTC). */
  readonly receivedAt: string;
}

/** Columns a protocol can fill from what the sender says about the event's context. */
export type EventFields = Partial<
  Pick<
    ValidRow,
    | 'app_id'
    | 'platform'
    | 'user_id'
    | 'domain_userid'
    | 'network_userid'
    | 'session_id'
    | 'session_index'
    | 'page_url'
    | 'page_title'
    | 'page_referrer'
    | 'useragent'
    | 'user_ipaddress'
  >
>;

/**
 * One event a protocol found in a request, before validation. Everything in it comes from the
 * sender and is untrusted: `schema` is checked as an Iglu URI, `data` against that schema, and
 * each context entity against its own schema.
 */
export interface EventCandidate {
  /** The Iglu URI the event claims, exactly as sent (validated later). */
  readonly schema: unknown;
  readonly data: unknown;
  /** `page_view`, `struct`, ...; defaults to the schema's name. */
  readonly eventName?: string;
  /** The sender's event id (Snowplow eid, CloudEvents id); a UUID is generated when absent. */
  readonly eventId?: string;
  /** Device or event time, RFC 3339. */
  readonly eventTstamp?: string;
  /** Attached entities, each expected to be `{schema, data}`. */
  readonly contexts?: readonly unknown[];
  readonly fields?: EventFields;
  /** Protocol fields without a column, kept verbatim. */
  readonly source?: JsonValue;
}

/**
 * A part of a request that could not become an event: it becomes an invalid row with the part
 * kept in `raw`, so that nothing is dropped silently and replay can try it again.
 */
export interface Rejection {
  readonly errorType: Extract<
    ErrorType,
    'unparseable' | 'protocol_violation' | 'size_exceeded' | 'unauthorized' | 'schema_not_found'
  >;
  readonly issues: readonly ValidationIssue[];
  /** The raw part (truncated by the collector to limits.max_raw_bytes). */
  readonly raw?: string;
  readonly eventId?: string;
  readonly eventTstamp?: string;
  /** The schema the part named, if it named one. */
  readonly schema?: string;
  readonly fields?: EventFields;
  readonly source?: JsonValue;
}

/** What the collector answers when every event of the request has been accepted. */
export interface ProtocolResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface ProtocolResult {
  readonly events: readonly EventCandidate[];
  readonly rejections: readonly Rejection[];
  readonly response: ProtocolResponse;
  /** Tracker-facing protocols (Snowplow, pixels) get the network user id cookie. */
  readonly trackerFacing?: boolean;
}

/**
 * One input protocol: recognises its requests and turns one into events. Must never throw on any
 * input: malformed parts become rejections. (A throw is a bug; the collector turns it into a 500
 * and an invalid row, and the property tests hunt for it.)
 */
export interface ProtocolAdapter {
  readonly protocol: Protocol;
  /** Whether this adapter serves the request's method and path. */
  matches(request: InboundRequest): boolean;
  handle(request: InboundRequest): ProtocolResult;
}

/** The issue list of a rejection that has one reason. */
export function rejectionIssue(message: string, keyword = 'protocol', path = '$'): ValidationIssue[] {
  return [{ schema: null, path, keyword, message }];
}
