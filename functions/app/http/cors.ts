/**
 * CORS for browser trackers. They send credentials (the network user id cookie), so the answer
 * must name the request's origin rather than `*`, and allow credentials. Preflights may ask for
 * Content-Type (JSON POSTs), SP-Anonymous (the tracker's anonymous mode), and Authorization and
 * X-Retry-Count, which analytics-next (Segment's browser library) sends with every call: its write
 * key as HTTP Basic auth, and how many times it has retried.
 *
 * `cors.allowed_origins` empty (the default): any origin is echoed, since trackers run on any
 * site that embeds them. Non-empty: only those origins are; a request from another origin gets no
 * CORS headers (the browser then withholds the answer), its preflight is refused, and the
 * collector refuses the request itself (see request-guards.ts), because a browser still sends a
 * "simple" cross-origin POST without asking first.
 */
export interface CorsPolicy {
  /** Whether a request with this Origin header (or none) may be served. */
  allows(origin: string | undefined): boolean;
  /** The CORS headers for an answer to this origin; none for a request without one or refused. */
  headers(origin: string | undefined): Record<string, string>;
}

export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, POST, HEAD, OPTIONS',
  'access-control-allow-headers': 'Content-Type, SP-Anonymous, Authorization, X-Retry-Count',
  'access-control-max-age': '86400',
};

const ORIGIN = /^(https?):\/\/([^/:]+)(?::(\d{1,5}))?$/i;

export function createCorsPolicy(allowedOrigins: readonly string[]): CorsPolicy {
  const rules = allowedOrigins.map((entry) => {
    const match = ORIGIN.exec(entry);
    if (!match)
      throw new RangeError(
        `cors.allowed_origins: ${JSON.stringify(entry)} is not an origin; write scheme://host[:port], e.g. https://shop.example`,
      );
    const host = (match[2] as string).toLowerCase();
    return {
      scheme: (match[1] as string).toLowerCase(),
      wildcard: host.startsWith('*.'),
      host: host.startsWith('*.') ? host.slice(1) : host,
      port: match[3],
    };
  });
  const allows = (origin: string | undefined): boolean => {
    if (origin === undefined || origin === '' || rules.length === 0) return true;
    const match = ORIGIN.exec(origin);
    if (!match) return false; // "null" (sandboxed frames, file://) and anything malformed
    const scheme = (match[1] as string).toLowerCase();
    const host = (match[2] as string).toLowerCase();
    return rules.some(
      (rule) =>
        rule.scheme === scheme &&
        rule.port === match[3] &&
        (rule.wildcard ? host.endsWith(rule.host) && host.length > rule.host.length : host === rule.host),
    );
  };
  return {
    allows,
    headers(origin): Record<string, string> {
      if (origin === undefined || origin === '' || !allows(origin)) return {};
      return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
    },
  };
}
