import { decodeBase64Url } from './base64.ts';
import { type Parsed, parseJson, reject } from './json-body.ts';

/**
 * Decoding of the tracker parameters that carry JSON: `ue_pr` / `co` hold it as text, `ue_px` /
 * `cx` as base64url (what trackers send when base64 is on: the node tracker always, the browser
 * tracker for GET). base64url comes unpadded from trackers; padded values and the standard `+/`
 * alphabet are accepted too, as hand-written senders and older trackers use them.
 *
 * A failure is a rejection whose `raw` is the parameter exactly as sent (not the decoded text), so
 * that replay starts from what the tracker sent. JSON nested deeper than BigQuery can store is
 * refused here too (`size_exceeded`), before it reaches anything recursive.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * @param name the parameter (`ue_pr`, `ue_px`, `co`, `cx`), named in messages
 * @param base64 whether the value is base64url-encoded JSON rather than JSON text
 * @param path where the parameter is in the request, for the issue (`$.ue_px`, `$.data[2].cx`)
 */
export function decodeJsonParam(name: string, value: string, base64: boolean, path: string): Parsed<unknown> {
  let text = value;
  if (base64) {
    const bytes = decodeBase64Url(value);
    if (bytes === undefined) {
      return reject(
        'unparseable',
        `${name} is not base64url (A-Z a-z 0-9 - _, or + /, with optional = padding; nothing cut off)`,
        value,
        'base64',
        path,
      );
    }
    try {
      text = STRICT_UTF8.decode(bytes);
    } catch {
      return reject(
        'unparseable',
        `${name} decodes from base64 to bytes that are not UTF-8 text`,
        value,
        'encoding',
        path,
      );
    }
  }
  const parsed = parseJson(text, base64 ? `${name} (decoded from base64)` : name, path);
  return parsed.ok ? parsed : { ok: false, rejection: { ...parsed.rejection, raw: value } };
}
