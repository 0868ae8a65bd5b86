import { MAX_ATTRIBUTE_VALUE_BYTES } from '../limits.ts';
import type { RowKind } from './columns.ts';
import type { InvalidRow, ValidRow } from './rows.ts';

/**
 * Pub/Sub message attributes, so that subscriptions can filter without reading bodies, e.g.
 * `attributes.valid = "false" AND attributes.error_type = "schema_not_found"`.
 * An attribute whose column is null is left out (filter with `NOT attributes:schema`).
 */
export const ATTRIBUTE_NAMES = {
  protocol: 'protocol',
  schema: 'schema',
  eventName: 'event_name',
  valid: 'valid',
  errorType: 'error_type',
} as const;

export function messageAttributes(kind: 'valid', row: ValidRow): Record<string, string>;
export function messageAttributes(kind: 'invalid', row: InvalidRow): Record<string, string>;
export function messageAttributes(kind: RowKind, row: ValidRow | InvalidRow): Record<string, string>;
export function messageAttributes(kind: RowKind, row: ValidRow | InvalidRow): Record<string, string> {
  const attributes: Record<string, string> = {
    [ATTRIBUTE_NAMES.protocol]: row.protocol,
    [ATTRIBUTE_NAMES.valid]: kind === 'valid' ? 'true' : 'false',
  };
  setIfPresent(attributes, ATTRIBUTE_NAMES.schema, row.schema);
  setIfPresent(attributes, ATTRIBUTE_NAMES.eventName, row.event_name);
  if (kind === 'invalid') setIfPresent(attributes, ATTRIBUTE_NAMES.errorType, (row as InvalidRow).error_type);
  return attributes;
}

function setIfPresent(attributes: Record<string, string>, name: string, value: string | null | undefined): void {
  if (typeof value === 'string' && value !== '') attributes[name] = truncateUtf8(value, MAX_ATTRIBUTE_VALUE_BYTES);
}

/** Cuts a string to at most `maxBytes` of UTF-8 without splitting a character. */
export function truncateUtf8(value: string, maxBytes: number): string {
  if (value.length * 3 <= maxBytes) return value; // even all-3-byte characters would fit
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= maxBytes) return value;
  let end = maxBytes;
  // Step back over UTF-8 continuation bytes (10xxxxxx) to a character boundary.
  while (end > 0 && ((bytes[end] as number) & 0xc0) === 0x80) end--;
  return bytes.subarray(0, end).toString('utf8');
}
