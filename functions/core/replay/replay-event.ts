import { createHash } from 'node:crypto';
import { buildRows, type RequestContext } from '../collector/event-rows.ts';
import type { Protocol } from '../contract/columns.ts';
import type { InvalidRow, JsonValue, ValidRow } from '../contract/rows.ts';
import { ENRICHMENT_COLUMNS } from '../enrichment/enrichment-columns.ts';
import { MAX_EVENT_ID_LENGTH } from '../limits.ts';
import type { EventCandidate, EventFields, ProtocolAdapter, Rejection } from '../protocols/protocol.ts';
import type { EventValidator } from '../validation/event-validator.ts';
import { rebuildRequest } from './rebuild-request.ts';

/**
 * What re-validating one invalid row gave:
 * - `rows`: the event (or, for a rebuilt request that held several, the events) as they are now:
 *   the valid ones are ready to publish, stamped with `replayed_at` and `replay_count`; the
 *   invalid ones say why they still fail;
 * - `not_replayable`: the row does not keep enough to try again (the reason says what is missing).
 */
export type ReplayOutcome =
  | { readonly kind: 'rows'; readonly valid: readonly ValidRow[]; readonly invalid: readonly InvalidRow[] }
  | { readonly kind: 'not_replayable'; readonly reason: string };

/** Error types whose rows kept the raw request part: they go back through their protocol adapter. */
const RAW_REQUEST_ERROR_TYPES: ReadonlySet<string> = new Set(['unparseable', 'protocol_violation']);

/** Kept, but never retried: what the collector refused on purpose or cut short. */
const NOT_REPLAYABLE: Readonly<Record<string, string>> = {
  size_exceeded: 'the request was over limits.max_request_bytes and only its first limits.max_raw_bytes were kept',
  unauthorized: 'the collector refused the sender; replay does not override that',
};

const NOTHING_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set();
const ANONYMOUS_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set(['user_ipaddress', 'network_userid']);

/** The row columns that EventFields covers: put back on a rebuilt event as the collector set them. */
const FIELD_COLUMNS = [
  'app_id',
  'platform',
  'user_id',
  'domain_userid',
  'network_userid',
  'session_id',
  'session_index',
  'page_url',
  'page_title',
  'page_referrer',
  'useragent',
  'user_ipaddress',
] as const satisfies readonly (keyof EventFields)[];

export interface ReplayerOptions {
  /** Validates against the registries as they are now (a fresh cache: see app/replay). */
  readonly validator: EventValidator;
  /** The collector's protocol adapters, built from the same configuration. */
  readonly adapters: readonly ProtocolAdapter[];
  /** `limits.max_raw_bytes`: a `raw` this long was cut by the collector. */
  readonly maxRawBytes: number;
  readonly now?: (() => Date) | undefined;
}

export interface Replayer {
  replay(row: InvalidRow): Promise<ReplayOutcome>;
}

/**
 * Re-validates invalid rows. A row that kept its event (`payload` and `schema`) is validated again
 * directly, contexts included; a row that kept the raw request part (`unparseable`,
 * `protocol_violation` from the protocol), and every Segment row, is rebuilt into a request and
 * goes through its protocol adapter again. Every valid row keeps the original `event_id` and `collector_tstamp` and gets
 * `replayed_at` (now) and `replay_count` (the row's count + 1).
 */
export function createReplayer(options: ReplayerOptions): Replayer {
  const now = options.now ?? (() => new Date());
  return {
    async replay(row) {
      const refused = NOT_REPLAYABLE[row.error_type];
      if (refused !== undefined) return { kind: 'not_replayable', reason: `${row.error_type}: ${refused}` };
      const built = throughTheAdapter(row)
        ? await throughAdapter(row, options)
        : await directly(row, options.validator);
      if (built.kind === 'not_replayable') return built;
      const replayedAt = now().toISOString();
      const replayCount = (typeof row.replay_count === 'number' ? row.replay_count : 0) + 1;
      // The enrichment columns were worked out when the event was collected, from what replay no
      // longer has (the whole client address, before privacy truncated it): they are kept as they were.
      const kept = { ...enrichmentsOf(row), replayed_at: replayedAt, replay_count: replayCount };
      return {
        kind: 'rows',
        valid: built.valid.map((valid) => ({ ...valid, ...kept })),
        invalid: built.invalid.map((invalid) => ({ ...invalid, ...kept })),
      };
    },
  };
}

/**
 * A row goes through its protocol adapter again when the adapter refused its raw part, or when it
 * kept no event to validate directly but did keep the raw part: a CloudEvent that no schema was
 * configured for (`schema_not_found` without a schema), which the adapter maps once configured.
 */
function throughTheAdapter(row: InvalidRow): boolean {
  // A Segment call goes back through its adapter whatever failed, so that the tracking plan as it
  // is now picks its schema (an event named in the plan since, a new schema version): the call is
  // reassembled from source and payload, raw or not.
  if (row.protocol === 'segment' && row.request) return true;
  if (typeof row.raw !== 'string' || !row.request) return false;
  if (RAW_REQUEST_ERROR_TYPES.has(row.error_type)) return true;
  return typeof row.schema !== 'string' && (row.payload === undefined || row.payload === null);
}

async function directly(row: InvalidRow, validator: EventValidator): Promise<ReplayOutcome> {
  if (typeof row.schema !== 'string' || row.payload === undefined || row.payload === null) {
    return {
      kind: 'not_replayable',
      reason: 'the row keeps neither a schema and payload nor a raw request part to validate again',
    };
  }
  if (row.contexts !== undefined && row.contexts !== null && !Array.isArray(row.contexts)) {
    return { kind: 'not_replayable', reason: 'the contexts column is not an array of entities' };
  }
  const fields = fieldsOf(row);
  const candidate: EventCandidate = {
    schema: row.schema,
    data: row.payload,
    eventId: row.event_id,
    ...(typeof row.event_name === 'string' ? { eventName: row.event_name } : {}),
    ...(typeof row.event_tstamp === 'string' ? { eventTstamp: row.event_tstamp } : {}),
    ...(Array.isArray(row.contexts) ? { contexts: row.contexts as readonly JsonValue[] } : {}),
    ...(Object.keys(fields).length > 0 ? { fields } : {}),
    ...(row.source === undefined || row.source === null ? {} : { source: row.source }),
  };
  const batch = await buildRows(
    [candidate],
    [],
    validator,
    contextFor(row, row.protocol as Protocol, {}, NOTHING_SUPPRESSED),
  );
  return { kind: 'rows', valid: batch.valid, invalid: batch.invalid };
}

async function throughAdapter(row: InvalidRow, options: ReplayerOptions): Promise<ReplayOutcome> {
  const rebuilt = rebuildRequest(row, options.maxRawBytes);
  if (!rebuilt.ok) return { kind: 'not_replayable', reason: rebuilt.reason };
  const { request } = rebuilt;
  const adapter = options.adapters.find((candidate) => candidate.matches(request));
  if (adapter === undefined) {
    return {
      kind: 'not_replayable',
      reason: `no protocol serves ${request.method} ${request.path} with the current configuration`,
    };
  }
  let result: ReturnType<typeof adapter.handle>;
  try {
    result = adapter.handle(request);
  } catch (error) {
    return {
      kind: 'not_replayable',
      reason: `the ${adapter.protocol} adapter failed on the rebuilt request: ${String(error)}`,
    };
  }
  // One event from one kept part is the same event: it keeps the row's id. A part that now turns
  // out to hold several (a whole payload_data body) gives each its own id, or one derived from
  // the row's, so that replaying it again yields the same ids.
  const single = result.events.length + result.rejections.length === 1;
  const idFor = (own: string | undefined, index: number): string =>
    single
      ? row.event_id
      : own !== undefined && own.length > 0 && own.length <= MAX_EVENT_ID_LENGTH
        ? own
        : derivedEventId(row.event_id, index);
  const events = result.events.map((event, index) => ({ ...event, eventId: idFor(event.eventId, index) }));
  const rejections: Rejection[] = result.rejections.map((rejection, index) => ({
    ...rejection,
    eventId: idFor(rejection.eventId, events.length + index),
  }));
  const anonymous = request.headers['sp-anonymous'] === '*';
  const context = contextFor(
    row,
    adapter.protocol,
    fieldsOf(row),
    anonymous ? ANONYMOUS_SUPPRESSED : NOTHING_SUPPRESSED,
  );
  const batch = await buildRows(events, rejections, options.validator, context);
  return { kind: 'rows', valid: batch.valid, invalid: batch.invalid };
}

function contextFor(
  row: InvalidRow,
  protocol: Protocol,
  fields: EventFields,
  suppressed: ReadonlySet<keyof EventFields>,
): RequestContext {
  return {
    protocol,
    receivedAt: row.collector_tstamp,
    // The row says which collector received the event; replay re-validates it, it does not re-collect it.
    collector: row.collector,
    fields,
    suppressed,
    request: () => row.request ?? null,
    maxRawBytes: Number.MAX_SAFE_INTEGER, // raw was cut when the row was first written
  };
}

function fieldsOf(row: InvalidRow): EventFields {
  const values = row as Readonly<Record<string, unknown>>;
  const fields: Record<string, unknown> = {};
  for (const column of FIELD_COLUMNS) {
    const value = values[column];
    if (value !== undefined && value !== null && value !== '') fields[column] = value;
  }
  return fields as EventFields;
}

function enrichmentsOf(row: InvalidRow): Record<string, unknown> {
  const values = row as Readonly<Record<string, unknown>>;
  const columns: Record<string, unknown> = {};
  for (const column of ENRICHMENT_COLUMNS) {
    const value = values[column];
    if (value !== undefined && value !== null) columns[column] = value;
  }
  return columns;
}

/** A UUID (version 5 layout) derived from the row's event id and the event's place in the request. */
export function derivedEventId(eventId: string, index: number): string {
  const bytes = createHash('sha1').update(`sluice-replay:${eventId}#${index}`).digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
