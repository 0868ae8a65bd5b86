import type { SegmentConfig } from '../config/config.ts';
import { isJsonObject } from '../json-object.ts';
import { MAX_BATCH_ELEMENTS } from '../limits.ts';
import { describeJsonType, parseJsonBody, reject } from './json-body.ts';
import type {
  EventCandidate,
  InboundRequest,
  ProtocolAdapter,
  ProtocolResponse,
  ProtocolResult,
  Rejection,
} from './protocol.ts';
import { readSegmentCall, type SegmentCallContext, withoutWriteKey } from './segment-call.ts';
import { createSegmentPlan, type SegmentCallType } from './segment-plan.ts';

/**
 * Segment's HTTP Tracking API, as Segment's libraries (analytics-node, analytics-next) and
 * RudderStack's call it: `POST /v1/batch` with `{"batch": [call, ...]}`, or one call per request
 * on `/v1/track`, `/v1/page`, `/v1/screen`, `/v1/identify`, `/v1/group`, `/v1/alias` (the route
 * gives the call's type). Each route has the one-letter form analytics-next posts to (`/v1/t`, and
 * `/v1/b` for its batching mode). One row per call; see segment-call.ts for what maps where.
 *
 * A batch's own `context`, `integrations` and `sentAt` apply to each of its calls (a call's own
 * values win), as Segment's batch endpoint documents. The write key (`segment.write_keys`) is
 * checked before the body is read as events: see app/http/segment-auth.ts.
 *
 * The answer is Segment's, `200 {"success":true}`, once the rows are stored; a request from
 * which no call could be read at all (not JSON, not an object, no `batch` array, no valid call)
 * is answered `400` with the reason, which SDKs do not retry. Its rows are stored all the same.
 */
export const SEGMENT_ROUTES: Readonly<Record<string, SegmentCallType | 'batch'>> = {
  '/v1/batch': 'batch',
  '/v1/b': 'batch',
  '/v1/track': 'track',
  '/v1/t': 'track',
  '/v1/page': 'page',
  '/v1/p': 'page',
  '/v1/screen': 'screen',
  '/v1/s': 'screen',
  '/v1/identify': 'identify',
  '/v1/i': 'identify',
  '/v1/group': 'group',
  '/v1/g': 'group',
  '/v1/alias': 'alias',
  '/v1/a': 'alias',
};

/** Batch members that apply to every call of the batch. */
const SHARED_MEMBERS = ['context', 'integrations', 'sentAt'] as const;

const JSON_HEADERS: Readonly<Record<string, string>> = { 'content-type': 'application/json; charset=utf-8' };
const SUCCESS: ProtocolResponse = { status: 200, headers: JSON_HEADERS, body: '{"success":true}' };

/** Error types that mean the request itself was not a Segment request. */
const CLIENT_ERRORS: ReadonlySet<Rejection['errorType']> = new Set([
  'unparseable',
  'protocol_violation',
  'size_exceeded',
]);

export function isSegmentRoute(path: string): boolean {
  return Object.hasOwn(SEGMENT_ROUTES, path);
}

export function createSegmentAdapter(config: SegmentConfig): ProtocolAdapter {
  const plan = createSegmentPlan(config);
  return {
    protocol: 'segment',
    matches: (request) => request.method === 'POST' && isSegmentRoute(request.path),
    handle(request) {
      const context: SegmentCallContext = { plan, appId: config.app_id, receivedAt: request.receivedAt };
      return handleSegment(request, SEGMENT_ROUTES[request.path] as SegmentCallType | 'batch', context);
    },
  };
}

function handleSegment(
  request: InboundRequest,
  route: SegmentCallType | 'batch',
  context: SegmentCallContext,
): ProtocolResult {
  const events: EventCandidate[] = [];
  const rejections: Rejection[] = [];
  const add = (outcome: EventCandidate | Rejection): void => {
    if ('errorType' in outcome) rejections.push(outcome);
    else events.push(outcome);
  };
  const body = parseJsonBody(request.body, 'the Segment request body');
  if (!body.ok) {
    add(body.rejection);
  } else if (!isJsonObject(body.value)) {
    const expected = route === 'batch' ? '{"batch": [call, ...]}' : `one ${route} call`;
    add(
      reject(
        'protocol_violation',
        `the Segment request body must be a JSON object (${expected}), got ${describeJsonType(body.value)}`,
        request.body.toString('utf8'),
        'type',
      ).rejection,
    );
  } else if (route !== 'batch') {
    add(readSegmentCall(body.value, route, context, '$'));
  } else {
    readBatch(body.value, request, context, add);
  }
  return { events, rejections, response: answerFor(events, rejections) };
}

function readBatch(
  body: Record<string, unknown>,
  request: InboundRequest,
  context: SegmentCallContext,
  add: (outcome: EventCandidate | Rejection) => void,
): void {
  const batch = body.batch;
  if (!Array.isArray(batch)) {
    add(
      reject(
        'protocol_violation',
        `a Segment batch needs "batch": an array of calls; got ${batch === undefined ? 'none' : describeJsonType(batch)}`,
        JSON.stringify(withoutWriteKey(body)),
        'required',
        '$.batch',
      ).rejection,
    );
    return;
  }
  if (batch.length > MAX_BATCH_ELEMENTS) {
    add(
      reject(
        'size_exceeded',
        `the Segment batch holds ${batch.length} calls, more than ${MAX_BATCH_ELEMENTS}; send smaller batches`,
        JSON.stringify(withoutWriteKey(body)),
        'maxItems',
        '$.batch',
      ).rejection,
    );
    return;
  }
  const shared = SHARED_MEMBERS.filter((name) => body[name] !== undefined);
  batch.forEach((call, index) => {
    add(
      readSegmentCall(
        shared.length === 0 ? call : withShared(call, body, shared),
        undefined,
        context,
        `$.batch[${index}]`,
      ),
    );
  });
}

/** The call with the batch's context, integrations and sentAt where it has none of its own. */
function withShared(call: unknown, body: Record<string, unknown>, shared: readonly string[]): unknown {
  if (!isJsonObject(call)) return call;
  const merged: Record<string, unknown> = { ...call };
  for (const name of shared) {
    const own = call[name];
    const common = body[name];
    if (own === undefined) merged[name] = common;
    else if (isJsonObject(own) && isJsonObject(common)) merged[name] = { ...common, ...own };
  }
  return merged;
}

/** 200 when a call was read (or there were none); 400 with the reason when nothing could be. */
function answerFor(events: readonly EventCandidate[], rejections: readonly Rejection[]): ProtocolResponse {
  if (events.length > 0 || rejections.length === 0 || !rejections.every((r) => CLIENT_ERRORS.has(r.errorType)))
    return SUCCESS;
  const reason = rejections[0]?.issues[0]?.message ?? 'the request holds no Segment call';
  return { status: 400, headers: JSON_HEADERS, body: JSON.stringify({ success: false, message: reason }) };
}
