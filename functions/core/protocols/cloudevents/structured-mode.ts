import { decodeBase64 } from '../base64.ts';
import {
  bodyText,
  describeJsonType,
  isJsonObject,
  type Parsed,
  parseJson,
  parseJsonParts,
  reject,
} from '../json-body.ts';
import { BATCH_MEDIA_TYPE, type EnvelopeOrRejection, type EventData, failure } from './envelope.ts';
import { decodeData } from './event-data.ts';

/** Structured mode: the body is one event in the JSON format. */
export function readStructured(body: Buffer): EnvelopeOrRejection {
  const what = 'the structured-mode CloudEvent';
  const text = bodyText(body, what);
  if (!text.ok) return failure(text);
  const parsed = parseJson(text.value, what);
  if (!parsed.ok) return failure(parsed);
  if (Array.isArray(parsed.value)) {
    return failure(
      reject(
        'protocol_violation',
        `a structured-mode body holds one event object, not an array; send arrays with Content-Type ${BATCH_MEDIA_TYPE}`,
        text.value,
      ),
    );
  }
  return fromJsonFormat(parsed.value, text.value, '$');
}

/** Batch mode: the body is a JSON array of events in the JSON format, each read on its own, so that one bad event is rejected alone. */
export function readBatch(body: Buffer): EnvelopeOrRejection[] {
  const parsed = parseJsonParts(body, 'the CloudEvents batch');
  if (!parsed.ok) return [failure(parsed)];
  if (!parsed.value.isArray) {
    const [only] = parsed.value.parts;
    return [
      failure(reject('protocol_violation', 'a batch-mode body must be a JSON array of CloudEvents', only?.raw ?? '')),
    ];
  }
  return parsed.value.parts.map((part) =>
    part.parsed.ok ? fromJsonFormat(part.parsed.value, part.raw, part.path) : failure(part.parsed),
  );
}

/** An event in the JSON format: every member but `data` / `data_base64` is an attribute. */
function fromJsonFormat(value: unknown, raw: string, path: string): EnvelopeOrRejection {
  if (!isJsonObject(value)) {
    return failure(
      reject(
        'protocol_violation',
        `a CloudEvent in the JSON format must be an object, got ${describeJsonType(value)}`,
        raw,
        'type',
        path,
      ),
    );
  }
  const attributes = Object.fromEntries(
    Object.entries(value).filter(([name]) => name !== 'data' && name !== 'data_base64'),
  );
  return { attributes, data: jsonFormatData(value, path), raw, path };
}

function jsonFormatData(event: Readonly<Record<string, unknown>>, path: string): Parsed<EventData> {
  const { data, data_base64: base64 } = event;
  const contentType = typeof event.datacontenttype === 'string' ? event.datacontenttype : undefined;
  const hasBase64 = base64 !== undefined && base64 !== null;
  if (hasBase64 && data !== undefined) {
    return reject(
      'protocol_violation',
      'the event has both data and data_base64; the JSON format allows one of them',
      '',
      'data',
      path,
    );
  }
  if (!hasBase64) return { ok: true, value: { value: data === undefined ? null : data } };
  const bytes = typeof base64 === 'string' ? decodeBase64(base64) : undefined;
  if (bytes === undefined) {
    return reject(
      'unparseable',
      'data_base64 is not base64 (RFC 4648, alphabet A-Z a-z 0-9 + /)',
      '',
      'contentEncoding',
      `${path}.data_base64`,
    );
  }
  return decodeData(bytes, contentType, 'data_base64', `${path}.data_base64`);
}
