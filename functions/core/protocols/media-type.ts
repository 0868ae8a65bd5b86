/**
 * Media types as senders write them in `Content-Type` (or CloudEvents' `datacontenttype`):
 * `Application/JSON; charset=utf-8` and `application/json` are the same type.
 */

/** The `type/subtype` of a media type, lower-cased, without parameters; `''` when there is none. */
export function mediaTypeOf(contentType: string | undefined): string {
  if (contentType === undefined) return '';
  const semicolon = contentType.indexOf(';');
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase();
}

/** JSON media types: `application/json`, `text/json`, and every `+json` suffix (RFC 6839). */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = mediaTypeOf(contentType);
  return (
    type === 'application/json' || type === 'text/json' || /^[a-z0-9!#$&^_.-]+\/[a-z0-9!#$&^_.+-]*\+json$/.test(type)
  );
}
