import type { SchemaKey } from '../../core/iglu/schema-key.ts';
import { isJsonObject } from '../../core/json-object.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../core/limits.ts';
import { InvalidSchemaDocumentError } from '../../core/registry/schema-registry.ts';

/**
 * What every registry adapter does with the bytes it fetched: bound them, decode them, and accept
 * only a JSON object. Shared so that file://, gs:// and http(s):// reject the same documents with
 * the same messages.
 */

/** The error for a document over {@link MAX_SCHEMA_DOCUMENT_BYTES}; `size` as known (may be "more than"). */
export function documentTooLarge(registry: string, key: SchemaKey, size: string): InvalidSchemaDocumentError {
  return new InvalidSchemaDocumentError(
    registry,
    key.uri,
    `it is ${size} bytes, over the ${MAX_SCHEMA_DOCUMENT_BYTES}-byte limit for a schema`,
  );
}

/**
 * Collects a byte stream, giving up (and so cancelling the stream: `for await` calls `return()`)
 * as soon as it passes {@link MAX_SCHEMA_DOCUMENT_BYTES}. Errors of the stream itself propagate
 * unchanged, for the adapter to classify.
 */
export async function readCapped(
  chunks: AsyncIterable<Uint8Array>,
  registry: string,
  key: SchemaKey,
): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.byteLength;
    if (total > MAX_SCHEMA_DOCUMENT_BYTES)
      throw documentTooLarge(registry, key, `more than ${MAX_SCHEMA_DOCUMENT_BYTES}`);
    parts.push(chunk);
  }
  return Buffer.concat(parts, total);
}

/** Decodes UTF-8 JSON and requires a plain object, or throws {@link InvalidSchemaDocumentError}. */
export function parseSchemaDocument(bytes: Uint8Array, registry: string, key: SchemaKey): Record<string, unknown> {
  if (bytes.byteLength > MAX_SCHEMA_DOCUMENT_BYTES) throw documentTooLarge(registry, key, String(bytes.byteLength));
  let text: string;
  try {
    // fatal: a schema with invalid UTF-8 is corrupt, not something to patch with U+FFFD.
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new InvalidSchemaDocumentError(registry, key.uri, 'it is not valid UTF-8 text', { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    const start = JSON.stringify(text.trimStart().slice(0, 40));
    throw new InvalidSchemaDocumentError(registry, key.uri, `it is not JSON (it starts with ${start})`, { cause });
  }
  if (!isJsonObject(value)) {
    const kind = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
    throw new InvalidSchemaDocumentError(registry, key.uri, `it is JSON ${kind}, not an object`);
  }
  return value;
}
