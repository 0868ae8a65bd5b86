import { truncate } from '../../text.ts';
import { reject } from '../json-body.ts';
import { mediaTypeOf } from '../media-type.ts';
import type { InboundRequest } from '../protocol.ts';
import { readBinary } from './binary-mode.ts';
import { BATCH_MEDIA_TYPE, type EnvelopeOrRejection, failure, STRUCTURED_MEDIA_TYPE } from './envelope.ts';
import { readBatch, readStructured } from './structured-mode.ts';

/** The request's events as received, in the content mode its headers say (see cloudevents.ts). */
export function readEnvelopes(request: InboundRequest): EnvelopeOrRejection[] {
  const contentType = request.headers['content-type'];
  const mediaType = mediaTypeOf(contentType);
  if (mediaType === BATCH_MEDIA_TYPE) return readBatch(request.body);
  if (mediaType === STRUCTURED_MEDIA_TYPE) return [readStructured(request.body)];
  if (mediaType.startsWith('application/cloudevents')) {
    return [
      failure(
        reject(
          'protocol_violation',
          `event format ${JSON.stringify(truncate(mediaType, 80))} is not supported; send ${STRUCTURED_MEDIA_TYPE} or ${BATCH_MEDIA_TYPE}`,
          request.body.toString('utf8'),
          'contentType',
        ),
      ),
    ];
  }
  if (Object.keys(request.headers).some((name) => name.startsWith('ce-'))) return [readBinary(request)];
  return [
    failure(
      reject(
        'protocol_violation',
        `not a CloudEvent: send ce-* headers (binary mode), Content-Type ${STRUCTURED_MEDIA_TYPE} (structured mode) ` +
          `or ${BATCH_MEDIA_TYPE} (batch mode); got ${contentType === undefined ? 'no Content-Type' : `Content-Type ${JSON.stringify(truncate(contentType, 80))}`} and no ce-* header`,
        request.body.toString('utf8'),
        'contentType',
      ),
    ),
  ];
}
