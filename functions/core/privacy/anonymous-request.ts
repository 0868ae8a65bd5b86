import type { EventFields } from '../protocols/protocol.ts';

/** Nothing suppressed: shared, so an ordinary request allocates no set. */
export const NOTHING_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set();

/** What `SP-Anonymous: *` keeps out of every row, whatever the sender says. */
export const ANONYMOUS_SUPPRESSED: ReadonlySet<keyof EventFields> = new Set(['user_ipaddress', 'network_userid']);

/**
 * Whether the request asks to be anonymous: Snowplow trackers send `SP-Anonymous: *` when the
 * page has turned off server-side tracking of the client's address and network user id.
 */
export function isAnonymous(headers: Readonly<Record<string, string | undefined>>): boolean {
  return headers['sp-anonymous'] === '*';
}

/** The columns a request's rows must leave empty. */
export function suppressedColumns(anonymous: boolean): ReadonlySet<keyof EventFields> {
  return anonymous ? ANONYMOUS_SUPPRESSED : NOTHING_SUPPRESSED;
}
