import type { ErrorObject } from 'ajv';
// The SDK's own compiled CloudEvents 1.0 JSON Schema, the check its CloudEvent#validate() runs
// (cloudevents/dist/event/spec.js), imported alone: the SDK's index also loads its HTTP, Kafka and
// MQTT transports and json-bigint with bignumber.js, about 140 KB of code that every cold start
// paid for (about 20 ms) and that nothing here uses.
import validateCloudEventV1 from 'cloudevents/dist/schema/v1.js';
import type { CloudEventsConfig } from '../config/config.ts';
import type { JsonValue } from '../contract/rows.ts';
import { normalizeTimestamp } from '../contract/timestamps.ts';
import { truncate } from '../text.ts';
import { jsonPathFromPointer, type ValidationIssue } from '../validation/validation-issue.ts';
import { decodeBase64 } from './base64.ts';
import {
  bodyText,
  describeJsonType,
  isJsonObject,
  type Parsed,
  parseJson,
  parseJsonParts,
  reject,
} from './json-body.ts';
import { isJsonMediaType, mediaTypeOf } from './media-type.ts';
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

const STRUCTURED_MEDIA_TYPE = 'application/cloudevents+json';
const BATCH_MEDIA_TYPE = 'application/cloudevents-batch+json';
const SPEC_VERSION = '1.0';

/** The context attributes of CloudEvents 1.0; every other attribute is an extension. */
const CONTEXT_ATTRIBUTES: ReadonlySet<string> = new Set([
  'id',
  'source',
  'specversion',
  'type',
  'datacontenttype',
  'dataschema',
  'subject',
  'time',
]);

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

/** One event as received: its attributes (extensions included), its data, and the text it came in. */
interface Envelope {
  readonly attributes: Readonly<Record<string, unknown>>;
  readonly data: Parsed<EventData>;
  readonly raw: string;
  /** JSONPath of the event in the body, for issues: `$` or `$[2]` in a batch. */
  readonly path: string;
}

interface EventData {
  readonly value: unknown;
  /** Set when bytes that are not text are kept as base64. */
  readonly encoding?: 'base64';
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

type EnvelopeOrRejection = Envelope | { readonly rejection: Rejection };

function readEnvelopes(request: InboundRequest): EnvelopeOrRejection[] {
  const contentType = request.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === BATCH_MEDIA_TYPE) return readBatch(request.body);
  if (mediaType === STRUCTURED_MEDIA_TYPE) return [readStructured(request.body)];
  if (mediaType.startsWith('application/cloudevents')) {
    return [
      failure(
        reject(
          'protocol_violation',
          `event format ${JSON.stringify(truncate(mediaType, 80))} is not supported; send ${STRUCTURED_MEDIA_TYPE} or ${BATCH_MEDIA_TYPE}`,
          request.body.toString('utf8'),
          'contentType',
        ),
      ),
    ];
  }
  if (Object.keys(request.headers).some((name) => name.startsWith('ce-'))) return [readBinary(request)];
  return [
    failure(
      reject(
        'protocol_violation',
        `not a CloudEvent: send ce-* headers (binary mode), Content-Type ${STRUCTURED_MEDIA_TYPE} (structured mode) ` +
          `or ${BATCH_MEDIA_TYPE} (batch mode); got ${contentType === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(truncate(contentType, 80))}`} and no ce-* header`,
        request.body.toString('utf8'),
        'contentType',
      ),
    ),
  ];
}

/** Keeps only the rejection of a failed parse, the shape readEnvelopes lists. */
function failure(result: { readonly rejection: Rejection }): { readonly rejection: Rejection } {
  return { rejection: result.rejection };
}

/** Binary mode: attributes from `ce-*` headers, `Content-Type` as `datacontenttype`, the body as data. */
function readBinary(request: InboundRequest): Envelope {
  const entries: Array<[string, unknown]> = [];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name.startsWith('ce-') && value !== undefined)
      entries.push([name.slice('ce-'.length), decodeHeaderValue(value)]);
  }
  const contentType = request.headers['content-type'];
  if (contentType !== undefined) entries.push(['datacontenttype', contentType]);
  // Object.fromEntries defines own properties: a `ce-__proto__` header stays an attribute (and fails the name rule).
  const attributes = Object.fromEntries(entries);
  const raw = request.body.toString('utf8');
  const data: Parsed<EventData> =
    request.body.length === 0
      ? { ok: true, value: { value: null } }
      : decodeData(request.body, contentType, 'the body', '$');
  return { attributes, data, raw, path: '$' };
}

/**
 * The HTTP binding percent-encodes header values outside printable ASCII (and `%` itself), so
 * values are decoded; one that is not valid percent-encoding (a bare `100%`) is kept as sent.
 */
function decodeHeaderValue(value: string): string {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function readStructured(body: Buffer): EnvelopeOrRejection {
  const what = 'the structured-mode CloudEvent';
  const text = bodyText(body, what);
  if (!text.ok) return failure(text);
  const parsed = parseJson(text.value, what);
  if (!parsed.ok) return failure(parsed);
  if (Array.isArray(parsed.value)) {
    return failure(
      reject(
        'protocol_violation',
        `a structured-mode body holds one event object, not an array; send arrays with Content-Type ${BATCH_MEDIA_TYPE}`,
        text.value,
      ),
    );
  }
  return fromJsonFormat(parsed.value, text.value, '$');
}

function readBatch(body: Buffer): EnvelopeOrRejection[] {
  const parsed = parseJsonParts(body, 'the CloudEvents batch');
  if (!parsed.ok) return [failure(parsed)];
  if (!parsed.value.isArray) {
    const [only] = parsed.value.parts;
    return [
      failure(reject('protocol_violation', 'a batch-mode body must be a JSON array of CloudEvents', only?.raw ?? '')),
    ];
  }
  return parsed.value.parts.map((part) =>
    part.parsed.ok ? fromJsonFormat(part.parsed.value, part.raw, part.path) : failure(part.parsed),
  );
}

/** An event in the JSON format: every member but `data` / `data_base64` is an attribute. */
function fromJsonFormat(value: unknown, raw: string, path: string): EnvelopeOrRejection {
  if (!isJsonObject(value)) {
    return failure(
      reject(
        'protocol_violation',
        `a CloudEvent in the JSON format must be an object, got ${describeJsonType(value)}`,
        raw,
        'type',
        path,
      ),
    );
  }
  const attributes = Object.fromEntries(
    Object.entries(value).filter(([name]) => name !== 'data' && name !== 'data_base64'),
  );
  return { attributes, data: jsonFormatData(value, path), raw, path };
}

function jsonFormatData(event: Readonly<Record<string, unknown>>, path: string): Parsed<EventData> {
  const { data, data_base64: base64 } = event;
  const contentType = typeof event.datacontenttype === 'string' ? event.datacontenttype : undefined;
  const hasBase64 = base64 !== undefined && base64 !== null;
  if (hasBase64 && data !== undefined) {
    return reject(
      'protocol_violation',
      'the event has both data and data_base64; the JSON format allows one of them',
      '',
      'data',
      path,
    );
  }
  if (!hasBase64) return { ok: true, value: { value: data === undefined ? null : data } };
  const bytes = typeof base64 === 'string' ? decodeBase64(base64) : undefined;
  if (bytes === undefined) {
    return reject(
      'unparseable',
      'data_base64 is not base64 (RFC 4648, alphabet A-Z a-z 0-9 + /)',
      '',
      'contentEncoding',
      `${path}.data_base64`,
    );
  }
  return decodeData(bytes, contentType, 'data_base64', `${path}.data_base64`);
}

/**
 * Data bytes (a binary-mode body, decoded `data_base64`) as a value: parsed when the content type
 * is JSON, text when it is something else, and base64 (marked in `source.data_encoding`) when the
 * bytes are not UTF-8 at all. Without a content type the JSON format's default, JSON, is tried
 * first, but unreadable JSON is then kept as text rather than refused: nothing claimed it was JSON.
 */
function decodeData(bytes: Buffer, contentType: string | undefined, what: string, path: string): Parsed<EventData> {
  const text = bodyText(bytes, what);
  if (isJsonMediaType(contentType)) {
    if (!text.ok) return text;
    const parsed = parseJson(text.value, `${what} (declared ${mediaTypeOf(contentType)})`, path);
    return parsed.ok ? { ok: true, value: { value: parsed.value } } : parsed;
  }
  if (!text.ok) return { ok: true, value: { value: bytes.toString('base64'), encoding: 'base64' } };
  if (mediaTypeOf(contentType) === '') {
    const parsed = parseJson(text.value, what, path);
    if (parsed.ok) return { ok: true, value: { value: parsed.value } };
  }
  return { ok: true, value: { value: text.value } };
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

/**
 * Spec conformance. `specversion` is checked here because the SDK checks nothing for a version
 * it does not know; the rest is the SDK's own check (the CloudEvents JSON Schema: required
 * attributes, their types, URI and timestamp formats; attribute names of a-z0-9), run on a plain
 * copy of the attributes so that none of its constructor's defaults apply. An unreadable `time`
 * is left out of the check: it does not cost the event its validity, only its event time.
 */
function conformanceIssues(
  attributes: Readonly<Record<string, unknown>>,
  timeValid: boolean,
  path: string,
): ValidationIssue[] {
  const version = attributes.specversion;
  if (version !== SPEC_VERSION) {
    const message =
      version === undefined
        ? `the required attribute specversion is missing; set it to "${SPEC_VERSION}"`
        : `specversion ${truncate(JSON.stringify(version) ?? String(version), 40)} is not supported; Sluice accepts CloudEvents ${SPEC_VERSION} (specversion "${SPEC_VERSION}")`;
    return [{ schema: null, path: `${path}.specversion`, keyword: 'specversion', message }];
  }
  const checked = Object.fromEntries(Object.entries(attributes).filter(([name]) => name !== 'time' || timeValid));
  return [...sdkIssues(checked, path), ...extensionValueIssues(attributes, path)];
}

/** The SDK's attribute-name rule (spec.js), which it checks after the schema. */
const SDK_ATTRIBUTE_NAME = /^[a-z0-9]+$/;

/**
 * What the SDK's CloudEvent#validate() reports for these attributes, as issues: its JSON Schema
 * check, then (only if that passes) the first attribute name that breaks its name rule.
 * test/core/protocols/cloudevents-sdk-parity.test.ts checks that this agrees with the SDK.
 */
export function sdkIssues(attributes: Readonly<Record<string, unknown>>, path: string): ValidationIssue[] {
  const validate = validateCloudEventV1 as unknown as { (data: unknown): boolean; errors?: ErrorObject[] | null };
  if (!validate(attributes)) return (validate.errors ?? []).map((detail) => issueFromSchemaError(detail, path));
  for (const name in attributes) {
    if (!SDK_ATTRIBUTE_NAME.test(name) && name !== 'data_base64') {
      return [
        {
          schema: null,
          path,
          keyword: 'cloudevents',
          message: `invalid attribute name: "${name}" (CloudEvents attribute names are lower-case letters a-z and digits 0-9)`,
        },
      ];
    }
  }
  return [];
}

function issueFromSchemaError(detail: ErrorObject, path: string): ValidationIssue {
  const pointer = detail.instancePath;
  const missing: unknown = detail.params.missingProperty;
  if (detail.keyword === 'required' && typeof missing === 'string') {
    return {
      schema: null,
      path: `${path}.${missing}`,
      keyword: 'required',
      message: `the required attribute ${missing} is missing`,
    };
  }
  const attribute = pointer.slice(1) || 'event';
  return {
    schema: null,
    path: path + jsonPathFromPointer(pointer).slice(1),
    keyword: detail.keyword,
    message: `attribute ${attribute} ${detail.message ?? 'is invalid'}`,
  };
}

/**
 * The SDK's type rule for extension values, which its constructor applies and its validate() does
 * not: numbers must be integers (the CloudEvents type system has no fractions).
 */
function extensionValueIssues(attributes: Readonly<Record<string, unknown>>, path: string): ValidationIssue[] {
  return Object.entries(attributes)
    .filter(([name, value]) => !CONTEXT_ATTRIBUTES.has(name) && typeof value === 'number' && !Number.isInteger(value))
    .map(([name, value]) => ({
      schema: null,
      path: `${path}.${name}`,
      keyword: 'type',
      message: `attribute ${name} is ${String(value)}, but CloudEvents numbers are integers; send it as a string or an integer`,
    }));
}
