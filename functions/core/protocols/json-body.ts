import { isUtf8 } from 'node:buffer';
import { MAX_BATCH_ELEMENTS, MAX_JSON_DEPTH } from '../limits.ts';
import { truncate } from '../text.ts';
import { jsonNestingDepth, splitJsonArray, trimJsonWhitespace } from './json-scan.ts';
import { type Rejection, rejectionIssue } from './protocol.ts';

/** A value, or the rejection that explains why there is none. Never a throw. */
export type Parsed<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly rejection: Rejection };

/** One part of a JSON body: its text exactly as sent (for `raw`) and what parsing it gave. */
export interface JsonPart {
  readonly raw: string;
  readonly parsed: Parsed<unknown>;
  /** Where the part is in the body: `$` for a single document, `$[3]` for an array element. */
  readonly path: string;
}

/** A body that is one JSON document, or a JSON array whose elements are taken one by one. */
export interface JsonParts {
  readonly isArray: boolean;
  readonly parts: readonly JsonPart[];
}

const BYTE_ORDER_MARK = 0xfeff;

/** The body as text. A UTF-8 byte order mark is dropped; bytes that are not UTF-8 are refused. */
export function bodyText(body: Buffer, what: string): Parsed<string> {
  // isUtf8 and toString are native and fast; a fatal TextDecoder costs several times more per byte.
  if (!isUtf8(body))
    return reject(
      'unparseable',
      `${what} is not UTF-8 text; send JSON encoded as UTF-8`,
      body.toString('utf8'),
      'encoding',
    );
  const text = body.toString('utf8');
  return { ok: true, value: text.charCodeAt(0) === BYTE_ORDER_MARK ? text.slice(1) : text };
}

/**
 * Parses one JSON document. `what` names it in messages ("the request body", "element 3 of the
 * batch") and `path` locates it in the body for the rejection's issue.
 */
export function parseJson(text: string, what: string, path = '$'): Parsed<unknown> {
  if (trimJsonWhitespace(text) === '')
    return reject('unparseable', `${what} is empty; expected JSON`, text, 'json', path);
  const depth = mayNestDeeperThan(text, MAX_JSON_DEPTH) ? jsonNestingDepth(text) : 0;
  if (depth > MAX_JSON_DEPTH) {
    return reject(
      'size_exceeded',
      `${what} nests arrays and objects ${depth} levels deep; at most ${MAX_JSON_DEPTH} are accepted (BigQuery's limit for JSON columns)`,
      text,
      'maxDepth',
      path,
    );
  }
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (error) {
    const reason = error instanceof Error ? truncate(error.message, 120) : 'parse error';
    return reject('unparseable', `${what} is not valid JSON: ${reason}`, text, 'json', path);
  }
}

/**
 * False when `text` cannot nest deeper than `limit` because it has no more opening brackets than
 * that: a count that indexOf does at memchr speed, where the exact scan walks every character in
 * JavaScript. Event bodies have a few brackets per event, so they never need the exact scan.
 */
function mayNestDeeperThan(text: string, limit: number): boolean {
  if (text.length <= 2 * limit) return false;
  let brackets = 0;
  for (const bracket of ['{', '[']) {
    for (let at = text.indexOf(bracket); at !== -1; at = text.indexOf(bracket, at + 1)) {
      if (++brackets > limit) return true;
    }
  }
  return false;
}

/** Decodes and parses a body holding one JSON document. */
export function parseJsonBody(body: Buffer, what: string): Parsed<unknown> {
  const text = bodyText(body, what);
  return text.ok ? parseJson(text.value, what) : text;
}

/**
 * Decodes a body that holds either one JSON document or an array of them, and parses each element
 * of an array on its own, so that a malformed element is rejected alone and its siblings survive.
 * Fails as a whole only when the body is not text, is empty, or is neither an array nor valid JSON.
 */
export function parseJsonParts(body: Buffer, what: string): Parsed<JsonParts> {
  const text = bodyText(body, what);
  if (!text.ok) return text;
  const elements = splitJsonArray(text.value, MAX_BATCH_ELEMENTS + 1);
  if (elements !== undefined && elements.length > MAX_BATCH_ELEMENTS) {
    return reject(
      'size_exceeded',
      `${what} is an array of more than ${MAX_BATCH_ELEMENTS} elements; send smaller batches`,
      text.value,
      'maxItems',
    );
  }
  if (elements === undefined) {
    const parsed = parseJson(text.value, what);
    return parsed.ok
      ? { ok: true, value: { isArray: false, parts: [{ raw: text.value, parsed, path: '$' }] } }
      : parsed;
  }
  const parts = elements.map((raw, index): JsonPart => {
    const path = `$[${index}]`;
    return { raw, parsed: parseJson(raw, `element ${index} of ${what}`, path), path };
  });
  return { ok: true, value: { isArray: true, parts } };
}

// The protocols import it from here with the other JSON body helpers.
export { isJsonObject } from '../json-object.ts';

/** `null`, `an array`, `a string`...: what a value is, for messages that expected something else. */
export function describeJsonType(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'an array' : `a ${typeof value}`;
}

/** A one-issue rejection keeping `raw`, the shape every helper here fails with. */
export function reject(
  errorType: Rejection['errorType'],
  message: string,
  raw: string,
  keyword = 'protocol',
  path = '$',
): { readonly ok: false; readonly rejection: Rejection } {
  return { ok: false, rejection: { errorType, issues: rejectionIssue(message, keyword, path), raw } };
}
