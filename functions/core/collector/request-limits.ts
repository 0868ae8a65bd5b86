import type { InboundRequest, ProtocolResult } from '../protocols/protocol.ts';
import { rejectionIssue } from '../protocols/protocol.ts';
import { requestRawText } from './request-raw-text.ts';

/** A body over the limit is not read; its first bytes are kept so the sender can be found. */
export function oversize(inbound: InboundRequest, limit: number): ProtocolResult {
  return {
    events: [],
    rejections: [
      {
        errorType: 'size_exceeded',
        issues: rejectionIssue(
          `the request body is ${inbound.body.length} bytes, over the limit of ${limit} (limits.max_request_bytes)`,
          'size',
        ),
        raw: requestRawText(inbound),
      },
    ],
    response: {
      status: 413,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `request body over ${limit} bytes`,
    },
  };
}

/** A batch over limits.max_events_per_request becomes one row: each event would cost a row, a validation and a message. */
export function tooManyEvents(inbound: InboundRequest, result: ProtocolResult, limit: number): ProtocolResult {
  const count = result.events.length + result.rejections.length;
  const message = `the request carries ${count} events, over the limit of ${limit} (limits.max_events_per_request); send smaller batches`;
  return {
    events: [],
    rejections: [
      { errorType: 'size_exceeded', issues: rejectionIssue(message, 'maxItems'), raw: requestRawText(inbound) },
    ],
    response: { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: message },
  };
}
