/**
 * What a Pub/Sub BigQuery subscription with `use_table_schema` does with one message, as Google
 * documents it, so that tests can check messages against a table schema without BigQuery.
 *
 * Sources (the rules below cite them):
 * [S1] https://cloud.google.com/pubsub/docs/bigquery — "Schema compatibility" / "Use table schema":
 *      the message data is JSON whose fields are written to the columns of the same name; JSON
 *      values are accepted by the column's type (the type mapping below); a field with no column
 *      fails the write unless drop_unknown_fields is set; "Date and time integer representation":
 *      a TIMESTAMP given as an integer is microseconds since the Unix epoch.
 * [S2] https://cloud.google.com/pubsub/docs/create-bigquery-subscription — "Use table schema":
 *      a JSON column takes the value as JSON text in a string ("must be valid JSON in an escaped
 *      string"; an empty string is not valid JSON); REQUIRED columns must be present, fields absent
 *      from the message are written as NULL, which only NULLABLE columns accept. "Write metadata":
 *      subscription_name, message_id, publish_time and attributes are filled by Pub/Sub.
 * A message that breaks a rule is not written: it is nacked, retried, and after
 * max_delivery_attempts goes to the dead-letter topic [S1, "BigQuery subscription workflow"].
 */

/** A column of a BigQuery table schema as the Terraform provider takes it (JSON). */
export interface TableField {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
  readonly fields?: readonly TableField[];
}

export interface SubscriptionSettings {
  readonly writeMetadata: boolean;
  readonly dropUnknownFields: boolean;
}

/** The columns write_metadata fills in [S2]. */
export const METADATA_COLUMNS = ['subscription_name', 'message_id', 'publish_time', 'attributes'] as const;

/** BigQuery's TIMESTAMP range in microseconds (0001-01-01 .. 9999-12-31 23:59:59.999999 UTC). */
const MIN_MICROS = -62135596800000000;
// biome-ignore lint/correctness/noPrecisionLoss: the documented bound as written
const MAX_MICROS = 253402300799999999;

/** Every reason the subscription would refuse to write `data` into `schema`; empty = writable. */
export function useTableSchemaProblems(
  data: Buffer | string,
  schema: readonly TableField[],
  settings: SubscriptionSettings,
): string[] {
  let message: unknown;
  try {
    message = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch {
    return ['message data is not JSON [S1]'];
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message))
    return ['message data is not a JSON object [S1]'];
  const metadata = new Set<string>(settings.writeMetadata ? METADATA_COLUMNS : []);
  const columns = schema.filter((field) => !metadata.has(field.name));
  return recordProblems(message as Record<string, unknown>, columns, settings, '', metadata);
}

function recordProblems(
  value: Record<string, unknown>,
  fields: readonly TableField[],
  settings: SubscriptionSettings,
  prefix: string,
  metadata: ReadonlySet<string>,
): string[] {
  const problems: string[] = [];
  const byName = new Map(fields.map((field) => [field.name.toLowerCase(), field])); // column names are case-insensitive
  for (const name of Object.keys(value)) {
    if (metadata.has(name))
      problems.push(`${prefix}${name}: written by write_metadata, the message must not carry it [S2]`);
    else if (!byName.has(name.toLowerCase()) && !settings.dropUnknownFields)
      problems.push(`${prefix}${name}: no such column and drop_unknown_fields is off [S1]`);
  }
  for (const field of fields) {
    const path = `${prefix}${field.name}`;
    const entry = Object.entries(value).find(([name]) => name.toLowerCase() === field.name.toLowerCase());
    const present = entry !== undefined && entry[1] !== null;
    const mode = field.mode ?? 'NULLABLE';
    if (!present) {
      if (mode === 'REQUIRED') problems.push(`${path}: REQUIRED column missing or null [S2]`);
      continue;
    }
    const fieldValue = entry[1];
    if (mode === 'REPEATED') {
      if (!Array.isArray(fieldValue)) problems.push(`${path}: REPEATED column needs a JSON array [S1]`);
      else
        fieldValue.forEach((item, index) => {
          problems.push(...valueProblems(item, field, settings, `${path}[${index}]`, metadata));
        });
    } else {
      problems.push(...valueProblems(fieldValue, field, settings, path, metadata));
    }
  }
  return problems;
}

function valueProblems(
  value: unknown,
  field: TableField,
  settings: SubscriptionSettings,
  path: string,
  metadata: ReadonlySet<string>,
): string[] {
  switch (field.type) {
    case 'STRING':
      return typeof value === 'string' ? [] : [`${path}: STRING needs a JSON string, got ${describe(value)} [S1]`];
    case 'INT64':
    case 'INTEGER':
      return Number.isSafeInteger(value)
        ? []
        : [`${path}: ${field.type} needs a JSON integer, got ${describe(value)} [S1]`];
    case 'FLOAT64':
    case 'FLOAT':
    case 'NUMERIC':
      return typeof value === 'number' && Number.isFinite(value)
        ? []
        : [`${path}: ${field.type} needs a JSON number, got ${describe(value)} [S1]`];
    case 'BOOL':
    case 'BOOLEAN':
      return typeof value === 'boolean'
        ? []
        : [`${path}: ${field.type} needs a JSON boolean, got ${describe(value)} [S1]`];
    case 'TIMESTAMP':
      if (typeof value === 'number') {
        return Number.isSafeInteger(value) && value >= MIN_MICROS && value <= MAX_MICROS
          ? []
          : [
              `${path}: TIMESTAMP as a number must be integer microseconds since the epoch within 0001..9999, got ${value} [S1]`,
            ];
      }
      return typeof value === 'string' && !Number.isNaN(Date.parse(value))
        ? []
        : [`${path}: TIMESTAMP needs integer microseconds or a timestamp string, got ${describe(value)} [S1]`];
    case 'JSON':
      if (typeof value !== 'string')
        return [`${path}: JSON column needs the JSON as text in a string, got ${describe(value)} [S2]`];
      try {
        JSON.parse(value);
        return [];
      } catch {
        return [`${path}: JSON column got a string that is not valid JSON: ${JSON.stringify(value.slice(0, 40))} [S2]`];
      }
    case 'RECORD':
    case 'STRUCT':
      return typeof value === 'object' && value !== null && !Array.isArray(value)
        ? recordProblems(value as Record<string, unknown>, field.fields ?? [], settings, `${path}.`, new Set())
        : [`${path}: RECORD needs a JSON object, got ${describe(value)} [S1]`];
    default:
      return [`${path}: column type ${field.type} is not modelled by this checker`];
  }
}

function describe(value: unknown): string {
  return Array.isArray(value)
    ? 'an array'
    : value === null
      ? 'null'
      : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}
