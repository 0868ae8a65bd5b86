import type { InboundRequest, ProtocolResult } from '../protocols/protocol.ts';
import { rejectionIssue } from '../protocols/protocol.ts';
import { requestRawText } from './request-raw-text.ts';

/**
 * What a protocol adapter that threw leaves of the request: a bug in the adapter, so the request
 * is kept as one invalid row saying so and answered 500, never lost.
 */
export function adapterFailure(inbound: InboundRequest, error: unknown): ProtocolResult {
  return {
    events: [],
    rejections: [
      {
        errorType: 'protocol_violation',
        issues: rejectionIssue(`the collector failed to read this request: ${String(error)}`, 'internal'),
        raw: requestRawText(inbound),
      },
    ],
    response: { status: 500, body: 'internal error' },
  };
}
