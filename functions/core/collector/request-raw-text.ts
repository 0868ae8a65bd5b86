import { MAX_RAW_BYTES_CEILING } from '../limits.ts';
import type { InboundRequest } from '../protocols/protocol.ts';

/**
 * The `raw` of an invalid row that stands for the whole request: the start of its body, or its
 * query string when it has no body.
 */
export function requestRawText(inbound: InboundRequest): string {
  // The row keeps at most limits.max_raw_bytes; decode no more than a little over that.
  const head = inbound.body.subarray(0, MAX_RAW_BYTES_CEILING).toString('utf8');
  return inbound.body.length > 0 ? head : inbound.rawQuery;
}
