import { randomUUID } from 'node:crypto';
import { truncateUtf8 } from '../contract/attributes.ts';
import type { ErrorType, Protocol } from '../contract/columns.ts';
import type { InvalidRow, JsonValue, ValidRow } from '../contract/rows.ts';
import { normalizeTimestamp } from '../contract/timestamps.ts';
import { type SchemaKey, tryParseSchemaKey } from '../iglu/schema-key.ts';
import { isJsonObject } from '../json-object.ts';
import { MAX_EVENT_ID_LENGTH } from '../limits.ts';
import type { EventCandidate, EventFields, Rejection } from '../protocols/protocol.ts';
import type { RowBatch } from '../sink/event-sink.ts';
import type { EventValidator, ValidationOutcome } from '../validation/event-validator.ts';
import type { ValidationIssue } from '../validation/validation-issue.ts';

/** What the collector knows about the request, the same for every event in it. */
export interface RequestContext {
  readonly protocol: Protocol;
  readonly receivedAt: string;
  readonly collector: string;
  /** Collector-side columns (IP, user agent, network user id); the protocol's own values win. */
  readonly fields: EventFields;
  /** Columns that must stay empty whatever the sender says (SP-Anonymous: IP, network user id). */
  readonly suppressed: ReadonlySet<keyof EventFields>;
  /**
   * The `request` column of invalid rows. A function, because most requests have no invalid row
   * and the summary would be built for nothing on the hot path.
   */
  readonly request: () => JsonValue;
  readonly maxRawBytes: number;
}

/**
 * Turns what a protocol found in a request into contract rows: each candidate is validated against
 * its schema and each of its contexts against theirs; it becomes a valid row only if all pass.
 * Rejections become invalid rows with the raw part kept. Nothing is dropped: the batch has exactly
 * one row per candidate and per rejection.
 */
export function buildRows(
  events: readonly EventCandidate[],
  rejections: readonly Rejection[],
  validator: EventValidator,
  context: RequestContext,
): RowBatch | Promise<RowBatch> {
  // Per request: the events of a batch mostly carry the same context entities (see checksOf).
  const entityChecks = new Map<object, Check>();
  const checks = events.map((event) => checksOf(event, validator, entityChecks));
  // Warm instance: every schema is in memory and every outcome is known already, so the rows
  // are built at once, without a promise. Only a schema still to be loaded costs promises (and
  // then the whole request waits for it once). Promises are worth avoiding here: the functions
  // framework runs each request in a domain and AsyncLocalStorage, which makes every promise
  // the handler creates cost microseconds of async-hook work and GC tracking.
  if (checks.some((list) => list.some(isPending))) {
    return Promise.all(checks.map((list) => Promise.all(list))).then((outcomes) =>
      rowsOf(events, outcomes, rejections, context),
    );
  }
  return rowsOf(events, checks as ValidationOutcome[][], rejections, context);
}

function rowsOf(
  events: readonly EventCandidate[],
  outcomes: readonly ValidationOutcome[][],
  rejections: readonly Rejection[],
  context: RequestContext,
): RowBatch {
  const valid: ValidRow[] = [];
  const invalid: InvalidRow[] = [];
  events.forEach((event, index) => {
    const row = rowFor(event, outcomes[index] as ValidationOutcome[], context);
    if (row.kind === 'valid') valid.push(row.row);
    else invalid.push(row.row);
  });
  for (const rejection of rejections) invalid.push(rejectionRow(rejection, context));
  return { valid, invalid };
}

type BuiltRow = { kind: 'valid'; row: ValidRow } | { kind: 'invalid'; row: InvalidRow };
type Check = ValidationOutcome | Promise<ValidationOutcome>;

function isPending(check: Check): check is Promise<ValidationOutcome> {
  return check instanceof Promise;
}

/**
 * The event's own outcome first, then one per context entity. An entity object met before in the
 * request is not validated again: a tracker's batch repeats the page's contexts in every event, and
 * the protocols hand the same parsed object to each (see DecodedParams); validation depends on
 * nothing else, and the outcome is read, never modified.
 */
function checksOf(event: EventCandidate, validator: EventValidator, entityChecks: Map<object, Check>): Check[] {
  const checks: Check[] = [
    validator.validateNow(event.schema, event.data) ?? validator.validate(event.schema, event.data),
  ];
  for (const entity of event.contexts ?? []) {
    if (typeof entity !== 'object' || entity === null) {
      checks.push(checkEntity(entity, validator));
      continue;
    }
    let check = entityChecks.get(entity);
    if (check === undefined) {
      check = checkEntity(entity, validator);
      entityChecks.set(entity, check);
    }
    checks.push(check);
  }
  return checks;
}

function rowFor(event: EventCandidate, outcomes: readonly ValidationOutcome[], context: RequestContext): BuiltRow {
  const outcome = outcomes[0] as ValidationOutcome;
  const common = commonColumns(event, context);
  const failures = outcomes.filter((result) => !result.valid);
  if (outcome.valid && failures.length === 0) {
    const key = outcome.key;
    return {
      kind: 'valid',
      row: {
        ...common,
        event_name: event.eventName ?? key.name,
        ...schemaColumns(key),
        payload: event.data as JsonValue,
      },
    };
  }
  const first = failures[0] as Extract<ValidationOutcome, { valid: false }>;
  const key = outcome.key;
  return {
    kind: 'invalid',
    row: {
      ...common,
      ...(key ? schemaColumns(key) : {}),
      event_name: event.eventName ?? key?.name ?? null,
      payload: jsonOrNull(event.data),
      error_type: first.errorType,
      errors: failures.flatMap((failure) => failure.issues) as unknown as JsonValue,
      request: context.request(),
    },
  };
}

/** A context entity must be `{schema, data}`; it is validated against its own schema. */
function checkEntity(entity: unknown, validator: EventValidator): Check {
  if (!isJsonObject(entity) || !('schema' in entity) || !('data' in entity)) {
    return {
      valid: false,
      errorType: 'protocol_violation',
      key: null,
      issues: [
        {
          schema: null,
          path: '$.contexts',
          keyword: 'context',
          message: 'each context entity must be an object with "schema" and "data"',
        },
      ],
    };
  }
  const { schema, data } = entity;
  const now = validator.validateNow(schema, data);
  return now === undefined
    ? validator.validate(schema, data).then((outcome) => pointAtContext(outcome, schema))
    : pointAtContext(now, schema);
}

/** Points a failed entity's issues at the context, so that the invalid row says which entity failed. */
function pointAtContext(outcome: ValidationOutcome, schema: unknown): ValidationOutcome {
  if (outcome.valid) return outcome;
  return { ...outcome, issues: outcome.issues.map((issue) => contextIssue(issue, schema)) };
}

function contextIssue(issue: ValidationIssue, schema: unknown): ValidationIssue {
  const where = typeof schema === 'string' ? schema : 'context';
  return { ...issue, message: `context ${where}: ${issue.message}` };
}

function commonColumns(event: EventCandidate, context: RequestContext) {
  return {
    event_id: eventId(event.eventId),
    collector_tstamp: context.receivedAt,
    event_tstamp: event.eventTstamp === undefined ? null : (normalizeTimestamp(event.eventTstamp) ?? null),
    protocol: context.protocol,
    ...fieldColumns(event.fields, context),
    // Contexts come from parsed JSON, so they are JSON as they are.
    contexts: event.contexts === undefined ? null : (event.contexts as JsonValue),
    source: event.source ?? null,
    collector: context.collector,
  };
}

function rejectionRow(rejection: Rejection, context: RequestContext): InvalidRow {
  const key = tryParseSchemaKey(rejection.schema);
  return {
    event_id: eventId(rejection.eventId),
    collector_tstamp: context.receivedAt,
    event_tstamp: rejection.eventTstamp === undefined ? null : (normalizeTimestamp(rejection.eventTstamp) ?? null),
    protocol: context.protocol,
    ...(key ? { ...schemaColumns(key), event_name: key.name } : {}),
    ...(rejection.eventName === undefined ? {} : { event_name: rejection.eventName }),
    ...(rejection.payload === undefined ? {} : { payload: rejection.payload }),
    ...fieldColumns(rejection.fields, context),
    source: rejection.source ?? null,
    collector: context.collector,
    error_type: rejection.errorType as ErrorType,
    errors: rejection.issues as unknown as JsonValue,
    raw: rejection.raw === undefined ? null : truncateUtf8(rejection.raw, context.maxRawBytes),
    request: context.request(),
  };
}

function fieldColumns(fields: EventFields | undefined, context: RequestContext): EventFields {
  const merged: Record<string, unknown> = { ...context.fields };
  // for-in, not Object.entries: no array of pairs per row. `fields` is a plain object the
  // protocols built, with nothing enumerable inherited.
  for (const name in fields) {
    const value = fields[name as keyof EventFields];
    if (value !== undefined && value !== null && value !== '') merged[name] = value;
  }
  for (const name of context.suppressed) delete merged[name];
  return merged as EventFields;
}

function schemaColumns(key: SchemaKey) {
  return { schema: key.uri, schema_vendor: key.vendor, schema_name: key.name, schema_version: key.version };
}

function eventId(candidate: string | undefined): string {
  return typeof candidate === 'string' && candidate.length > 0 && candidate.length <= MAX_EVENT_ID_LENGTH
    ? candidate
    : randomUUID();
}

/**
 * Data that JSON cannot represent (it never comes from a parsed body, but adapters are code) is
 * kept as null rather than breaking the row; the errors still say what failed.
 */
function jsonOrNull(value: unknown): JsonValue | null {
  if (value === undefined) return null;
  try {
    return JSON.stringify(value) === undefined ? null : (value as JsonValue);
  } catch {
    return null;
  }
}
