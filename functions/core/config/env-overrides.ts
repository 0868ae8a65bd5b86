import { closestMatch } from '../closest-match.ts';
import { messageOf } from '../errors.ts';
import { isJsonObject } from '../json-object.ts';
import type { ConfigProblem } from './config-error.ts';
import type { SchemaNode } from './config-schema.ts';
import { listSchemaKeys, SLUICE_CONFIG_SCHEMA } from './config-schema.ts';

/**
 * Environment overrides of configuration settings.
 *
 * The naming rule, the one thing to remember: every leaf setting can be set with
 * `SLUICE_` + its key path joined with `_`, upper-cased (`cache.ttl_seconds` →
 * `SLUICE_CACHE_TTL_SECONDS`). The table is derived from the schema, never written by hand, so a
 * new setting gets its variable for free and the two cannot drift.
 */

export const ENV_PREFIX = 'SLUICE_';

/**
 * `SLUICE_*` variables that are not settings. Every other `SLUICE_*` variable must be a known
 * setting, so that a typo fails loudly instead of being silently ignored; add a name here when
 * code starts reading a new non-setting variable.
 */
export const RESERVED_ENV_NAMES: readonly string[] = ['SLUICE_CONFIG', 'SLUICE_LOG_LEVEL'];

/**
 * Standard variables that Google tooling already sets or documents, honoured so that Sluice works
 * in an environment prepared for other Google Cloud software. A `SLUICE_*` variable wins.
 */
export const ENV_ALIASES: Readonly<Record<string, string>> = {
  GOOGLE_CLOUD_PROJECT: 'project',
  PUBSUB_EMULATOR_HOST: 'pubsub.emulator_host',
};

/** How an environment string becomes a value, chosen by the leaf's schema type. */
export type EnvValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'string-list' | 'string-map' | 'object-map';

export interface EnvSetting {
  /** The `SLUICE_*` variable name. */
  readonly name: string;
  readonly path: readonly string[];
  readonly kind: EnvValueKind;
  /** Other variables that set the same key when `name` is unset, in order of preference. */
  readonly aliases: readonly string[];
}

export interface EnvOverride {
  /** The variable the value came from (a `SLUICE_*` name or an alias). */
  readonly variable: string;
  readonly path: readonly string[];
  readonly value: unknown;
}

export interface EnvOverrides {
  readonly overrides: readonly EnvOverride[];
  readonly problems: readonly ConfigProblem[];
}

export type ParsedEnvValue =
  | { readonly ok: true; readonly value: unknown }
  | { readonly ok: false; readonly expected: string };

/** The naming rule. */
export function envNameFor(path: readonly string[]): string {
  return ENV_PREFIX + path.join('_').toUpperCase();
}

/**
 * Derives the variable table from a schema. Throws when the rule is ambiguous for this schema (two
 * key paths, or a key path and a reserved name, give one variable), when an alias targets no leaf,
 * or when a leaf has a type no environment syntax is defined for: all of these are mistakes in
 * the schema that must stop the program before it runs with a half-working configuration.
 */
export function buildEnvTable(
  schema: SchemaNode,
  aliases: Readonly<Record<string, string>> = ENV_ALIASES,
  reserved: readonly string[] = RESERVED_ENV_NAMES,
): readonly EnvSetting[] {
  const byName = new Map<string, string>(reserved.map((name) => [name, `reserved variable ${name}`]));
  const table: EnvSetting[] = [];
  for (const key of listSchemaKeys(schema)) {
    if (!key.isLeaf) continue;
    const dotted = key.path.join('.');
    const name = envNameFor(key.path);
    const taken = byName.get(name);
    if (taken !== undefined) {
      throw new Error(`environment variable ${name} would set both ${taken} and key ${dotted}; rename one of them`);
    }
    byName.set(name, `key ${dotted}`);
    const kind = envValueKind(key.schema);
    if (kind === undefined) {
      throw new Error(`no environment syntax for key ${dotted} (schema type ${JSON.stringify(key.schema.type)})`);
    }
    const keyAliases = Object.keys(aliases).filter((alias) => aliases[alias] === dotted);
    table.push({ name, path: key.path, kind, aliases: keyAliases });
  }
  for (const [alias, target] of Object.entries(aliases)) {
    if (!table.some((setting) => setting.path.join('.') === target)) {
      throw new Error(`environment alias ${alias} targets ${target}, which is not a setting`);
    }
  }
  return table;
}

/** The table for Sluice's own schema; built (and checked) once, at module load. */
export const ENV_SETTINGS: readonly EnvSetting[] = buildEnvTable(SLUICE_CONFIG_SCHEMA);

/**
 * Reads every override from `env` (pure: the caller passes `process.env` or a test record).
 * Empty variables count as unset, because deployment tools often cannot delete a variable, only
 * blank it. Values that do not parse, and `SLUICE_*` variables that are not settings, come back as
 * problems rather than exceptions so that one run reports all of them.
 */
export function readEnvOverrides(
  env: Readonly<Record<string, string | undefined>>,
  table: readonly EnvSetting[] = ENV_SETTINGS,
  reserved: readonly string[] = RESERVED_ENV_NAMES,
): EnvOverrides {
  const overrides: EnvOverride[] = [];
  const problems: ConfigProblem[] = [];

  for (const setting of table) {
    const variable = [setting.name, ...setting.aliases].find((name) => isSet(env[name]));
    if (variable === undefined) continue;
    const raw = env[variable] as string;
    const parsed = parseEnvValue(setting.kind, raw);
    if (parsed.ok) {
      overrides.push({ variable, path: setting.path, value: parsed.value });
    } else {
      problems.push({ source: `env ${variable}`, path: setting.path.join('.'), value: raw, message: parsed.expected });
    }
  }

  const known = [...table.map((setting) => setting.name), ...reserved];
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith(ENV_PREFIX) || !isSet(value) || known.includes(name)) continue;
    // Compare without the shared prefix, which would make every name look alike.
    const suggestion = closestMatch(
      name.slice(ENV_PREFIX.length),
      known.map((k) => k.slice(ENV_PREFIX.length)),
    );
    problems.push({
      source: `env ${name}`,
      path: '',
      message:
        `unknown variable: ${ENV_PREFIX}* variables must name a setting` +
        (suggestion === undefined ? ` (known: ${known.join(', ')})` : ` (did you mean ${ENV_PREFIX}${suggestion}?)`),
    });
  }

  return { overrides, problems };
}

/**
 * Parses one environment string. Lists and maps have a short form for shells
 * (`a,b` and `k=v,k2=v2`) and a JSON form for values that contain commas (`[...]`, `{...}`).
 */
export function parseEnvValue(kind: EnvValueKind, raw: string): ParsedEnvValue {
  switch (kind) {
    case 'string':
      return { ok: true, value: raw };
    case 'integer': {
      const text = raw.trim();
      const value = Number(text);
      // The regex refuses what Number() would quietly accept: '', '0x1f', '1e3', ' '.
      return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(value)
        ? { ok: true, value }
        : { ok: false, expected: 'expected an integer' };
    }
    case 'number': {
      const text = raw.trim();
      const value = Number(text);
      return /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) && Number.isFinite(value)
        ? { ok: true, value }
        : { ok: false, expected: 'expected a finite number' };
    }
    case 'boolean': {
      const text = raw.trim().toLowerCase();
      if (['true', '1', 'yes'].includes(text)) return { ok: true, value: true };
      if (['false', '0', 'no'].includes(text)) return { ok: true, value: false };
      return { ok: false, expected: 'expected a boolean: true/false, 1/0 or yes/no' };
    }
    case 'string-list':
      return parseList(raw);
    case 'string-map':
      return parseMap(raw);
    case 'object-map': {
      // Values are mappings themselves (webhooks.auth): no short form can say that, only JSON.
      const json = parseJson(raw.trim());
      return json.ok && isJsonObject(json.value)
        ? { ok: true, value: json.value }
        : {
            ok: false,
            expected: `expected a JSON object of objects, e.g. {"com.github/push":{"type":"hmac_sha256",...}}${json.ok ? '' : ` (${json.error})`}`,
          };
    }
  }
}

function parseList(raw: string): ParsedEnvValue {
  const text = raw.trim();
  if (text.startsWith('[')) {
    const json = parseJson(text);
    return json.ok && Array.isArray(json.value)
      ? { ok: true, value: json.value }
      : { ok: false, expected: `expected a JSON array${json.ok ? '' : ` (${json.error})`} or a comma-separated list` };
  }
  return { ok: true, value: splitItems(text) };
}

function parseMap(raw: string): ParsedEnvValue {
  const text = raw.trim();
  if (text.startsWith('{')) {
    const json = parseJson(text);
    return json.ok && isJsonObject(json.value)
      ? { ok: true, value: json.value }
      : {
          ok: false,
          expected: `expected a JSON object${json.ok ? '' : ` (${json.error})`} or key=value pairs separated by commas`,
        };
  }
  const map: Record<string, string> = {};
  for (const item of splitItems(text)) {
    const equals = item.indexOf('=');
    if (equals <= 0) {
      return { ok: false, expected: `expected key=value pairs separated by commas, "${item}" has no key=` };
    }
    const key = item.slice(0, equals).trim();
    if (Object.hasOwn(map, key)) {
      return { ok: false, expected: `expected key=value pairs separated by commas, key "${key}" is given twice` };
    }
    map[key] = item.slice(equals + 1).trim();
  }
  return { ok: true, value: map };
}

function splitItems(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; error: string } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return { ok: false, error: messageOf(error) };
  }
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value !== '';
}

function envValueKind(node: SchemaNode): EnvValueKind | undefined {
  switch (node.type) {
    case 'string':
    case 'integer':
    case 'number':
    case 'boolean':
      return node.type;
    case 'array':
      return node.items?.type === 'string' ? 'string-list' : undefined;
    case 'object': {
      const values = node.additionalProperties;
      if (typeof values !== 'object') return undefined;
      return values.type === 'string' ? 'string-map' : values.type === 'object' ? 'object-map' : undefined;
    }
    default:
      return undefined;
  }
}
