/**
 * CORS for browser trackers. They send credentials (the network user id cookie), so the answer
 * must name the request's origin rather than `*`, and allow credentials. Preflights may ask for
 * Content-Type (JSON POSTs) and SP-Anonymous (the tracker's anonymous mode).
 */
export function corsHeaders(origin: string | undefined): Record<string, string> {
  if (origin === undefined || origin === '') return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  };
}

export const PREFLIGHT_HEADERS: Readonly<Record<string, string>> = {
  'access-control-allow-methods': 'GET, POST, HEAD, OPTIONS',
  'access-control-allow-headers': 'Content-Type, SP-Anonymous',
  'access-control-max-age': '86400',
};
