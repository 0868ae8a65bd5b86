import type { SegmentConfig } from '../../core/config/config.ts';
import type { InboundRequest } from '../../core/protocols/protocol.ts';
import { segmentWriteKey } from '../../core/protocols/segment-write-key.ts';
import { sameText } from './constant-time.ts';

/**
 * `segment.write_keys`: which write keys the Segment routes accept. Empty accepts any key (and
 * none), as a collector that trusts its network would. Otherwise the request must present one of
 * them (see segment-write-key.ts for where it is read); a refused request is answered 401 and
 * recorded as an `unauthorized` row without its body (request-guards.ts).
 *
 * Write keys are not secrets in the strict sense (browsers ship them in page source), but they
 * are compared in constant time all the same, like every credential a request presents.
 */
export type WriteKeyCheck = { readonly ok: true } | { readonly ok: false; readonly reason: string };

export interface SegmentAuthenticator {
  /** Whether any key is accepted (no check, and no body parsed for a key). */
  readonly open: boolean;
  check(request: InboundRequest): WriteKeyCheck;
  /** Whether `key` is accepted (the settings route asks this). */
  accepts(key: string): boolean;
}

/** How much of a key an error message shows: enough to tell keys apart, not to use one. */
const SHOWN_KEY_CHARACTERS = 4;

export function createSegmentAuthenticator(config: SegmentConfig, maxBodyBytes: number): SegmentAuthenticator {
  const keys = config.write_keys;
  const open = keys.length === 0;
  // Every configured key is compared, so the time taken does not say which one matched.
  const accepts = (key: string): boolean =>
    open || keys.reduce((found, candidate) => sameText(key, candidate) || found, false);
  return {
    open,
    accepts,
    check(request) {
      if (open) return { ok: true };
      const key = segmentWriteKey(request, maxBodyBytes);
      if (key === undefined) {
        return {
          ok: false,
          reason:
            'no Segment write key: send it as the HTTP Basic user (Authorization: Basic base64(<key>:)) or as "writeKey" in the body; segment.write_keys lists the keys accepted',
        };
      }
      if (!accepts(key)) {
        const shown = `${key.slice(0, SHOWN_KEY_CHARACTERS)}…`;
        return {
          ok: false,
          reason: `Segment write key ${JSON.stringify(shown)} is not in segment.write_keys; add it there, or configure the SDK with an accepted key`,
        };
      }
      return { ok: true };
    },
  };
}
