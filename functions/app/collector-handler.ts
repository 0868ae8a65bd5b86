import type { ServerResponse } from 'node:http';
import type { LocalSink } from '../adapters/sink/local-sink.ts';
import { type CollectOutcome, createCollectPipeline } from '../core/collector/collect-pipeline.ts';
import { COLLECTOR } from '../core/collector-info.ts';
import type { SluiceConfig } from '../core/config/config.ts';
import type { Enricher } from '../core/enrichment/enricher.ts';
import type { InboundRequest, ProtocolAdapter } from '../core/protocols/protocol.ts';
import type { EventSink } from '../core/sink/event-sink.ts';
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
 * The collector's HTTP handler: routes the request, reads its body, and answers. The routes that
 * store nothing (preflight, health, purge, Segment settings, /local) are answered here; every other
 * request goes through the collect pipeline (core/collector/collect-pipeline.ts), whose outcome
 * decides the answer: 2xx only after the sink has accepted every row, 503 with Retry-After when it
 * has not, which every Snowplow tracker retries.
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
  const pipeline = createCollectPipeline<Answered>({
    adapters: parts.adapters,
    validator: parts.validation.validator,
    sink: parts.sink,
    enricher: parts.enricher,
    limits: config.limits,
    privacy: config.privacy,
    refusal: guards.refusal,
    networkUserId: config.cookie.enabled
      ? (inbound) => networkUserId(inbound.headers.cookie, config.cookie)
      : undefined,
    onAdapterFailure: (protocol, inbound, error) =>
      log('ERROR', `protocol adapter ${protocol} failed on ${inbound.method} ${inbound.path}`, {
        ...describeError(error),
        ...payloadFields(inbound.body, config.limits.max_raw_bytes),
      }),
    answer: answeredFor,
  });

  /**
   * The answer to a request: at once for the routes that store nothing, as a promise for event
   * requests (the sink is asynchronous). A plain function rather than an async one, as the
   * pipeline's collect is (see there): a request makes as few promises as the work needs.
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
        local ? { answer: local } : pipeline.collect(inbound, ip),
      );
    }
    return pipeline.collect(inbound, ip);
  }

  /** The answer to a request as the pipeline's outcome decides it. */
  function answeredFor(outcome: CollectOutcome): Answered {
    switch (outcome.kind) {
      case 'no_route':
        return {
          answer: jsonAnswer(404, { error: 'not_found', message: `no route for ${outcome.method} ${outcome.path}` }),
        };
      case 'stored': {
        const { response: answer, networkUserId: nuid } = outcome;
        return nuid ? { answer, cookie: setCookieHeader(nuid, config.cookie, now()) } : { answer };
      }
      case 'not_stored': {
        const { error } = outcome;
        // Repeats at request rate during an outage: one line a second says it. Shedding load (the
        // in-flight cap) is the system working as designed: a warning, not an error.
        const overloaded = error instanceof SinkOverloadedError;
        logThrottled(
          overloaded ? 'sink-overloaded' : 'sink-failed',
          overloaded ? 'WARNING' : 'ERROR',
          `could not publish ${outcome.rowCount} rows; answering 503`,
          overloaded ? { error: (error as Error).message } : describeError(error),
        );
        return {
          answer: jsonAnswer(
            503,
            { error: 'unavailable', message: 'the events could not be stored; retry later' },
            { 'retry-after': String(RETRY_AFTER_SECONDS) },
          ),
        };
      }
    }
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
