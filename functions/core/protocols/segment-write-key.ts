import { isJsonObject } from '../json-object.ts';
import type { InboundRequest } from './protocol.ts';

/**
 * The write key a Segment request presents. Segment's HTTP API documents two ways: HTTP Basic
 * auth with the key as the user and an empty password (`Authorization: Basic base64(key:)`, what
 * analytics-node and analytics-next send), or `writeKey` in the JSON body (what the browser
 * snippet and some RudderStack SDKs send). The header wins; the body is parsed only when the
 * header names no key, and only up to `maxBodyBytes`.
 */
export function segmentWriteKey(request: InboundRequest, maxBodyBytes: number): string | undefined {
  const fromHeader = basicUser(request.headers.authorization);
  if (fromHeader !== undefined) return fromHeader;
  if (request.body.length === 0 || request.body.length > maxBodyBytes) return undefined;
  let body: unknown;
  try {
    body = JSON.parse(request.body.toString('utf8'));
  } catch {
    return undefined;
  }
  return isJsonObject(body) && typeof body.writeKey === 'string' && body.writeKey !== '' ? body.writeKey : undefined;
}

const BASIC = /^basic\s+([A-Za-z0-9+/=_-]+)\s*$/i;

/** The user of an HTTP Basic credential (everything before the first colon), if any. */
function basicUser(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = BASIC.exec(header);
  if (!match) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon === -1 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}
