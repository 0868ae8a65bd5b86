import { COLLECTOR } from '../collector-info.ts';
import type { LimitsConfig, PrivacyConfig } from '../config/config.ts';
import type { Protocol } from '../contract/columns.ts';
import type { JsonValue } from '../contract/rows.ts';
import type { Enricher } from '../enrichment/enricher.ts';
import { isAnonymous, suppressedColumns } from '../privacy/anonymous-request.ts';
import { applyPrivacy } from '../privacy/apply-privacy.ts';
import { anonymizeIp } from '../privacy/ip-anonymization.ts';
import type {
  EventFields,
  InboundRequest,
  ProtocolAdapter,
  ProtocolResponse,
  ProtocolResult,
} from '../protocols/protocol.ts';
import type { EventSink, RowBatch } from '../sink/event-sink.ts';
import type { EventValidator } from '../validation/event-validator.ts';
import { adapterFailure } from './adapter-failure.ts';
import { buildRows, type RequestContext } from './event-rows.ts';
import { oversize, tooManyEvents } from './request-limits.ts';
import { requestSummary } from './request-summary.ts';

/**
 * How collecting one request ended, which decides the answer:
 * - `no_route`: no protocol adapter serves the method and path; nothing was stored;
 * - `stored`: the sink accepted every row; `response` is the protocol's answer (or the 413 of a
 *   request over a limit, the 401/403 of a refused sender, the 500 of an adapter that failed), and
 *   `networkUserId` the id the answer's cookie carries, when the request gets one;
 * - `not_stored`: the sink failed or shed the rows; the sender must retry.
 */
export type CollectOutcome =
  | { readonly kind: 'no_route'; readonly method: string; readonly path: string }
  | { readonly kind: 'stored'; readonly response: ProtocolResponse; readonly networkUserId: string | undefined }
  | { readonly kind: 'not_stored'; readonly rowCount: number; readonly error: unknown };

/** What the pipeline needs from the world: everything with an effect or a transport comes in here. */
export interface CollectPorts<Answer> {
  /** Tried in order; the first whose `matches` accepts the request reads it. */
  readonly adapters: readonly ProtocolAdapter[];
  readonly validator: EventValidator;
  readonly sink: Pick<EventSink, 'publish'>;
  /** The enrichment step; none (or an inactive one) adds no columns. */
  readonly enricher?: Enricher | undefined;
  readonly limits: Pick<LimitsConfig, 'max_request_bytes' | 'max_events_per_request' | 'max_raw_bytes'>;
  readonly privacy: PrivacyConfig;
  /** Who may send: the refusal (one `unauthorized` rejection and its answer) of a sender not allowed. */
  readonly refusal?: ((request: InboundRequest, protocol: Protocol) => ProtocolResult | undefined) | undefined;
  /** The network user id of a tracker-facing request (read from its cookie or made anew); none when the cookie is off. */
  readonly networkUserId?: ((request: InboundRequest) => string) | undefined;
  /** Told when a protocol adapter throws (a bug); the request is kept as an invalid row all the same. */
  readonly onAdapterFailure?: ((protocol: Protocol, request: InboundRequest, error: unknown) => void) | undefined;
  /**
   * Turns the outcome into the caller's answer. Called by the pipeline rather than after it, so
   * that a request whose rows are published makes no promise beyond the sink's own (see collect).
   */
  readonly answer: (outcome: CollectOutcome) => Answer;
}

export interface CollectPipeline<Answer> {
  /**
   * Collects one request: finds its protocol adapter, applies the limits, reads its events, builds
   * and validates the rows, enriches them, applies privacy and publishes them. `clientIp` is the
   * client's address as the transport established it (never set for SP-Anonymous requests' rows).
   *
   * The answer comes at once when nothing needs waiting for (no route), else as a promise that
   * settles once the sink has answered. Plain functions rather than async ones on purpose: inside
   * the functions framework every promise runs the domain's and AsyncLocalStorage's async hooks
   * (an async call and await costs about a hundred times what it does outside the framework), so a
   * request makes as few as the work needs.
   */
  collect(inbound: InboundRequest, clientIp: string | undefined): Answer | Promise<Answer>;
}

/**
 * The collector's request pipeline, transport-neutral: from an inbound request to the rows to
 * publish and the outcome that decides the answer. The answer is `stored` only after the sink has
 * accepted every row: that answer is the tracker's cue to forget the events.
 */
export function createCollectPipeline<Answer>(ports: CollectPorts<Answer>): CollectPipeline<Answer> {
  const { adapters, validator, sink, limits, privacy, answer } = ports;
  const enricher = ports.enricher?.active ? ports.enricher : undefined;

  function collect(inbound: InboundRequest, ip: string | undefined): Answer | Promise<Answer> {
    const adapter = adapters.find((candidate) => candidate.matches(inbound));
    if (!adapter) return answer({ kind: 'no_route', method: inbound.method, path: inbound.path });

    const anonymous = isAnonymous(inbound.headers);
    let result: ProtocolResult;
    let status: number | undefined;
    const refusal = ports.refusal?.(inbound, adapter.protocol);
    if (refusal) {
      result = refusal;
    } else if (inbound.body.length > limits.max_request_bytes) {
      result = oversize(inbound, limits.max_request_bytes);
      status = 413;
    } else {
      try {
        result = adapter.handle(inbound);
      } catch (error) {
        // A bug in an adapter: keep the request as an invalid row and say so, never lose it.
        ports.onAdapterFailure?.(adapter.protocol, inbound, error);
        result = adapterFailure(inbound, error);
      }
    }
    if (result.events.length + result.rejections.length > limits.max_events_per_request) {
      result = tooManyEvents(inbound, result, limits.max_events_per_request);
      status = 413;
    }
    const fullIp = anonymous ? undefined : ip;
    const clientIp = fullIp ? anonymizeIp(fullIp, privacy.ip_anonymization) : undefined;
    const nuid =
      result.trackerFacing && ports.networkUserId !== undefined && !anonymous
        ? ports.networkUserId(inbound)
        : undefined;
    const fields: EventFields = {
      ...(inbound.headers['user-agent'] ? { useragent: inbound.headers['user-agent'] } : {}),
      // Anonymized here once for the request, so that its rows need no copy in applyPrivacy
      // (which still sees to addresses a tracker sent itself, e.g. Snowplow's ip=).
      ...(clientIp ? { user_ipaddress: clientIp } : {}),
      ...(nuid ? { network_userid: nuid } : {}),
    };
    let summary: JsonValue | undefined;
    const context: RequestContext = {
      protocol: adapter.protocol,
      receivedAt: inbound.receivedAt,
      collector: COLLECTOR,
      fields,
      suppressed: suppressedColumns(anonymous),
      // A refused sender's query string is its data as much as a body is: not kept either.
      request: () => (summary ??= requestSummary(refusal ? { ...inbound, rawQuery: '' } : inbound)),
      maxRawBytes: limits.max_raw_bytes,
    };
    const stored = storedAnswer(result.response, status, nuid);
    // Built without a promise when every schema is in memory (see buildRows).
    const built = buildRows(result.events, result.rejections, validator, context);
    // Enriched before privacy is applied: geo needs the whole address, which is then truncated.
    const store = (rows: RowBatch): Promise<Answer> => {
      const enriched = enricher ? enricher.enrich(rows, { clientIp: fullIp, storedIp: clientIp }) : rows;
      return publishThen(applyPrivacy(enriched, privacy), stored);
    };
    // A database still downloading at start-up (gs://) holds the rows back until it is in.
    const enrichThenStore = (rows: RowBatch): Promise<Answer> =>
      enricher?.ready ? enricher.ready.then(() => store(rows)) : store(rows);
    return built instanceof Promise ? built.then(enrichThenStore) : enrichThenStore(built);
  }

  /**
   * What answers the request once its rows are published. Made here, not inline in collect: a
   * closure keeps its whole scope alive, and while Pub/Sub answers, that would keep the request's
   * body and parsed events in memory with it (see publishThen).
   */
  function storedAnswer(
    response: ProtocolResponse,
    status: number | undefined,
    nuid: string | undefined,
  ): () => Answer {
    return () =>
      answer({ kind: 'stored', response: { ...response, status: status ?? response.status }, networkUserId: nuid });
  }

  /** Publishes the request's rows; only once the sink has accepted all of them is the outcome `stored`. */
  function publishThen(batch: RowBatch, stored: () => Answer): Promise<Answer> {
    let published: Promise<void>;
    try {
      published = sink.publish(batch);
    } catch (error) {
      published = Promise.reject(error);
    }
    // Counted now, so that the rows are not kept in memory while Pub/Sub answers: with a slow
    // Pub/Sub, every request in flight would hold its parsed events, rows and messages at once.
    const rowCount = batch.valid.length + batch.invalid.length;
    return published.then(stored, (error: unknown) => answer({ kind: 'not_stored', rowCount, error }));
  }

  return { collect };
}
