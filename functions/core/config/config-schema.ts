import { Ajv } from 'ajv';
import type { ErrorObject } from 'ajv';
import schemaJson from '../../../config/sluice.schema.json' with { type: 'json' };

/**
 * The parts of a JSON Schema node that configuration code reads. `config/sluice.schema.json` is
 * the single source of truth for keys, types, bounds and defaults; this module only gives it a
 * type and compiles it.
 */
export interface SchemaNode {
  readonly type?: string;
  readonly description?: string;
  readonly default?: unknown;
  readonly properties?: Readonly<Record<string, SchemaNode>>;
  readonly additionalProperties?: boolean | SchemaNode;
  readonly propertyNames?: SchemaNode;
  readonly items?: SchemaNode;
  readonly enum?: readonly unknown[];
  readonly pattern?: string;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly minLength?: number;
  readonly maxLength?: number;
  readonly minItems?: number;
  readonly maxProperties?: number;
}

export const SLUICE_CONFIG_SCHEMA: SchemaNode = schemaJson as unknown as SchemaNode;

/** One key of the configuration: a group (a nested mapping of keys) or a leaf setting. */
export interface SchemaKeyInfo {
  readonly path: readonly string[];
  readonly schema: SchemaNode;
  /** Leaves are what can be overridden one by one; groups only hold other keys. */
  readonly isLeaf: boolean;
}

/**
 * A node is a group when it declares its own `properties`; a free-form map such as `labels` has
 * none and is therefore a leaf, set as a whole.
 */
export function isGroup(node: SchemaNode): boolean {
  return node.type === 'object' && node.properties !== undefined;
}

/** Every key below `root`, depth first in schema order (groups before their children). */
export function listSchemaKeys(root: SchemaNode = SLUICE_CONFIG_SCHEMA): readonly SchemaKeyInfo[] {
  const keys: SchemaKeyInfo[] = [];
  const walk = (node: SchemaNode, prefix: readonly string[]): void => {
    for (const [key, child] of Object.entries(node.properties ?? {})) {
      const path = [...prefix, key];
      const group = isGroup(child);
      keys.push({ path, schema: child, isLeaf: !group });
      if (group) walk(child, path);
    }
  };
  walk(root, []);
  return keys;
}

// Compiled once at module load: configuration is resolved at cold start and in tests, and
// compiling is by far the most expensive step. `useDefaults` fills every missing key (groups
// default to `{}`, so their children's defaults fill in too); `allErrors` so one run reports every
// problem; `verbose` so errors carry the offending value and the schema node that rejected it.
// `validateSchema: false`: checking our own schema against the draft-07 meta-schema meant compiling
// the meta-schema too, about 80 ms of every cold start (npm run bench, module load); strict mode
// still refuses unknown keywords and malformed keyword values while compiling, and the config
// schema's tests exercise every key.
const ajv = new Ajv({ useDefaults: true, allErrors: true, verbose: true, strict: true, validateSchema: false });
const validate = ajv.compile(SLUICE_CONFIG_SCHEMA);

/**
 * Fills schema defaults into `document` IN PLACE and returns what is still wrong with it (empty
 * when valid). Callers pass a private copy.
 */
export function applyDefaultsAndValidate(document: unknown): readonly ErrorObject[] {
  return validate(document) ? [] : [...(validate.errors ?? [])];
}
