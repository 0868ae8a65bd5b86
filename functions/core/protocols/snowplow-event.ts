import type { JsonValue } from '../contract/rows.ts';
import { fromEpochMicros } from '../contract/timestamps.ts';
import { truncate } from '../text.ts';
import type { DecodedParams } from './decoded-params.ts';
import { isJsonObject, type Parsed, reject } from './json-body.ts';
import type { EventCandidate, EventFields, Rejection } from './protocol.ts';
import { BUILT_IN_EVENTS } from './snowplow-builtins.ts';
import { decodeJsonParam } from './snowplow-json-param.ts';

/**
 * One Snowplow tracker event — the flat parameter map of a GET query string or of one element of
 * a POST payload_data array — turned into an event candidate, or into a rejection that keeps
 * everything that could be read (event id, columns, other parameters) plus the offending part.
 */
export type TrackerEventOutcome = { readonly event: EventCandidate } | { readonly rejection: Rejection };

export const UNSTRUCT_EVENT_SCHEMA = 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0';
const CONTEXTS_SCHEMA = /^iglu:com\.snowplowanalytics\.snowplow\/contexts\/jsonschema\/1-0-[01]$/;

/** String columns and the parameter each comes from, in order of preference. */
const STRING_COLUMNS = [
  ['app_id', ['aid']],
  ['platform', ['p']],
  ['user_id', ['uid']],
  ['domain_userid', ['duid']],
  // tnuid is the tracker's explicit override of the collector cookie; nuid is what the node tracker sends.
  ['network_userid', ['tnuid', 'nuid']],
  ['session_id', ['sid']],
  ['page_url', ['url']],
  ['page_title', ['page']],
  ['page_referrer', ['refr']],
  ['useragent', ['ua']],
  ['user_ipaddress', ['ip']],
] as const satisfies readonly (readonly [keyof EventFields, readonly string[]])[];

/** Latest millisecond BigQuery's TIMESTAMP holds (9999-12-31T23:59:59.999Z). */
const MAX_EPOCH_MILLIS = 253402300799999;
const DIGITS = /^\d{1,16}$/;

/**
 * An event's parameters by name: a Map (a query string's), or a POSTed event object read in place
 * (see objectParams), which saves building a Map of its 30-odd parameters for every event.
 */
export interface TrackerParams {
  get(name: string): string | undefined;
  forEach(callback: (value: string, name: string) => void): void;
}

/** A payload_data element whose values are all strings (the caller checked), as TrackerParams. */
export function objectParams(element: Readonly<Record<string, string>>): TrackerParams {
  return {
    // Own properties only: JSON.parse makes `__proto__` an own key, and inherited names are not parameters.
    get: (name) => (Object.hasOwn(element, name) ? element[name] : undefined),
    forEach(callback) {
      for (const name of Object.keys(element)) callback(element[name] as string, name);
    },
  };
}

export interface TrackerEventOptions {
  /** Where the event is in the request, for issue paths: `$` for a query, `$.data[3]` in a batch. */
  readonly at?: string;
  /** Entities the collector attaches itself (the redirect's uri_redirect), after the tracker's. */
  readonly extraContexts?: readonly unknown[];
  /**
   * The JSON parameters already decoded in this request (see DecodedParams): the events of a batch
   * mostly carry the very same `co`, which is then parsed once.
   */
  readonly decoded?: DecodedParams;
}

/**
 * @param params the event's parameters (query parameters already merged in, for POST)
 * @param raw the event as received, kept on a rejection about the event as a whole; a string or
 *   a function that makes it, so that an event that is fine costs no serialization
 */
export function trackerEvent(
  params: TrackerParams,
  raw: string | (() => string),
  options: TrackerEventOptions = {},
): TrackerEventOutcome {
  const { at = '$', extraContexts = [], decoded } = options;
  const read = paramReader(params);
  const common = { eventId: read.take('eid'), eventTstamp: eventTimestamp(read), fields: eventFields(read) };
  // A rejection keeps what could be read; the parameters not read stay in its source.
  const fail = (rejection: Rejection, schema?: string): TrackerEventOutcome => ({
    rejection: { ...rejection, ...defined({ ...common, schema, source: read.rest() }) },
  });
  const violation = (message: string, rawPart: string, param: string, schema?: string): TrackerEventOutcome =>
    fail(reject('protocol_violation', message, rawPart, 'protocol', `${at}.${param}`).rejection, schema);

  const code = read.take('e');
  const rawEvent = (): string => (typeof raw === 'string' ? raw : raw());
  if (code === undefined)
    return violation(
      'the e parameter (event type) is missing; every tracker event has one, e.g. e=pv',
      rawEvent(),
      'e',
    );
  const builtIn = BUILT_IN_EVENTS.get(code);
  if (builtIn === undefined && code !== 'ue') {
    return violation(
      `unknown event type e=${JSON.stringify(truncate(code, 20))}; expected one of ue, ${[...BUILT_IN_EVENTS.keys()].join(', ')}`,
      rawEvent(),
      'e',
    );
  }

  const contextParam = jsonParam(read, 'co', 'cx', at, decoded);
  let contexts = [...extraContexts];
  if (contextParam !== undefined) {
    if (!contextParam.parsed.ok) return fail(contextParam.parsed.rejection);
    const entities = contextsOf(contextParam.parsed.value);
    if (typeof entities === 'string')
      return violation(`${contextParam.name} ${entities}`, contextParam.value, contextParam.name);
    contexts = [...entities, ...contexts];
  }

  let event: Pick<EventCandidate, 'schema' | 'data' | 'eventName'>;
  if (builtIn !== undefined) {
    event = { schema: builtIn.schema, data: builtIn.data(read.take), eventName: builtIn.eventName };
  } else {
    const eventParam = jsonParam(read, 'ue_pr', 'ue_px', at, decoded);
    if (eventParam === undefined)
      return violation(
        'e=ue (self-describing event) needs ue_pr (JSON) or ue_px (base64url JSON); neither was sent',
        rawEvent(),
        'ue_pr',
      );
    if (!eventParam.parsed.ok) return fail(eventParam.parsed.rejection);
    const inner = selfDescribingEventOf(eventParam.parsed.value);
    if (typeof inner === 'string') {
      return violation(
        `${eventParam.name} ${inner}`,
        eventParam.value,
        eventParam.name,
        innerSchemaOf(eventParam.parsed.value),
      );
    }
    event = inner;
  }
  return {
    event: {
      ...event,
      ...defined({ ...common, contexts: contexts.length > 0 ? contexts : undefined, source: read.rest() }),
    },
  };
}

interface ParamReader {
  /** Reads a parameter and marks it as used, so that it leaves `source`. */
  readonly take: (name: string) => string | undefined;
  readonly peek: (name: string) => string | undefined;
  /** The parameters not taken, for `source`; undefined when none is left. */
  readonly rest: () => JsonValue | undefined;
}

function paramReader(params: TrackerParams): ParamReader {
  const taken = new Set<string>();
  return {
    take(name) {
      const value = params.get(name);
      if (value !== undefined) taken.add(name);
      return value;
    },
    peek: (name) => params.get(name),
    rest() {
      let left: Record<string, string> | undefined;
      params.forEach((value, name) => {
        if (taken.has(name)) return;
        left ??= {};
        // Defined, not assigned: a parameter named `__proto__` must stay plain data.
        if (name === '__proto__')
          Object.defineProperty(left, name, { value, enumerable: true, writable: true, configurable: true });
        else left[name] = value;
      });
      return left;
    },
  };
}

function eventFields(read: ParamReader): EventFields | undefined {
  const fields: Record<string, string | number> = {};
  let found = false;
  for (const [column, names] of STRING_COLUMNS) {
    const name = names.find((candidate) => read.peek(candidate) !== undefined);
    if (name !== undefined) {
      fields[column] = read.take(name) as string;
      found = true;
    }
  }
  // A session index that is not a count is left in source rather than guessed at.
  const vid = read.peek('vid');
  if (vid !== undefined && DIGITS.test(vid) && Number.isSafeInteger(Number(vid))) {
    fields.session_index = Number(read.take('vid'));
    found = true;
  }
  return found ? (fields as EventFields) : undefined;
}

/** The true timestamp (ttm) if the sender set one, else the device's (dtm); garbage stays in source. */
function eventTimestamp(read: ParamReader): string | undefined {
  for (const name of ['ttm', 'dtm']) {
    const value = read.peek(name);
    const millis = value !== undefined && DIGITS.test(value) ? Number(value) : undefined;
    if (millis !== undefined && millis <= MAX_EPOCH_MILLIS) {
      read.take(name);
      return fromEpochMicros(millis * 1000);
    }
  }
  return undefined;
}

/** The first of a plain/base64 parameter pair that was sent non-empty, decoded. */
function jsonParam(
  read: ParamReader,
  plain: string,
  base64: string,
  at: string,
  decoded: DecodedParams | undefined,
): { name: string; value: string; parsed: Parsed<unknown> } | undefined {
  for (const name of [plain, base64]) {
    const value = read.peek(name);
    if (value !== undefined && value !== '') {
      read.take(name);
      const known = decoded?.get(name, value);
      if (known !== undefined) return { name, value, parsed: { ok: true, value: known.value } };
      const parsed = decodeJsonParam(name, value, name === base64, `${at}.${name}`);
      if (parsed.ok) decoded?.set(name, value, parsed.value);
      return { name, value, parsed };
    }
  }
  return undefined;
}

/** The entities of a contexts wrapper, or what is wrong with it (a phrase following the parameter name). */
function contextsOf(wrapper: unknown): readonly unknown[] | string {
  if (!isSelfDescribing(wrapper) || typeof wrapper.schema !== 'string' || !CONTEXTS_SCHEMA.test(wrapper.schema)) {
    return 'must be {"schema":"iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-1","data":[entities]}';
  }
  if (!Array.isArray(wrapper.data)) return 'data must be an array of {schema, data} entities';
  return wrapper.data;
}

/** The event inside an unstruct_event wrapper, or what is wrong with it. */
function selfDescribingEventOf(wrapper: unknown): Pick<EventCandidate, 'schema' | 'data'> | string {
  if (!isSelfDescribing(wrapper) || wrapper.schema !== UNSTRUCT_EVENT_SCHEMA) {
    return `must be {"schema":"${UNSTRUCT_EVENT_SCHEMA}","data":{"schema":...,"data":...}}`;
  }
  if (!isSelfDescribing(wrapper.data))
    return 'data must be the event as {"schema":"iglu:...","data":{...}} with no other keys';
  return { schema: wrapper.data.schema, data: wrapper.data.data };
}

function innerSchemaOf(wrapper: unknown): string | undefined {
  if (!isJsonObject(wrapper) || !isJsonObject(wrapper.data)) return undefined;
  return typeof wrapper.data.schema === 'string' ? wrapper.data.schema : undefined;
}

/** Exactly `{schema, data}`: other keys would be dropped, so they make the wrapper wrong. */
function isSelfDescribing(value: unknown): value is { schema: unknown; data: unknown } {
  if (!isJsonObject(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 2 && Object.hasOwn(value, 'schema') && Object.hasOwn(value, 'data');
}

/** The object without its undefined members, so that absent stays absent. */
function defined<T extends object>(value: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  // The keys are this file's own (eventId, source, ...), never a sender's, so plain assignment is safe.
  const result: Partial<Record<keyof T, unknown>> = {};
  for (const key of Object.keys(value) as Array<keyof T>) {
    if (value[key] !== undefined) result[key] = value[key];
  }
  return result as { [K in keyof T]?: Exclude<T[K], undefined> };
}
