/**
 * Strict base64 decoding. `Buffer.from(text, 'base64')` never fails: it skips characters outside
 * the alphabet and stops at the first `=`, so a damaged value decodes to different bytes without a
 * word. These functions check the text first and return `undefined` for anything that is not
 * base64, so that the caller can reject the value and keep it as sent.
 */

/** RFC 4648 §4 (`+/`), padding optional: CloudEvents `data_base64`. */
const STANDARD = /^[A-Za-z0-9+/]*={0,2}$/;

/**
 * RFC 4648 §5 (`-_`), padding optional, and the `+/` alphabet tolerated: senders mix them up, and
 * the two differ only in those characters, so either decodes unambiguously.
 */
const URL_SAFE_OR_STANDARD = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Decodes standard base64 (RFC 4648 §4), with or without padding. */
export function decodeBase64(text: string): Buffer | undefined {
  return STANDARD.test(text) && hasPossibleLength(text) ? Buffer.from(text, 'base64') : undefined;
}

/**
 * Decodes base64url (RFC 4648 §5) as query parameters carry it, with or without padding. A space
 * is read as `+`: it is what form-decoding of a query string makes of a `+` the sender forgot to
 * percent-encode.
 */
export function decodeBase64Url(text: string): Buffer | undefined {
  const value = text.replaceAll(' ', '+');
  if (!URL_SAFE_OR_STANDARD.test(value) || !hasPossibleLength(value)) return undefined;
  return Buffer.from(value.replaceAll('-', '+').replaceAll('_', '/'), 'base64');
}

/**
 * Base64 comes in groups of 4 characters for 3 bytes; a last group of 1 character cannot encode a
 * byte (the value was cut), and padding is only ever used to complete the last group.
 */
function hasPossibleLength(text: string): boolean {
  const unpadded = text.replace(/=+$/, '');
  if (unpadded.length % 4 === 1) return false;
  return unpadded.length === text.length || text.length % 4 === 0;
}
