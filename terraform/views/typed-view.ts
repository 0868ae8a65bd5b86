import { COLUMNS } from '../../functions/core/contract/columns.ts';
import { TABLE_NAMES } from '../../functions/core/contract/table-schema.ts';
import { ENRICHMENT_COLUMNS } from '../../functions/core/enrichment/enrichment-columns.ts';
import { SluiceError } from '../../functions/core/errors.ts';
import { isJsonObject } from '../../functions/core/json-object.ts';
import type { SchemaFile } from '../schema-files.ts';
import { quoteIdentifier, sqlString, tableReference, toColumnName } from './sql-text.ts';

/** The BigQuery type a typed view gives a schema property. */
export type ViewColumnType = 'STRING' | 'INT64' | 'FLOAT64' | 'BOOL' | 'TIMESTAMP' | 'DATE' | 'JSON';

export interface ViewColumn {
  /** Column name in the view. */
  readonly name: string;
  readonly type: ViewColumnType;
  /** The payload property it is read from; undefined for the event columns every view starts with. */
  readonly property?: string;
}

/** One view per schema model: `com.example/checkout` model 1 -> `com_example_checkout_1`. */
export interface TypedView {
  readonly name: string;
  /** The Iglu URIs (every revision and addition of the model) the view reads. */
  readonly schemas: readonly string[];
  readonly columns: readonly ViewColumn[];
  readonly sql: string;
}

/**
 * The columns of `events` every typed view starts with, so a view answers "who, when, where"
 * without a join. They are taken from the contract by name; the property columns follow.
 */
export const EVENT_COLUMNS = [
  'event_id',
  'collector_tstamp',
  'event_tstamp',
  'schema_version',
  'app_id',
  'platform',
  'user_id',
  'domain_userid',
  'network_userid',
  'session_id',
  'page_url',
] as const;

const EVENT_COLUMN_TYPES: Readonly<Record<(typeof EVENT_COLUMNS)[number], ViewColumnType>> = {
  event_id: 'STRING',
  collector_tstamp: 'TIMESTAMP',
  event_tstamp: 'TIMESTAMP',
  schema_version: 'STRING',
  app_id: 'STRING',
  platform: 'STRING',
  user_id: 'STRING',
  domain_userid: 'STRING',
  network_userid: 'STRING',
  session_id: 'STRING',
  page_url: 'STRING',
};

/**
 * The enrichment columns follow the event columns in every typed view (docs/enrichment.md), so
 * that a view answers "from which campaign, on which device, where" without a join too.
 */
function contractType(name: string): ViewColumnType {
  const column = COLUMNS.find((candidate) => candidate.name === name);
  if (column === undefined) throw new SluiceError('view_column', `${name} is not a column of the contract`);
  return column.type;
}

/**
 * The BigQuery type a property's JSON Schema implies, and the expression that reads it from the
 * `payload` JSON column. Every conversion is a LAX_ function or SAFE_CAST, which give NULL for a
 * value they cannot convert instead of failing the whole query: events are validated, but a
 * view spans every revision of a model and a schema may be loosened later.
 * (https://cloud.google.com/bigquery/docs/reference/standard-sql/json_functions, "Lax converters")
 *
 * - string -> STRING (LAX_STRING); with `format: date-time` -> TIMESTAMP and `format: date` ->
 *   DATE (SAFE_CAST of the string). A judgment call: such strings are nearly always compared and
 *   bucketed as times; the raw text is still in `payload` when a tracker sends odd formats.
 * - integer -> INT64 (LAX_INT64), number -> FLOAT64 (LAX_FLOAT64), boolean -> BOOL (LAX_BOOL).
 * - object, array, several types (["string", "number"]), or no type -> JSON: the value is
 *   kept as JSON (nested properties are read with `col.field` or JSON_VALUE) rather than
 *   flattened into one column per leaf, which would explode for arrays and deep objects.
 * `null` in a type list only means "nullable": every view column is nullable.
 */
export function propertyColumnType(property: unknown): ViewColumnType {
  if (!isJsonObject(property)) return 'JSON';
  const declared =
    typeof property.type === 'string' ? [property.type] : Array.isArray(property.type) ? property.type : [];
  const types = declared.filter((type) => type !== 'null');
  if (types.length !== 1) return 'JSON';
  switch (types[0]) {
    case 'string':
      return property.format === 'date-time' ? 'TIMESTAMP' : property.format === 'date' ? 'DATE' : 'STRING';
    case 'integer':
      return 'INT64';
    case 'number':
      return 'FLOAT64';
    case 'boolean':
      return 'BOOL';
    default:
      return 'JSON';
  }
}

function readExpression(property: string, type: ViewColumnType): string {
  const value = `payload[${sqlString(property)}]`;
  switch (type) {
    case 'STRING':
      return `LAX_STRING(${value})`;
    case 'INT64':
      return `LAX_INT64(${value})`;
    case 'FLOAT64':
      return `LAX_FLOAT64(${value})`;
    case 'BOOL':
      return `LAX_BOOL(${value})`;
    case 'TIMESTAMP':
      return `SAFE_CAST(LAX_STRING(${value}) AS TIMESTAMP)`;
    case 'DATE':
      return `SAFE_CAST(LAX_STRING(${value}) AS DATE)`;
    case 'JSON':
      return value;
  }
}

/** The view name for a schema model: vendor, name and model joined with `_`, as a column-safe name. */
export function typedViewName(vendor: string, name: string, model: string): string {
  return toColumnName(`${vendor}_${name}_${model}`).toLowerCase();
}

/**
 * One typed view per schema model found in `files`. All revisions and additions of a model are
 * one view (they are compatible by Iglu's versioning rules): its property columns are the union
 * of their properties, and where revisions disagree on a property's type the newest wins.
 */
export function typedViews(files: readonly SchemaFile[], project: string, dataset: string): TypedView[] {
  const models = new Map<string, SchemaFile[]>();
  for (const file of files) {
    const model = file.key.version.split('-')[0] as string;
    const id = `${file.key.vendor}/${file.key.name}/${model}`;
    models.set(id, [...(models.get(id) ?? []), file]);
  }
  const views: TypedView[] = [];
  const byName = new Map<string, string>();
  for (const [id, revisions] of models) {
    const [vendor, name, model] = id.split('/') as [string, string, string];
    const viewName = typedViewName(vendor, name, model);
    const other = byName.get(viewName);
    if (other !== undefined) {
      throw new SluiceError(
        'view_name_collision',
        `schemas ${other} and ${id} would both get the typed view ${viewName}; rename one of them (views are named vendor_name_model with every other character turned into _)`,
      );
    }
    byName.set(viewName, id);
    views.push(typedView(viewName, vendor, name, model, revisions, project, dataset));
  }
  return views.sort((a, b) => (a.name < b.name ? -1 : 1));
}

function typedView(
  viewName: string,
  vendor: string,
  name: string,
  model: string,
  revisions: SchemaFile[],
  project: string,
  dataset: string,
): TypedView {
  const ordered = [...revisions].sort((a, b) => compareVersions(a.key.version, b.key.version));
  const propertyTypes = new Map<string, ViewColumnType>();
  for (const file of ordered) {
    const properties = file.document.properties;
    if (!isJsonObject(properties)) continue;
    for (const [property, schema] of Object.entries(properties))
      propertyTypes.set(property, propertyColumnType(schema));
  }
  const columns: ViewColumn[] = [
    ...EVENT_COLUMNS.map((column) => ({ name: column, type: EVENT_COLUMN_TYPES[column] })),
    ...ENRICHMENT_COLUMNS.map((column) => ({ name: column, type: contractType(column) })),
  ];
  const taken = new Set(columns.map((column) => column.name.toLowerCase()));
  for (const [property, type] of propertyTypes) {
    // Column names are case-insensitive in BigQuery; a property that sanitizes to a name already
    // used (an event column, or `a-b` next to `a_b`) gets a numbered suffix instead of clashing.
    const base = toColumnName(property);
    let column = base;
    for (let n = 2; taken.has(column.toLowerCase()); n++) column = `${base}_${n}`;
    taken.add(column.toLowerCase());
    columns.push({ name: column, type, property });
  }
  const select = columns.map((column) =>
    column.property === undefined
      ? `  ${column.name}`
      : `  ${readExpression(column.property, column.type)} AS ${quoteIdentifier(column.name)}`,
  );
  const sql = [
    'SELECT',
    select.join(',\n'),
    `FROM ${tableReference(project, dataset, TABLE_NAMES.valid)}`,
    ...schemaRangeFilter(vendor, name, model),
    '',
  ].join('\n');
  return { name: viewName, schemas: ordered.map((file) => file.key.uri), columns, sql };
}

/**
 * Every revision of a model, as a range on `schema` (`iglu:vendor/name/jsonschema/1-` up to, not
 * including, `…/jsonschema/1.`; `.` is the character after `-`, so exactly the URIs with that
 * prefix fall inside). `schema` is the first clustering column of `events`, and BigQuery skips the
 * blocks whose `schema` values lie outside a filter on it
 * (https://cloud.google.com/bigquery/docs/querying-clustered-tables); a filter on schema_vendor
 * and schema_name, which are not clustered, reads every block of the partitions.
 */
export function schemaRangeFilter(vendor: string, name: string, model: string): string[] {
  const prefix = `iglu:${vendor}/${name}/jsonschema/${model}`;
  return [`WHERE schema >= ${sqlString(`${prefix}-`)}`, `  AND schema < ${sqlString(`${prefix}.`)}`];
}

function compareVersions(a: string, b: string): number {
  const [x, y] = [a.split('-').map(Number), b.split('-').map(Number)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
  return 0;
}
