import type { CloudEventsConfig } from '../config/config.ts';
import type { JsonValue } from '../contract/rows.ts';
import { normalizeTimestamp } from '../contract/timestamps.ts';
import { truncate } from '../text.ts';
import { conformanceIssues } from './cloudevents/conformance.ts';
import type { Envelope } from './cloudevents/envelope.ts';
import { readEnvelopes } from './cloudevents/read-envelopes.ts';
import type {
  EventCandidate,
  InboundRequest,
  ProtocolAdapter,
  ProtocolResponse,
  ProtocolResult,
  Rejection,
} from './protocol.ts';
import { SchemaMap } from './schema-map.ts';

/**
 * CloudEvents 1.0 over HTTP (https://github.com/cloudevents/spec/blob/v1.0.2/cloudevents/bindings/http-protocol-binding.md),
 * in its three content modes:
 *
 * - binary: the attributes are `ce-*` headers, the body is the data and `Content-Type` its type;
 * - structured: `Content-Type: application/cloudevents+json`, the body is one event in the JSON format;
 * - batch: `Content-Type: application/cloudevents-batch+json`, the body is a JSON array of those.
 *
 * Each event becomes a candidate whose schema is, in this order: its `dataschema` when that is an
 * Iglu URI; the Iglu URI `cloudevents.dataschema_schemas` maps any other `dataschema` to (an
 * `https://` JSON Schema URL is never fetched: a request must not make the collector fetch what it
 * names, on the hot path, from any host); the one `cloudevents.type_schemas` maps its `type` to;
 * `cloudevents.fallback_schema`. An event none of these names a schema for is a `schema_not_found`
 * invalid row keeping the whole event, which replay recovers once a mapping is configured;
 * `protocol_violation` is only for events that break the CloudEvents spec. `id` becomes the event
 * id and `time` the event time; every other attribute, extensions included, is kept in `source`.
 *
 * The `cloudevents` SDK's `HTTP.toEvent` is not used to read requests because it repairs what it
 * should report: it invents an id when there is none, replaces a missing or unreadable `time` with
 * the current time, accepts any `specversion` without checking anything, turns `data_base64` into a
 * Uint32Array, parses a binary body `123` as the string "123", and drops a whole batch for one bad
 * event. The SDK's spec check (the CloudEvents JSON Schema plus its attribute-name rule) is used
 * instead, on the attributes exactly as received.
 */

/**
 * `202 Accepted`, empty body. The HTTP binding prescribes no answer; 202 says what happened: the
 * events were taken and queued for validation and storage, not yet stored. It is also what
 * Knative brokers answer, so CloudEvents senders treat it as success.
 */
function acceptedResponse(): ProtocolResponse {
  return { status: 202 };
}

/** The configuration as the adapter uses it: the mappings compiled once. */
interface SchemaChoice {
  readonly byDataschema: SchemaMap;
  readonly byType: SchemaMap;
  readonly fallback: string | undefined;
}

export function createCloudEventsAdapter(config: CloudEventsConfig): ProtocolAdapter {
  const choice: SchemaChoice = {
    byDataschema: new SchemaMap(config.dataschema_schemas),
    byType: new SchemaMap(config.type_schemas),
    fallback: config.fallback_schema === '' ? undefined : config.fallback_schema,
  };
  return {
    protocol: 'cloudevents',
    matches: (request) => request.method === 'POST' && request.path === config.path,
    handle: (request) => handleCloudEvents(request, choice),
  };
}

function handleCloudEvents(request: InboundRequest, config: SchemaChoice): ProtocolResult {
  const events: EventCandidate[] = [];
  const rejections: Rejection[] = [];
  for (const envelope of readEnvelopes(request)) {
    const outcome = 'rejection' in envelope ? envelope.rejection : toCandidate(envelope, config);
    if ('errorType' in outcome) rejections.push(outcome);
    else events.push(outcome);
  }
  return { events, rejections, response: acceptedResponse() };
}

function toCandidate(envelope: Envelope, config: SchemaChoice): EventCandidate | Rejection {
  const { attributes, raw, path } = envelope;
  const eventId = typeof attributes.id === 'string' && attributes.id !== '' ? attributes.id : undefined;
  const eventTstamp = typeof attributes.time === 'string' ? normalizeTimestamp(attributes.time) : undefined;
  const encoding = envelope.data.ok ? envelope.data.value.encoding : undefined;
  const source = sourceOf(attributes, eventId !== undefined, eventTstamp !== undefined, encoding);
  const named =
    typeof attributes.dataschema === 'string' && attributes.dataschema.startsWith('iglu:')
      ? attributes.dataschema
      : undefined;
  const known = {
    raw,
    source,
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventTstamp === undefined ? {} : { eventTstamp }),
  };

  const issues = conformanceIssues(attributes, eventTstamp !== undefined, path);
  if (issues.length > 0)
    return { ...known, ...(named ? { schema: named } : {}), errorType: 'protocol_violation', issues };
  if (!envelope.data.ok) return { ...envelope.data.rejection, ...known, ...(named ? { schema: named } : {}) };

  // The spec check above has made type a non-empty string and dataschema, when present, a URI.
  const type = String(attributes.type);
  const dataschema = typeof attributes.dataschema === 'string' ? attributes.dataschema : undefined;
  const schema =
    named ??
    (dataschema === undefined ? undefined : config.byDataschema.lookup(dataschema)) ??
    config.byType.lookup(type) ??
    config.fallback;
  if (schema === undefined) {
    const quoted = (value: string) => JSON.stringify(truncate(value, 120));
    const lacks =
      dataschema === undefined
        ? 'has no dataschema'
        : `has dataschema ${quoted(dataschema)}, which is not an Iglu URI and which cloudevents.dataschema_schemas does not map (it is not fetched)`;
    return {
      ...known,
      errorType: 'schema_not_found',
      issues: [
        {
          schema: null,
          path: `${path}.type`,
          keyword: 'schema',
          message:
            `no schema for this event: it ${lacks}, its type ${quoted(type)} matches no cloudevents.type_schemas entry, and cloudevents.fallback_schema is empty; ` +
            `map its type to an Iglu schema (cloudevents.type_schemas: {${quoted(type)}: "iglu:com.acme/order_placed/jsonschema/1-0-0"}) and replay this row`,
        },
      ],
    };
  }
  return {
    schema,
    data: envelope.data.value.value,
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventTstamp === undefined ? {} : { eventTstamp }),
    source,
  };
}

/**
 * Every attribute that has no column of its own: `id` and `time` leave only when they became the
 * event id and time, so an unreadable time is kept here as sent.
 */
function sourceOf(
  attributes: Readonly<Record<string, unknown>>,
  idUsed: boolean,
  timeUsed: boolean,
  encoding: string | undefined,
): JsonValue {
  const entries = Object.entries(attributes).filter(
    ([name]) => !(name === 'id' && idUsed) && !(name === 'time' && timeUsed),
  );
  if (encoding !== undefined) entries.push(['data_encoding', encoding]);
  // Attributes come from parsed JSON or headers, so they are JSON values.
  return Object.fromEntries(entries) as JsonValue;
}
