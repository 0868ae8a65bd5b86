import { bodyText, type Parsed, parseJson } from '../json-body.ts';
import { isJsonMediaType, mediaTypeOf } from '../media-type.ts';
import type { EventData } from './envelope.ts';

/**
 * Data bytes (a binary-mode body, decoded `data_base64`) as a value: parsed when the content type
 * is JSON, text when it is something else, and base64 (marked in `source.data_encoding`) when the
 * bytes are not UTF-8 at all. Without a content type the JSON format's default, JSON, is tried
 * first, but unreadable JSON is then kept as text rather than refused: nothing claimed it was JSON.
 */
export function decodeData(
  bytes: Buffer,
  contentType: string | undefined,
  what: string,
  path: string,
): Parsed<EventData> {
  const text = bodyText(bytes, what);
  if (isJsonMediaType(contentType)) {
    if (!text.ok) return text;
    const parsed = parseJson(text.value, `${what} (declared ${mediaTypeOf(contentType)})`, path);
    return parsed.ok ? { ok: true, value: { value: parsed.value } } : parsed;
  }
  if (!text.ok) return { ok: true, value: { value: bytes.toString('base64'), encoding: 'base64' } };
  if (mediaTypeOf(contentType) === '') {
    const parsed = parseJson(text.value, what, path);
    if (parsed.ok) return { ok: true, value: { value: parsed.value } };
  }
  return { ok: true, value: { value: text.value } };
}
