import type { ServerResponse } from 'node:http';
import type { LocalSink } from '../adapters/sink/local-sink.ts';
import { buildRows, type RequestContext } from '../core/collector/event-rows.ts';
import { requestSummary } from '../core/collector/request-summary.ts';
import { COLLECTOR } from '../core/collector-info.ts';
import type { SluiceConfig } from '../core/config/config.ts';
import type { JsonValue } from '../core/contract/rows.ts';
import type { Enricher } from '../core/enrichment/enricher.ts';
import { applyPrivacy } from '../core/privacy/apply-privacy.ts';
import { anonymizeIp } from '../core/privacy/ip-anonymization.ts';
import type { EventFields, InboundRequest, ProtocolAdapter, ProtocolResult } from '../core/protocols/protocol.ts';
import { rejectionIssue } from '../core/protocols/protocol.ts';
import type { EventSink, RowBatch } from '../core/sink/event-sink.ts';
import { SinkOverloadedError } from '../core/sink/in-flight-limiter.ts';
import type { ValidationEngine } from '../core/validation/validation-engine.ts';
import { clientAddress } from './http/client-address.ts';
import { createCorsPolicy, PREFLIGHT_HEADERS } from './http/cors.ts';
import { type HttpAnswer, jsonAnswer, writeAnswer } from './http/http-answer.ts';
import { type FrameworkRequest, toInboundRequest } from './http/inbound-request.ts';
import { localRoute } from './http/local-routes.ts';
import { networkUserId, setCookieHeader } from './http/network-user-cookie.ts';
import { checkPurgeConfig, purgeAnswer } from './http/purge-route.ts';
import { createRequestGuards } from './http/request-guards.ts';
import { createSegmentAuthenticator } from './http/segment-auth.ts';
import { isSegmentSettingsRequest, segmentSettingsAnswer } from './http/segment-settings-route.ts';
import { hasUnreadBody, readUnparsedBody } from './http/unparsed-body.ts';
import { createWebhookAuthenticator } from './http/webhook-auth.ts';
import { describeError, log, logThrottled, payloadFields, withRequestTrace } from './log.ts';

/** Nothing suppressed: shared, so an ordinary request allocates no set. */
const NOTHING_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set();
/** What SP-Anonymous: * keeps out of every row, whatever the sender says. */
const ANONYMOUS_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set(['user_ipaddress', 'network_userid']);

/** An answer and the cookie that goes with it. */
interface Answered {
  readonly answer: HttpAnswer;
  readonly cookie?: string;
}

const SETTLED: Promise<void> = Promise.resolve();
const EMPTY_BODY = Buffer.alloc(0);

/** Seconds a tracker is asked to wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

export interface CollectorParts {
  readonly config: SluiceConfig;
  readonly validation: ValidationEngine;
  readonly sink: EventSink;
  readonly adapters: readonly ProtocolAdapter[];
  /** Set when the sink is the local one: enables the /local routes. */
  readonly localSink?: LocalSink;
  readonly now?: () => Date;
  /** Where webhook secrets are read (`webhooks.auth.*.secret_env`); process.env by default. */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The enrichment step (`enrichments.*`); none adds no columns. */
  readonly enricher?: Enricher;
}

export interface Collector extends CollectorParts {
  handle(request: FrameworkRequest, response: ServerResponse): Promise<void>;
}

/**
 * The collector's HTTP handler. For an event request it finds the protocol adapter, turns the
 * request into rows, and answers 2xx only after the sink has accepted every row: that answer is
 * the tracker's cue to forget the events. If the sink fails the answer is 503 with Retry-After,
 * which every Snowplow tracker retries.
 */
export function createCollector(parts: CollectorParts): Collector {
  const now = parts.now ?? (() => new Date());
  const { config } = parts;
  checkPurgeConfig(config.purge);
  const corsPolicy = createCorsPolicy(config.cors.allowed_origins);
  const segmentAuth = createSegmentAuthenticator(config.segment, config.limits.max_request_bytes);
  const guards = createRequestGuards(
    corsPolicy,
    createWebhookAuthenticator(config.webhooks, parts.env ?? process.env),
    segmentAuth,
  );
  const enricher = parts.enricher?.active ? parts.enricher : undefined;

  /**
   * The answer to a request: at once for the routes that store nothing, as a promise for event
   * requests (the sink is asynchronous). Plain functions rather than async ones on purpose: inside
   * the functions framework every promise runs the domain's and AsyncLocalStorage's async hooks
   * (measured: an async call and await cost 9.1 µs there, 0.09 µs outside), so a request makes as
   * few as the work needs.
   */
  function answerFor(inbound: InboundRequest, ip: string | undefined): Answered | Promise<Answered> {
    const { method, path } = inbound;
    if (method === 'OPTIONS') {
      return {
        answer: corsPolicy.allows(inbound.headers.origin)
          ? { status: 200, headers: PREFLIGHT_HEADERS }
          : jsonAnswer(403, { error: 'forbidden', message: 'origin not in cors.allowed_origins' }),
      };
    }
    if (path === '/health' && (method === 'GET' || method === 'HEAD')) {
      return {
        answer: jsonAnswer(200, {
          status: 'ok',
          collector: COLLECTOR,
          sink: config.sink,
          registries: config.registries,
        }),
      };
    }
    if (path === config.purge.path) return { answer: purgeAnswer(config.purge, parts.validation.cache, inbound) };
    if (isSegmentSettingsRequest(inbound)) return { answer: segmentSettingsAnswer(inbound, segmentAuth) };
    if (parts.localSink && path.startsWith('/local/')) {
      return localRoute(method, path, inbound.query, parts.localSink).then((local) =>
        local ? { answer: local } : eventAnswer(inbound, ip),
      );
    }
    return eventAnswer(inbound, ip);
  }

  function eventAnswer(inbound: InboundRequest, ip: string | undefined): Answered | Promise<Answered> {
    const { method, path } = inbound;
    const adapter = parts.adapters.find((candidate) => candidate.matches(inbound));
    if (!adapter) return { answer: jsonAnswer(404, { error: 'not_found', message: `no route for ${method} ${path}` }) };

    const anonymous = inbound.headers['sp-anonymous'] === '*';
    let result: ProtocolResult;
    let status: number | undefined;
    const refusal = guards.refusal(inbound, adapter.protocol);
    if (refusal) {
      result = refusal;
    } else if (inbound.body.length > config.limits.max_request_bytes) {
      result = oversize(inbound, config.limits.max_request_bytes);
      status = 413;
    } else {
      try {
        result = adapter.handle(inbound);
      } catch (error) {
        // A bug in an adapter: keep the request as an invalid row and say so, never lose it.
        log('ERROR', `protocol adapter ${adapter.protocol} failed on ${method} ${path}`, {
          ...describeError(error),
          ...payloadFields(inbound.body, config.limits.max_raw_bytes),
        });
        result = {
          events: [],
          rejections: [
            {
              errorType: 'protocol_violation',
              issues: rejectionIssue(`the collector failed to read this request: ${String(error)}`, 'internal'),
              raw: rawText(inbound),
            },
          ],
          response: { status: 500, body: 'internal error' },
        };
      }
    }
    if (result.events.length + result.rejections.length > config.limits.max_events_per_request) {
      result = tooManyEvents(inbound, result, config.limits.max_events_per_request);
      status = 413;
    }
    const fullIp = anonymous ? undefined : ip;
    const clientIp = fullIp ? anonymizeIp(fullIp, config.privacy.ip_anonymization) : undefined;
    const nuid =
      result.trackerFacing && config.cookie.enabled && !anonymous
        ? networkUserId(inbound.headers.cookie, config.cookie)
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
      suppressed: anonymous ? ANONYMOUS_SUPPRESSED : NOTHING_SUPPRESSED,
      // A refused sender's query string is its data as much as a body is: not kept either.
      request: () => (summary ??= requestSummary(refusal ? { ...inbound, rawQuery: '' } : inbound)),
      maxRawBytes: config.limits.max_raw_bytes,
    };
    const answered = answerer(result.response, status, nuid);
    // Built without a promise when every schema is in memory (see buildRows).
    const built = buildRows(result.events, result.rejections, parts.validation.validator, context);
    // Enriched before privacy is applied: geo needs the whole address, which is then truncated.
    const store = (rows: RowBatch): Promise<Answered> => {
      enricher?.enrich(rows, { clientIp: fullIp, storedIp: clientIp });
      return publishThen(applyPrivacy(rows, config.privacy), answered);
    };
    // A database still downloading at start-up (gs://) holds the rows back until it is in.
    const enrichThenStore = (rows: RowBatch): Promise<Answered> =>
      enricher?.ready ? enricher.ready.then(() => store(rows)) : store(rows);
    return built instanceof Promise ? built.then(enrichThenStore) : enrichThenStore(built);
  }

  /**
   * What answers the request once its rows are published. Made here, not inline in answerFor:
   * a closure keeps its whole scope alive, and while Pub/Sub answers, that would keep the request's
   * body and parsed events in memory with it (see publishThen).
   */
  function answerer(
    response: ProtocolResult['response'],
    status: number | undefined,
    nuid: string | undefined,
  ): () => Answered {
    return () => {
      const answer: HttpAnswer = { ...response, status: status ?? response.status };
      return nuid ? { answer, cookie: setCookieHeader(nuid, config.cookie, now()) } : { answer };
    };
  }

  /** Publishes the request's rows; only once the sink has accepted all of them is the answer 2xx. */
  function publishThen(batch: RowBatch, answered: () => Answered): Promise<Answered> {
    let published: Promise<void>;
    try {
      published = parts.sink.publish(batch);
    } catch (error) {
      published = Promise.reject(error);
    }
    // Counted now, so that the rows are not kept in memory while Pub/Sub answers: with a slow
    // Pub/Sub, every request in flight would hold its parsed events, rows and messages at once.
    const rowCount = batch.valid.length + batch.invalid.length;
    return published.then(answered, (error: unknown): Answered => {
      // Repeats at request rate during an outage: one line a second says it. Shedding load (the
      // in-flight cap) is the system working as designed: a warning, not an error.
      const overloaded = error instanceof SinkOverloadedError;
      logThrottled(
        overloaded ? 'sink-overloaded' : 'sink-failed',
        overloaded ? 'WARNING' : 'ERROR',
        `could not publish ${rowCount} rows; answering 503`,
        overloaded ? { error: (error as Error).message } : describeError(error),
      );
      return {
        answer: jsonAnswer(
          503,
          { error: 'unavailable', message: 'the events could not be stored; retry later' },
          { 'retry-after': String(RETRY_AFTER_SECONDS) },
        ),
      };
    });
  }

  /** Answers one request whose body is in hand; settles when the answer is written. */
  function serve(request: FrameworkRequest, response: ServerResponse, receivedAt: string, body: Buffer): Promise<void> {
    const inbound = toInboundRequest(request, receivedAt, body);
    const cors = corsPolicy.headers(inbound.headers.origin);
    // The closures below wait for Pub/Sub; they see the method and path, not `inbound`, whose
    // body would otherwise stay in memory until the answer.
    const { method, path } = inbound;
    const fail = (error: unknown): void => {
      log('ERROR', `unexpected failure on ${method} ${path}`, describeError(error));
      if (!response.headersSent)
        writeAnswer(response, method, jsonAnswer(500, { error: 'internal', message: 'internal error' }), cors);
    };
    const write = ({ answer, cookie }: Answered): void => {
      try {
        writeAnswer(response, method, answer, cookie ? { ...cors, 'set-cookie': cookie } : cors);
      } catch (error) {
        fail(error);
      }
    };
    let answered: Answered | Promise<Answered>;
    try {
      // Not request.ip: with "trust proxy" on, Express takes the left-most X-Forwarded-For entry,
      // which any client can write (see client-address.ts).
      const ip = clientAddress(
        inbound.headers['x-forwarded-for'],
        request.socket?.remoteAddress,
        config.client_ip.trusted_hops,
      );
      answered = withRequestTrace(inbound.headers, answerFor, inbound, ip);
    } catch (error) {
      fail(error);
      return SETTLED;
    }
    if (!(answered instanceof Promise)) {
      write(answered);
      return SETTLED;
    }
    return answered.then(write, fail);
  }

  return {
    ...parts,
    handle(request, response) {
      const receivedAt = now().toISOString();
      if (request.rawBody !== undefined) return serve(request, response, receivedAt, request.rawBody);
      if (!hasUnreadBody(request)) return serve(request, response, receivedAt, EMPTY_BODY);
      return readUnparsedBody(request, config.limits.max_request_bytes).then((body) =>
        serve(request, response, receivedAt, body),
      );
    },
  };
}

/** A body over the limit is not read; its first bytes are kept so the sender can be found. */
function oversize(inbound: InboundRequest, limit: number): ProtocolResult {
  return {
    events: [],
    rejections: [
      {
        errorType: 'size_exceeded',
        issues: rejectionIssue(
          `the request body is ${inbound.body.length} bytes, over the limit of ${limit} (limits.max_request_bytes)`,
          'size',
        ),
        raw: rawText(inbound),
      },
    ],
    response: {
      status: 413,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `request body over ${limit} bytes`,
    },
  };
}

/** A batch over limits.max_events_per_request becomes one row: each event would cost a row, a validation and a message. */
function tooManyEvents(inbound: InboundRequest, result: ProtocolResult, limit: number): ProtocolResult {
  const count = result.events.length + result.rejections.length;
  const message = `the request carries ${count} events, over the limit of ${limit} (limits.max_events_per_request); send smaller batches`;
  return {
    events: [],
    rejections: [{ errorType: 'size_exceeded', issues: rejectionIssue(message, 'maxItems'), raw: rawText(inbound) }],
    response: { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message },
  };
}

function rawText(inbound: InboundRequest): string {
  // The row keeps at most limits.max_raw_bytes; decode no more than a little over that.
  const head = inbound.body.subarray(0, 64 * 1024).toString('utf8');
  return inbound.body.length > 0 ? head : inbound.rawQuery;
}
