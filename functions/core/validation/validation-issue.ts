import type { ErrorObject } from 'ajv';

/**
 * One reason an event failed validation, as written to the `errors` column of an invalid row:
 * the schema that failed, where in the event (a JSONPath such as `$.items[2].sku`), the JSON Schema
 * keyword that failed, and a sentence a person can act on.
 */
export interface ValidationIssue {
  readonly schema: string | null;
  readonly path: string;
  readonly keyword: string;
  readonly message: string;
}

/** Longest value quoted back in a message: errors are stored per event, so they must stay small. */
const MAX_QUOTED_VALUE_LENGTH = 80;

/** Turns Ajv's errors into issues, keeping at most `max` of them. */
export function issuesFromAjv(schemaUri: string, errors: readonly ErrorObject[], max: number): ValidationIssue[] {
  return errors.slice(0, max).map((error) => ({
    schema: schemaUri,
    path: jsonPathFromPointer(error.instancePath),
    keyword: error.keyword,
    message: describe(error),
  }));
}

/** `/items/2/sku` → `$.items[2].sku`; keys that are not identifiers are quoted: `$['a b']`. */
export function jsonPathFromPointer(pointer: string): string {
  if (pointer === '') return '$';
  let path = '$';
  for (const raw of pointer.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (/^(0|[1-9][0-9]*)$/.test(segment)) path += `[${segment}]`;
    else if (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(segment)) path += `.${segment}`;
    else path += `[${JSON.stringify(segment).replace(/^"|"$/g, "'")}]`;
  }
  return path;
}

function describe(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties':
      return `must NOT have additional property ${quote(params.additionalProperty)}`;
    case 'enum':
      return `must be one of ${quote(params.allowedValues)}`;
    case 'const':
      return `must be equal to ${quote(params.allowedValue)}`;
    default:
      return error.message ?? `failed keyword ${error.keyword}`;
  }
}

function quote(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length <= MAX_QUOTED_VALUE_LENGTH ? text : `${text.slice(0, MAX_QUOTED_VALUE_LENGTH)}…`;
}
