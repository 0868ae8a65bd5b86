import type { Parsed } from '../json-body.ts';
import type { InboundRequest } from '../protocol.ts';
import type { Envelope, EventData } from './envelope.ts';
import { decodeData } from './event-data.ts';

/** Binary mode: attributes from `ce-*` headers, `Content-Type` as `datacontenttype`, the body as data. */
export function readBinary(request: InboundRequest): Envelope {
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
