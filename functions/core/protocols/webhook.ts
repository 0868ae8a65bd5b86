import type { JsonValue } from '../contract/rows.ts';
import { describeJsonType, isJsonObject, parseJsonParts, reject } from './json-body.ts';
import type { EventCandidate, InboundRequest, ProtocolAdapter, ProtocolResult, Rejection } from './protocol.ts';
import { queryObject } from './query-object.ts';
import { schemaFromPath } from './schema-path.ts';
import { okResponse } from './text-response.ts';

/**
 * Webhooks from third-party services, which post JSON in a shape of their own choosing:
 *
 * - `POST /webhook/<vendor>/<name>/jsonschema/<model>-<revision>-<addition>` validates each event
 *   against the schema the path names;
 * - `POST /webhook` uses {@link DEFAULT_WEBHOOK_SCHEMA}, which accepts any object, so that a
 *   service can be connected before its schema is written and nothing it sends is lost.
 *
 * A JSON object is one event, an array one event per element (each an object). Anything else is a
 * protocol violation: a webhook event is an object.
 *
 * Many services say what happened in headers rather than in the body (`X-GitHub-Event`,
 * `X-Shopify-Topic`, delivery ids), so `x-*` headers are kept in `source.headers`, and the query
 * parameters in `source.query`. Infrastructure headers and anything named like a credential
 * (tokens, signatures, keys) are left out, from both: the rows are read by people who must not
 * see secrets.
 */
export const WEBHOOK_PREFIX = '/webhook';

/** The built-in schema of `POST /webhook` (shipped in `schemas/`): any JSON object. */
export const DEFAULT_WEBHOOK_SCHEMA = 'iglu:dev.sluice/webhook/jsonschema/1-0-0';

/** Names that suggest a secret: their values are never stored. */
const CREDENTIAL_NAME = /auth|token|secret|signature|password|passwd|key|cookie|session|credential/i;

/** Headers added by proxies and Google's front ends, which say nothing about the event. */
const INFRASTRUCTURE_HEADER = /^x-(forwarded-|real-ip$|cloud-trace-context$|appengine-|goog-|envoy-|request-id$|amzn-)/;

export function createWebhookAdapter(): ProtocolAdapter {
  return {
    protocol: 'webhook',
    matches: (request) =>
      request.method === 'POST' && (request.path === WEBHOOK_PREFIX || request.path.startsWith(`${WEBHOOK_PREFIX}/`)),
    handle: handleWebhook,
  };
}

function handleWebhook(request: InboundRequest): ProtocolResult {
  const events: EventCandidate[] = [];
  const rejections: Rejection[] = [];
  const result = (): ProtocolResult => ({ events, rejections, response: okResponse() });
  const source = webhookSource(request);
  const withSource = (rejection: Rejection): Rejection => (source === undefined ? rejection : { ...rejection, source });

  const named =
    request.path === WEBHOOK_PREFIX
      ? { ok: true as const, schema: DEFAULT_WEBHOOK_SCHEMA }
      : schemaFromPath(request.path, WEBHOOK_PREFIX);
  if (!named.ok) {
    rejections.push(
      withSource(
        reject(
          'protocol_violation',
          `${named.message}; or post to ${WEBHOOK_PREFIX} to use ${DEFAULT_WEBHOOK_SCHEMA}`,
          request.body.toString('utf8'),
          'path',
        ).rejection,
      ),
    );
    return result();
  }
  const body = parseJsonParts(request.body, 'the webhook body');
  if (!body.ok) {
    rejections.push({ ...withSource(body.rejection), schema: named.schema });
    return result();
  }
  for (const part of body.value.parts) {
    if (!part.parsed.ok) {
      rejections.push({ ...withSource(part.parsed.rejection), schema: named.schema });
    } else if (!isJsonObject(part.parsed.value)) {
      const what = body.value.isArray ? 'each element of a webhook array' : 'a webhook body';
      const message = `${what} must be a JSON object (one event), got ${describeJsonType(part.parsed.value)}`;
      rejections.push({
        ...withSource(reject('protocol_violation', message, part.raw, 'type', part.path).rejection),
        schema: named.schema,
      });
    } else {
      events.push({ schema: named.schema, data: part.parsed.value, ...(source === undefined ? {} : { source }) });
    }
  }
  return result();
}

/** The request's `x-*` headers and query parameters, without infrastructure or credentials. */
function webhookSource(request: InboundRequest): JsonValue | undefined {
  const headers = Object.entries(request.headers).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined &&
      entry[0].startsWith('x-') &&
      !INFRASTRUCTURE_HEADER.test(entry[0]) &&
      !CREDENTIAL_NAME.test(entry[0]),
  );
  const query = Object.entries(queryObject(request.query)).filter(([name]) => !CREDENTIAL_NAME.test(name));
  const source = {
    ...(headers.length === 0 ? {} : { headers: Object.fromEntries(headers) }),
    ...(query.length === 0 ? {} : { query: Object.fromEntries(query) }),
  };
  return Object.keys(source).length === 0 ? undefined : source;
}
