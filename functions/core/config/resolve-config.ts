import type { ErrorObject } from 'ajv';
import { closestMatch } from '../closest-match.ts';
import { isJsonObject } from '../json-object.ts';
import type { SluiceConfig } from './config.ts';
import { ConfigError, type ConfigProblem } from './config-error.ts';
import type { SchemaNode } from './config-schema.ts';
import { applyDefaultsAndValidate, isGroup, listSchemaKeys, SLUICE_CONFIG_SCHEMA } from './config-schema.ts';
import type { EnvOverride } from './env-overrides.ts';
import { readEnvOverrides } from './env-overrides.ts';
import { fillPrefixDerivedDefaults } from './prefix-derived-names.ts';

export interface ResolveConfigInput {
  /** The parsed YAML document (`undefined`/`null` for an empty or absent file). */
  readonly document: unknown;
  /** How problems in `document` are attributed, e.g. `config/sluice.yaml`. */
  readonly source: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  /**
   * Optional: a more precise source (`config/sluice.yaml:12:3`) for the key at `path` in the
   * document, when the caller still has the parsed text. Without it, `source` is used.
   */
  readonly locate?: ((path: readonly (string | number)[]) => string | undefined) | undefined;
}

/**
 * Builds the configuration: schema defaults, overridden by `document`, overridden by `env`; then
 * validates the result. Pure (neither argument is modified) and fails fast: any problem throws one
 * {@link ConfigError} listing all of them. The result is deep-frozen because it is shared by the
 * whole process for its lifetime.
 */
export function resolveConfig(input: ResolveConfigInput): SluiceConfig {
  const { document, source } = input;
  if (document !== undefined && document !== null && !isJsonObject(document)) {
    throw new ConfigError([
      {
        source,
        path: '',
        value: document,
        message: 'expected a mapping of settings (key: value lines) at the top level',
      },
    ]);
  }
  const merged: Record<string, unknown> = isJsonObject(document) ? structuredClone(document) : {};
  dropNullSettings(merged, SLUICE_CONFIG_SCHEMA);

  const { overrides, problems: envProblems } = readEnvOverrides(input.env);
  for (const override of overrides) setAt(merged, override.path, override.value);
  fillPrefixDerivedDefaults(merged);

  const validationProblems = applyDefaultsAndValidate(merged)
    .filter((error) => error.keyword !== 'propertyNames') // its nested `pattern` error says more
    .map((error) => describeError(error, merged, (path) => attribute(path, overrides, input)));

  const problems = [...envProblems, ...validationProblems];
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(merged) as unknown as SluiceConfig;
}

/**
 * In YAML, `key:` with nothing after it is null. Treat that as "not set" for settings, so that
 * commenting out every child of a group, or blanking a value, falls back to the default instead
 * of failing with "expected a mapping".
 */
function dropNullSettings(target: Record<string, unknown>, schema: SchemaNode): void {
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    const value = target[key];
    if (value === null) delete target[key];
    else if (isGroup(child) && isJsonObject(value)) dropNullSettings(value, child);
  }
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    node[key] ??= {};
    const next = node[key];
    // A YAML group that is not a mapping is reported by validation, against the YAML.
    if (!isJsonObject(next)) return;
    node = next;
  }
  node[path[path.length - 1] as string] = value;
}

/** The environment variable that set `path` (or one of its ancestors), else the document. */
function attribute(
  path: readonly (string | number)[],
  overrides: readonly EnvOverride[],
  input: ResolveConfigInput,
): string {
  const override = overrides.find(
    (o) => o.path.length <= path.length && o.path.every((key, i) => key === String(path[i])),
  );
  if (override !== undefined) return `env ${override.variable}`;
  return input.locate?.(path) ?? input.source;
}

function describeError(
  error: ErrorObject,
  root: unknown,
  sourceOf: (path: readonly (string | number)[]) => string,
): ConfigProblem {
  const at = parsePointer(error.instancePath, root);
  const parent = (error.parentSchema ?? {}) as SchemaNode;
  const params = error.params as Record<string, unknown>;
  const problem = (path: readonly (string | number)[], value: unknown, message: string): ConfigProblem => ({
    source: sourceOf(path),
    path: displayPath(path),
    value,
    message,
  });

  switch (error.keyword) {
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const value = isJsonObject(error.data) ? error.data[key] : undefined;
      return problem([...at, key], value, unknownKeyMessage(key, at, parent));
    }
    case 'type':
      return problem(at, error.data, `expected ${describeType(params.type)}`);
    case 'enum':
      return problem(
        at,
        error.data,
        `expected one of ${(error.schema as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      );
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return problem(
        at,
        error.data,
        `expected ${describeType(parent.type)} ${String(params.comparison)} ${String(params.limit)}`,
      );
    case 'pattern':
      if (error.propertyName !== undefined) {
        // A map key (a label name) is wrong, not its value.
        return problem(
          [...at, error.propertyName],
          error.propertyName,
          `invalid key, expected a key matching /${String(params.pattern)}/`,
        );
      }
      return problem(at, error.data, `expected a string matching /${String(params.pattern)}/`);
    case 'minLength':
      return problem(
        at,
        error.data,
        params.limit === 1
          ? 'expected a non-empty string'
          : `expected a string of at least ${String(params.limit)} characters`,
      );
    case 'minItems':
      return problem(at, error.data, `expected a list of at least ${plural(Number(params.limit), 'item')}`);
    case 'maxProperties':
      return problem(at, error.data, `expected at most ${plural(Number(params.limit), 'entry', 'entries')}`);
    default:
      return problem(at, error.data, `not accepted: ${error.message ?? `fails "${error.keyword}"`}`);
  }
}

function unknownKeyMessage(key: string, at: readonly (string | number)[], parent: SchemaNode): string {
  const siblings = Object.keys(parent.properties ?? {});
  const sibling = closestMatch(key, siblings);
  if (sibling !== undefined) return `unknown key "${key}" (did you mean "${sibling}"?)`;
  // A right key in the wrong place (`ttl_seconds` at the top level, or a flattened
  // `cache.ttl_seconds`): point at where it belongs.
  const elsewhere = listSchemaKeys()
    .map((k) => k.path.join('.'))
    .filter((path) => path === key || path.endsWith(`.${key}`));
  if (elsewhere.length > 0 && at.length === 0) return `unknown key "${key}" (did you mean "${elsewhere[0]}"?)`;
  return `unknown key "${key}" (known keys here: ${siblings.join(', ')})`;
}

function describeType(type: unknown): string {
  const names: Record<string, string> = {
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'a boolean (true or false)',
    array: 'a list',
    object: 'a mapping (key: value)',
    null: 'null',
  };
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => names[String(t)] ?? String(t)).join(' or ');
}

function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`;
}

/** Splits an Ajv JSON Pointer into keys, turning indices into numbers where the data is a list. */
function parsePointer(pointer: string, root: unknown): (string | number)[] {
  if (pointer === '') return [];
  const path: (string | number)[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isJsonObject(node) ? node[key] : undefined;
    }
  }
  return path;
}

function displayPath(path: readonly (string | number)[]): string {
  return path.reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : text === '' ? key : `${text}.${key}`),
    '',
  );
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
