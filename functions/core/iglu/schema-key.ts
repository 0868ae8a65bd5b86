import { SluiceError } from '../errors.ts';
import { MAX_SCHEMA_URI_LENGTH } from '../limits.ts';
import { truncate } from '../text.ts';

/**
 * An Iglu schema key: `iglu:<vendor>/<name>/<format>/<model>-<revision>-<addition>`.
 *
 * Schema references arrive in requests, so they are untrusted. Every registry lookup goes through
 * {@link parseSchemaKey} first, which accepts only the canonical Iglu form: the parts can then be
 * joined into a file path, an object name or a URL path without any further escaping, because none
 * of them can contain `/`, `\`, `%`, `?`, `#`, whitespace, or be `.`/`..`.
 */
export interface SchemaKey {
  readonly vendor: string;
  readonly name: string;
  readonly format: string;
  readonly version: string;
  /** `iglu:vendor/name/format/version`, the canonical string form. */
  readonly uri: string;
  /** `vendor/name/format/version`, the path of the schema below a registry's root. */
  readonly path: string;
}

/** The only schema format Sluice validates with. */
export const JSON_SCHEMA_FORMAT = 'jsonschema';

// Vendor: reverse-DNS style, dots allowed between labels but never leading, trailing or doubled,
// so `.` and `..` can never form a path segment.
const VENDOR = '[a-zA-Z0-9_-]+(?:\\.[a-zA-Z0-9_-]+)*';
const NAME = '[a-zA-Z0-9_-]+';
// Model starts at 1; no leading zeros, so that one schema has exactly one key.
const VERSION = '[1-9][0-9]{0,8}-(?:0|[1-9][0-9]{0,8})-(?:0|[1-9][0-9]{0,8})';
const KEY_PATTERN = new RegExp(`^iglu:(${VENDOR})/(${NAME})/(${NAME})/(${VERSION})$`);

export class InvalidSchemaKeyError extends SluiceError {
  readonly value: string;

  constructor(value: string, reason: string) {
    super(
      'invalid_schema_key',
      `invalid Iglu schema reference ${JSON.stringify(truncate(value, 120))}: ${reason}; ` +
        `expected iglu:<vendor>/<name>/jsonschema/<model>-<revision>-<addition>, ` +
        `for example iglu:com.acme/checkout/jsonschema/1-0-0`,
    );
    this.value = value;
  }
}

/** Parses a canonical Iglu URI, or throws {@link InvalidSchemaKeyError} naming what is wrong. */
export function parseSchemaKey(value: unknown): SchemaKey {
  if (typeof value !== 'string') {
    throw new InvalidSchemaKeyError(String(value), `must be a string, got ${value === null ? 'null' : typeof value}`);
  }
  if (value.length > MAX_SCHEMA_URI_LENGTH) {
    throw new InvalidSchemaKeyError(value, `longer than ${MAX_SCHEMA_URI_LENGTH} characters`);
  }
  const match = KEY_PATTERN.exec(value);
  if (!match) {
    throw new InvalidSchemaKeyError(value, describeMismatch(value));
  }
  const [, vendor, name, format, version] = match as unknown as [string, string, string, string, string];
  if (format !== JSON_SCHEMA_FORMAT) {
    throw new InvalidSchemaKeyError(value, `format ${JSON.stringify(format)} is not supported, only "jsonschema"`);
  }
  return schemaKey(vendor, name, format, version);
}

/** Like {@link parseSchemaKey} but returns `undefined` instead of throwing. */
export function tryParseSchemaKey(value: unknown): SchemaKey | undefined {
  try {
    return parseSchemaKey(value);
  } catch {
    return undefined;
  }
}

/**
 * Iglu schemas refer to each other either as `iglu:v/n/f/x-y-z#` or through Iglu Central's HTTP
 * address `http(s)://iglucentral.com/schemas/v/n/f/x-y-z#`. Both name the same key, so both are
 * resolved through the configured registries rather than fetched from wherever the URL points.
 * Returns `undefined` for anything else (JSON Schema meta-schemas, local `#/definitions/...`).
 */
export function schemaKeyFromReference(ref: string): SchemaKey | undefined {
  const withoutFragment = ref.endsWith('#') ? ref.slice(0, -1) : ref;
  if (withoutFragment.startsWith('iglu:')) return tryParseSchemaKey(withoutFragment);
  const http = /^https?:\/\/iglucentral\.com\/schemas\/(.+)$/.exec(withoutFragment);
  return http ? tryParseSchemaKey(`iglu:${http[1]}`) : undefined;
}

/** Builds a key from a schema's `self` block ({vendor, name, format, version}). */
export function schemaKeyFromSelf(self: unknown): SchemaKey | undefined {
  if (typeof self !== 'object' || self === null) return undefined;
  const { vendor, name, format, version } = self as Record<string, unknown>;
  return tryParseSchemaKey(`iglu:${String(vendor)}/${String(name)}/${String(format)}/${String(version)}`);
}

function schemaKey(vendor: string, name: string, format: string, version: string): SchemaKey {
  const path = `${vendor}/${name}/${format}/${version}`;
  return Object.freeze({ vendor, name, format, version, path, uri: `iglu:${path}` });
}

function describeMismatch(value: string): string {
  if (!value.startsWith('iglu:')) return 'it does not start with "iglu:"';
  const parts = value.slice('iglu:'.length).split('/');
  if (parts.length !== 4) return `it has ${parts.length} path parts instead of 4`;
  if (/%|\\|\?|#|\s/.test(value)) return 'it contains an escape, query, fragment or whitespace character';
  const [vendor, name, format, version] = parts as [string, string, string, string];
  if (!new RegExp(`^${VENDOR}$`).test(vendor))
    return `vendor ${JSON.stringify(truncate(vendor, 60))} is not a dotted name of letters, digits, "_" and "-"`;
  if (!new RegExp(`^${NAME}$`).test(name))
    return `name ${JSON.stringify(truncate(name, 60))} may only contain letters, digits, "_" and "-"`;
  if (!new RegExp(`^${NAME}$`).test(format))
    return `format ${JSON.stringify(truncate(format, 60))} may only contain letters, digits, "_" and "-"`;
  return `version ${JSON.stringify(truncate(version, 30))} is not MODEL-REVISION-ADDITION (model from 1, no leading zeros)`;
}
