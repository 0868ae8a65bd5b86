import type { ErrorObject, ValidateFunction } from 'ajv';
import schemaJson from '../../../config/sluice.schema.json' with { type: 'json' };
import { compileConfigValidator } from './config-validator.ts';

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

let validate: ValidateFunction | undefined;

/**
 * Fills schema defaults into `document` IN PLACE and returns what is still wrong with it (empty
 * when valid). Callers pass a private copy.
 */
export function applyDefaultsAndValidate(document: unknown): readonly ErrorObject[] {
  // Compiled on first use (once per process): configuration is resolved at cold start and in tests.
  validate ??= compileConfigValidator();
  return validate(document) ? [] : [...(validate.errors ?? [])];
}
