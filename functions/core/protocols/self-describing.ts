import type { JsonValue } from '../contract/rows.ts';
import { isJsonObject, parseJsonParts, reject } from './json-body.ts';
import type { EventCandidate, ProtocolAdapter, ProtocolResult, Rejection } from './protocol.ts';
import { okResponse } from './text-response.ts';

/**
 * Self-describing JSON posted as is: `POST /self-describing` with `{"schema": "iglu:...", "data": {...}}`
 * or an array of them, each optionally with `contexts`, an array of `{schema, data}` entities. The
 * schema and data are passed on unchecked (the collector validates them); members other than
 * these three are kept in `source`. An array's elements are taken one by one, so one bad element
 * is rejected alone.
 */
export const SELF_DESCRIBING_PATH = '/self-describing';

/**
 * The envelope Snowplow uses for a list of entities. Accepted in place of a bare `contexts` array
 * because senders that already speak Snowplow's self-describing JSON produce it.
 */
const SNOWPLOW_CONTEXTS_SCHEMA_PREFIX = 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/';

const EVENT_MEMBERS: ReadonlySet<string> = new Set(['schema', 'data', 'contexts']);

export function createSelfDescribingAdapter(): ProtocolAdapter {
  return {
    protocol: 'self_describing',
    matches: (request) => request.method === 'POST' && request.path === SELF_DESCRIBING_PATH,
    handle: (request) => {
      const events: EventCandidate[] = [];
      const rejections: Rejection[] = [];
      const body = parseJsonParts(request.body, 'the self-describing body');
      if (!body.ok) return { events, rejections: [body.rejection], response: okResponse() };
      for (const part of body.value.parts) {
        const outcome = part.parsed.ok ? toCandidate(part.parsed.value, part.raw, part.path) : part.parsed.rejection;
        if ('errorType' in outcome) rejections.push(outcome);
        else events.push(outcome);
      }
      return { events, rejections, response: okResponse() } satisfies ProtocolResult;
    },
  };
}

function toCandidate(value: unknown, raw: string, path: string): EventCandidate | Rejection {
  const violation = (message: string, at = path): Rejection =>
    reject('protocol_violation', message, raw, 'protocol', at).rejection;
  if (!isJsonObject(value)) return violation('each event must be a JSON object {"schema": "iglu:...", "data": {...}}');
  const others = Object.entries(value).filter(([name]) => !EVENT_MEMBERS.has(name));
  // Object.fromEntries defines own properties, so a member named __proto__ stays data.
  const source = others.length === 0 ? undefined : (Object.fromEntries(others) as JsonValue);
  const named = typeof value.schema === 'string' ? { schema: value.schema } : {};
  if (!Object.hasOwn(value, 'schema'))
    return {
      ...violation(
        'the event has no "schema"; add the Iglu URI of its schema, such as "iglu:com.acme/checkout/jsonschema/1-0-0"',
        `${path}.schema`,
      ),
      ...(source ? { source } : {}),
    };
  if (!Object.hasOwn(value, 'data'))
    return {
      ...violation('the event has no "data"; put the event itself under "data"', `${path}.data`),
      ...named,
      ...(source ? { source } : {}),
    };
  const contexts = contextsOf(value.contexts);
  if (contexts === 'invalid') {
    return {
      ...violation(
        '"contexts" must be an array of {"schema", "data"} entities (or Snowplow\'s contexts envelope holding one)',
        `${path}.contexts`,
      ),
      ...named,
      ...(source ? { source } : {}),
    };
  }
  return { schema: value.schema, data: value.data, ...(contexts ? { contexts } : {}), ...(source ? { source } : {}) };
}

/** The entities of `contexts`: absent, an array, or Snowplow's `{schema: ".../contexts/...", data: [...]}`. */
function contextsOf(contexts: unknown): readonly unknown[] | undefined | 'invalid' {
  if (contexts === undefined) return undefined;
  if (Array.isArray(contexts)) return contexts;
  if (
    isJsonObject(contexts) &&
    typeof contexts.schema === 'string' &&
    contexts.schema.startsWith(SNOWPLOW_CONTEXTS_SCHEMA_PREFIX) &&
    Array.isArray(contexts.data)
  ) {
    return contexts.data;
  }
  return 'invalid';
}
