/**
 * Scans JSON text without parsing it. Both functions are iterative (no recursion), so that text
 * nested a million levels deep costs time proportional to its length and never a RangeError.
 */

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const COMMA = 0x2c;

/**
 * How deeply arrays and objects nest in `text` (`1` → 0, `[]` → 1, `{"a":[1]}` → 2), ignoring
 * brackets inside strings. Meaningful for valid JSON; for invalid text it is a bound the parser
 * will reject anyway.
 */
export function jsonNestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      depth++;
      if (depth > deepest) deepest = depth;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
    }
  }
  return deepest;
}

/**
 * The texts of the elements of a top-level JSON array, each trimmed, or `undefined` when `text` is
 * not a bracketed array. Splitting before parsing lets each element be parsed, accepted or
 * rejected on its own: one malformed element costs only itself, and a rejected element keeps
 * exactly the text the sender sent as its `raw`.
 *
 * For valid JSON the elements are exactly those `JSON.parse` would find. For invalid JSON the split
 * is a best effort: every element is parsed on its own afterwards, which is where invalid text is
 * caught (elements that each parse, joined by commas in brackets, are a valid array).
 *
 * With a `limit`, scanning stops once that many elements are found (and the rest is not checked):
 * a result of `limit` elements may stand for more.
 */
export function splitJsonArray(text: string, limit = Number.POSITIVE_INFINITY): string[] | undefined {
  const start = skipWhitespace(text, 0);
  const end = lastNonWhitespace(text);
  if (text.charCodeAt(start) !== OPEN_ARRAY || end <= start || text.charCodeAt(end) !== CLOSE_ARRAY) return undefined;
  const elements: string[] = [];
  let depth = 0;
  let inString = false;
  let elementStart = start + 1;
  for (let index = start; index <= end; index++) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === BACKSLASH) index++;
      else if (code === QUOTE) inString = false;
    } else if (code === QUOTE) {
      inString = true;
    } else if (code === OPEN_ARRAY || code === OPEN_OBJECT) {
      depth++;
    } else if (code === CLOSE_ARRAY || code === CLOSE_OBJECT) {
      depth--;
      // The outer array closes early (`[1]]`, `[1}, 2]`): not one array.
      if (depth <= 0 && index !== end) return undefined;
    } else if (code === COMMA && depth === 1) {
      elements.push(trimJsonWhitespace(text.slice(elementStart, index)));
      elementStart = index + 1;
      // Enough to know the batch is too big: the caller refuses it without reading the rest.
      if (elements.length >= limit) return elements;
    }
  }
  if (inString || depth !== 0) return undefined;
  const last = trimJsonWhitespace(text.slice(elementStart, end));
  // `[]` and `[ ]` have no elements; `[1,]` has an empty last one, which fails to parse on its own.
  if (last !== '' || elements.length > 0) elements.push(last);
  return elements;
}

/** JSON's whitespace (RFC 8259): space, tab, line feed, carriage return, and nothing else. */
function isJsonWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function skipWhitespace(text: string, from: number): number {
  let index = from;
  while (index < text.length && isJsonWhitespace(text.charCodeAt(index))) index++;
  return index;
}

function lastNonWhitespace(text: string): number {
  let index = text.length - 1;
  while (index >= 0 && isJsonWhitespace(text.charCodeAt(index))) index--;
  return index;
}

export function trimJsonWhitespace(text: string): string {
  const start = skipWhitespace(text, 0);
  const end = lastNonWhitespace(text);
  return end < start ? '' : text.slice(start, end + 1);
}
