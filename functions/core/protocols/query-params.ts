/**
 * A query string's parameters as a Map of each name's first value, decoded exactly as
 * URLSearchParams decodes them (application/x-www-form-urlencoded: `+` is a space, `%XX` are
 * UTF-8 bytes, malformed escapes stay as they are, invalid UTF-8 becomes U+FFFD).
 *
 * Why not `new Map(new URLSearchParams(raw))`: a Snowplow GET carries its whole event in the
 * query, 30 and more parameters, and URLSearchParams first builds its own list of every pair and
 * then the Map copies it, half as long again as this function for a pixel's query
 * (`pixel-query` in docs/performance.md, "Measured costs behind the code"), and garbage. Most tracker parameters need no decoding at all, and those are taken as
 * they are; the others go through decodeURIComponent, and through URLSearchParams itself when that
 * refuses them (a stray `%`, invalid UTF-8), so the result is always URLSearchParams'.
 */
export function firstQueryValues(rawQuery: string): Map<string, string> {
  const params = new Map<string, string>();
  // Lone surrogates (impossible in a URL Node read off the wire, which is Latin-1) are what
  // URLSearchParams alone rewrites (to U+FFFD): such text takes its path.
  if (!rawQuery.isWellFormed()) {
    for (const [name, value] of new URLSearchParams(rawQuery)) if (!params.has(name)) params.set(name, value);
    return params;
  }
  // URLSearchParams drops one leading `?` (a URL like /i??e=pv leaves one in the query).
  let start = rawQuery.startsWith('?') ? 1 : 0;
  while (start <= rawQuery.length) {
    let end = rawQuery.indexOf('&', start);
    if (end === -1) end = rawQuery.length;
    if (end > start) {
      const equals = rawQuery.indexOf('=', start);
      const nameEnd = equals === -1 || equals > end ? end : equals;
      const name = decodeComponent(rawQuery.slice(start, nameEnd));
      if (!params.has(name)) params.set(name, nameEnd === end ? '' : decodeComponent(rawQuery.slice(nameEnd + 1, end)));
    }
    start = end + 1;
  }
  return params;
}

function decodeComponent(text: string): string {
  if (text.indexOf('%') === -1 && text.indexOf('+') === -1) return text;
  const spaced = text.replaceAll('+', ' ');
  if (spaced.indexOf('%') === -1) return spaced;
  try {
    return decodeURIComponent(spaced);
  } catch {
    // URLSearchParams' lenient decoding; the text holds no `&`, so it is one value.
    return new URLSearchParams(`a=${text}`).get('a') ?? '';
  }
}
