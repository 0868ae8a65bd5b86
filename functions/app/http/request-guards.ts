import type { Protocol } from '../../core/contract/columns.ts';
import type { InboundRequest, ProtocolResult } from '../../core/protocols/protocol.ts';
import { rejectionIssue } from '../../core/protocols/protocol.ts';
import type { CorsPolicy } from './cors.ts';
import type { SegmentAuthenticator } from './segment-auth.ts';
import type { WebhookAuthenticator } from './webhook-auth.ts';

/**
 * Who may send: checked after the route is known and before the body is read as events. A refused
 * request is still recorded, as one `unauthorized` invalid row, so that a misconfigured sender (a
 * rotated secret, a new site) shows up in the table instead of silently losing data; but the row
 * keeps no body (`raw` stays empty): what an unauthenticated sender posts is not worth storing and
 * may be an attack. The sender gets 401 (webhook authentication, a Segment write key not in
 * segment.write_keys) or 403 (origin not allowed).
 */
export interface RequestGuards {
  refusal(request: InboundRequest, protocol: Protocol): ProtocolResult | undefined;
}

export function createRequestGuards(
  cors: CorsPolicy,
  webhooks: WebhookAuthenticator,
  segment: SegmentAuthenticator,
): RequestGuards {
  return {
    refusal(request, protocol) {
      const origin = request.headers.origin;
      if (!cors.allows(origin)) {
        return refused(
          403,
          `origin ${JSON.stringify(origin)} is not in cors.allowed_origins; add it there to accept events from that site`,
        );
      }
      if (protocol === 'webhook') {
        const check = webhooks.check(request);
        if (!check.ok) return refused(401, check.reason, check.schema);
      }
      if (protocol === 'segment' && !segment.open) {
        const check = segment.check(request);
        if (!check.ok) return refused(401, check.reason);
      }
      return undefined;
    },
  };
}

function refused(status: 401 | 403, reason: string, schema?: string): ProtocolResult {
  return {
    events: [],
    rejections: [
      {
        errorType: 'unauthorized',
        issues: rejectionIssue(reason, 'auth'),
        ...(schema === undefined ? {} : { schema }),
      },
    ],
    response: {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      // success: false is what Segment's SDKs read; error and message what people read.
      body: JSON.stringify({ success: false, error: status === 401 ? 'unauthorized' : 'forbidden', message: reason }),
    },
  };
}
