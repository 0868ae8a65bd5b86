import type { JsonValue } from '../contract/rows.ts';
import { fromEpochMicros, isTimestampMicros, toEpochMicros } from '../contract/timestamps.ts';
import { isJsonObject } from '../json-object.ts';
import { describeJsonType, reject } from './json-body.ts';
import type { EventCandidate, EventFields, Rejection } from './protocol.ts';
import { rejectionIssue } from './protocol.ts';
import { SEGMENT_CALL_TYPES, type SegmentCallType, type SegmentPlan } from './segment-plan.ts';

/**
 * One Segment call (a message of Segment's spec: track, page, screen, identify, group, alias) →
 * one event. What maps where:
 *
 * - `messageId` → `event_id`; `userId` → `user_id`; `anonymousId` → `domain_userid` (both are
 *   the id a client library generates for a visitor it does not know yet);
 * - `timestamp` (else `originalTimestamp`) → `event_tstamp`, corrected for the device's clock as
 *   Segment does: timestamp + (received − sentAt), when the call carries a `sentAt`;
 * - `context.page.url`/`title`/`referrer` (for page calls also the properties' `url`, `title`,
 *   `referrer`) → `page_url`/`page_title`/`page_referrer`; `context.userAgent` → `useragent`;
 *   `context.ip` → `user_ipaddress` (else the request's); `context.app.name` → `app_id` (else
 *   `segment.app_id`);
 * - the data validated: `properties` of track, page and screen calls, `traits` of identify and
 *   group calls, `{previousId, userId}` of alias calls; a call without them has `{}`;
 * - `event_name`: the track call's `event` ("Order Completed"), else the call type;
 * - `source`: the whole call except the validated `properties`/`traits` (kept in `payload`) and
 *   `writeKey` (a credential), so that `context`, `integrations`, the timestamps and any field of
 *   a newer spec are kept, and replay can reassemble the call;
 * - `contexts`: one `{schema, data}` entity per `context` key the plan names.
 */

/** What validates a call, and what each call type's data is read from. */
const DATA_MEMBER: Readonly<Record<SegmentCallType, 'properties' | 'traits' | undefined>> = {
  track: 'properties',
  page: 'properties',
  screen: 'properties',
  identify: 'traits',
  group: 'traits',
  alias: undefined,
};

const CALL_TYPES: ReadonlySet<string> = new Set(SEGMENT_CALL_TYPES);

export interface SegmentCallContext {
  readonly plan: SegmentPlan;
  /** `segment.app_id`: the app of calls whose context names none. */
  readonly appId: string;
  /** When the collector received the request (RFC 3339), for the clock correction. */
  readonly receivedAt: string;
}

/** The data member of a call type (`properties`, `traits`), or none (alias). */
export function segmentDataMember(type: SegmentCallType): 'properties' | 'traits' | undefined {
  return DATA_MEMBER[type];
}

export function isSegmentCallType(value: unknown): value is SegmentCallType {
  return typeof value === 'string' && CALL_TYPES.has(value);
}

/**
 * Reads one call. `routeType` is the type the route implies (`/v1/track`); a batch element says its
 * own. `path` locates the call in the body for messages (`$`, `$.batch[3]`).
 */
export function readSegmentCall(
  call: unknown,
  routeType: SegmentCallType | undefined,
  context: SegmentCallContext,
  path: string,
): EventCandidate | Rejection {
  if (!isJsonObject(call)) {
    return reject(
      'protocol_violation',
      `each Segment call must be a JSON object, got ${describeJsonType(call)}`,
      JSON.stringify(call) ?? '',
      'type',
      path,
    ).rejection;
  }
  const type = routeType ?? call.type;
  if (!isSegmentCallType(type)) {
    return reject(
      'protocol_violation',
      `a Segment call needs "type": one of ${SEGMENT_CALL_TYPES.join(', ')}; got ${JSON.stringify(type) ?? 'none'}`,
      JSON.stringify(withoutWriteKey(call)),
      'type',
      `${path}.type`,
    ).rejection;
  }
  const member = DATA_MEMBER[type];
  const source = sourceOf(call, type, member);
  const fields = fieldsOf(call, type, context.appId);
  const eventId = typeof call.messageId === 'string' ? call.messageId : undefined;
  const eventTstamp = correctedTimestamp(call, context.receivedAt);
  const known = {
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventTstamp === undefined ? {} : { eventTstamp }),
    fields,
    source,
  };
  const event = type === 'track' ? call.event : undefined;
  if (type === 'track' && (typeof event !== 'string' || event === '')) {
    return {
      errorType: 'protocol_violation',
      issues: rejectionIssue(
        `a track call needs "event": the event's name, such as "Order Completed"; got ${JSON.stringify(event) ?? 'none'}`,
        'required',
        `${path}.event`,
      ),
      raw: JSON.stringify(withoutWriteKey(call)),
      ...known,
      ...(member && call[member] !== undefined ? { payload: call[member] as JsonValue } : {}),
    };
  }
  const eventName = type === 'track' ? (event as string) : type;
  const data = dataOf(call, type, member);
  const schema = context.plan.schemaFor(type, type === 'track' ? eventName : undefined);
  if (schema === undefined) {
    const where =
      type === 'track' ? `segment.tracking_plan.track[${JSON.stringify(eventName)}]` : `segment.tracking_plan.${type}`;
    return {
      errorType: 'schema_not_found',
      issues: rejectionIssue(
        `the tracking plan names no schema for this ${type} call and segment.require_plan is on: set ${where} to an Iglu URI, then replay`,
        'plan',
        path,
      ),
      eventName,
      payload: data,
      ...known,
    };
  }
  const contexts = contextEntities(call.context, context.plan);
  return { schema, data, eventName, ...known, ...(contexts.length === 0 ? {} : { contexts }) };
}

/** The validated data: properties or traits (absent or null is `{}`), or alias's two ids. */
function dataOf(
  call: Record<string, unknown>,
  type: SegmentCallType,
  member: 'properties' | 'traits' | undefined,
): JsonValue {
  if (member !== undefined) {
    const value = call[member];
    return value === undefined || value === null ? {} : (value as JsonValue);
  }
  const ids: Record<string, JsonValue> = {};
  if (type === 'alias') {
    if (call.previousId !== undefined) ids.previousId = call.previousId as JsonValue;
    if (call.userId !== undefined) ids.userId = call.userId as JsonValue;
  }
  return ids;
}

/** The call (or batch) without its write key, which is a credential and is never stored. */
export function withoutWriteKey(call: Record<string, unknown>): Record<string, unknown> {
  if (!Object.hasOwn(call, 'writeKey')) return call;
  const { writeKey: _, ...rest } = call;
  return rest;
}

function sourceOf(
  call: Record<string, unknown>,
  type: SegmentCallType,
  member: 'properties' | 'traits' | undefined,
): JsonValue {
  const source: Record<string, JsonValue> = {};
  // Own enumerable keys only, defined as data: a member named __proto__ stays a member.
  for (const [name, value] of Object.entries(call)) {
    if (name === member || name === 'writeKey') continue;
    Object.defineProperty(source, name, { value, enumerable: true, writable: true, configurable: true });
  }
  source.type = type;
  return source;
}

function fieldsOf(call: Record<string, unknown>, type: SegmentCallType, appId: string): EventFields {
  const context = isJsonObject(call.context) ? call.context : {};
  const page = isJsonObject(context.page) ? context.page : {};
  const properties = type === 'page' && isJsonObject(call.properties) ? call.properties : {};
  const app = isJsonObject(context.app) ? context.app : {};
  const fields: Record<string, string> = {};
  const set = (column: keyof EventFields, ...values: unknown[]): void => {
    for (const value of values) {
      const text = idText(value);
      if (text !== undefined) {
        fields[column] = text;
        return;
      }
    }
  };
  set('user_id', call.userId);
  set('domain_userid', call.anonymousId);
  set('app_id', app.name, appId);
  set('page_url', page.url, properties.url);
  set('page_title', page.title, properties.title);
  set('page_referrer', page.referrer, properties.referrer);
  set('useragent', context.userAgent);
  set('user_ipaddress', context.ip);
  return fields as EventFields;
}

/** A string, or a number written as one (some libraries send numeric user ids); else nothing. */
function idText(value: unknown): string | undefined {
  if (typeof value === 'string') return value === '' ? undefined : value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return undefined;
}

/**
 * Segment's `timestamp` corrected for the device's clock: the difference between when the
 * collector received the request and the device's `sentAt` is the device's clock skew (plus the
 * transit time), and is added to the call's own time. Without `sentAt`, the time as sent.
 */
function correctedTimestamp(call: Record<string, unknown>, receivedAt: string): string | undefined {
  const stamp = typeof call.timestamp === 'string' ? call.timestamp : call.originalTimestamp;
  if (typeof stamp !== 'string') return undefined;
  const at = toEpochMicros(stamp);
  if (at === undefined) return undefined;
  const sent = typeof call.sentAt === 'string' ? toEpochMicros(call.sentAt) : undefined;
  const received = toEpochMicros(receivedAt);
  if (sent === undefined || received === undefined) return fromEpochMicros(at);
  const corrected = at + (received - sent);
  return fromEpochMicros(isTimestampMicros(corrected) ? corrected : at);
}

/** One entity per context key the plan names and the call carries. */
function contextEntities(context: unknown, plan: SegmentPlan): JsonValue[] {
  if (!isJsonObject(context) || plan.contextSchemas.length === 0) return [];
  const entities: JsonValue[] = [];
  for (const [key, schema] of plan.contextSchemas) {
    if (Object.hasOwn(context, key) && context[key] !== undefined)
      entities.push({ schema, data: context[key] as JsonValue });
  }
  return entities;
}
