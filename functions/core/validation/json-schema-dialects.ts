import { Ajv, type AnySchemaObject, type Options } from 'ajv';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import draft06MetaSchema from 'ajv/dist/refs/json-schema-draft-06.json' with { type: 'json' };
import AjvDraft04Module from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { IGLU_META_SCHEMA, IGLU_META_SCHEMA_URI } from './iglu-meta-schema.ts';

// ajv-draft-04 and ajv-formats are CommonJS; under Node ESM their default import is module.exports,
// whose `.default` is the class/plugin (the types agree only on `.default`).
const AjvDraft04 = AjvDraft04Module.default;
const addFormats = addFormatsModule.default;

/** Any of the Ajv classes: they share the core API. */
export type AjvInstance = InstanceType<typeof Ajv>;

export type Dialect = 'draft-04' | 'draft-07' | '2019-09' | '2020-12';

/**
 * Which JSON Schema dialect a schema is written in, from its `$schema`.
 * Iglu schemas name the Iglu meta-schema, which is draft-04 plus `self`. A schema without `$schema`
 * is read as draft-04 too, because that is what an Iglu registry holds.
 */
const DIALECT_BY_META_SCHEMA: Readonly<Record<string, Dialect>> = {
  [IGLU_META_SCHEMA_URI]: 'draft-04',
  'http://json-schema.org/draft-04/schema#': 'draft-04',
  'http://json-schema.org/draft-06/schema#': 'draft-07',
  'http://json-schema.org/draft-07/schema#': 'draft-07',
  'https://json-schema.org/draft/2019-09/schema': '2019-09',
  'https://json-schema.org/draft/2020-12/schema': '2020-12',
};

export const SUPPORTED_META_SCHEMAS: readonly string[] = Object.keys(DIALECT_BY_META_SCHEMA);

/** The meta-schema a schema without `$schema` is checked against (see DIALECT_BY_META_SCHEMA). */
const DEFAULT_META_SCHEMA = 'http://json-schema.org/draft-04/schema#';

/**
 * The meta-schema a schema is written against, spelled as in {@link SUPPORTED_META_SCHEMAS}
 * (`…/schema` and `…/schema#` name the same one); draft-04 without `$schema`; `undefined` when
 * `$schema` names a meta-schema Sluice does not know.
 */
export function metaSchemaOf(schema: Record<string, unknown>): string | undefined {
  const declared = schema.$schema;
  if (declared === undefined) return DEFAULT_META_SCHEMA;
  if (typeof declared !== 'string') return undefined;
  if (DIALECT_BY_META_SCHEMA[declared] !== undefined) return declared;
  const other = declared.endsWith('#') ? declared.slice(0, -1) : `${declared}#`;
  return DIALECT_BY_META_SCHEMA[other] === undefined ? undefined : other;
}

/** The dialect of a meta-schema URI from {@link SUPPORTED_META_SCHEMAS}. */
export function dialectOfMetaSchema(metaSchemaUri: string): Dialect | undefined {
  return DIALECT_BY_META_SCHEMA[metaSchemaUri];
}

export interface DialectOptions {
  /** Report every error of an event rather than stopping at the first. */
  readonly allErrors: boolean;
  /** Resolves a `$ref` to another schema; see SchemaCompiler. */
  readonly loadSchema: (uri: string) => Promise<AnySchemaObject>;
  /**
   * Whether Ajv checks each schema against its meta-schema itself (default true). SchemaCompiler
   * turns it off and checks with meta-schema-check.ts, whose validators the deploy bundle
   * precompiles (`draft-04-meta-schema` in docs/performance.md: Ajv's compile is a cold-start cost).
   */
  readonly validateSchema?: boolean;
  /** Extra Ajv options (the bundler's standalone code generation). */
  readonly ajvOptions?: Options;
}

/**
 * Creates the Ajv instance for one dialect, configured identically to the others:
 * - `strict: false`: real registries (Iglu Central included) carry keywords Ajv's strict mode
 *   rejects; an unknown keyword is ignored, as Iglu's own validator does.
 * - formats from ajv-formats, plus Iglu's `strict-uri` (a URI, checked as `uri`).
 * - `self` accepted as an annotation keyword, and the Iglu meta-schema (and draft-06's) registered,
 *   so that a schema's `self` block is itself validated when its meta-schema is checked.
 */
export function createAjv(dialect: Dialect, options: DialectOptions): AjvInstance {
  const ajvOptions: Options = {
    strict: false,
    allErrors: options.allErrors,
    loadSchema: options.loadSchema,
    // Compiled schemas are tracked by the cache; Ajv must not also keep them by their `$id`.
    addUsedSchema: false,
    validateSchema: options.validateSchema ?? true,
    ...options.ajvOptions,
  };
  const ajv: AjvInstance =
    dialect === 'draft-04'
      ? (new AjvDraft04(ajvOptions) as unknown as AjvInstance)
      : dialect === '2019-09'
        ? new Ajv2019(ajvOptions)
        : dialect === '2020-12'
          ? new Ajv2020(ajvOptions)
          : new Ajv(ajvOptions);
  addFormats(ajv);
  ajv.addFormat('strict-uri', ajv.formats.uri ?? true);
  ajv.addKeyword({ keyword: 'self', schemaType: 'object' });
  if (dialect === 'draft-04') ajv.addMetaSchema(IGLU_META_SCHEMA, IGLU_META_SCHEMA_URI);
  if (dialect === 'draft-07') ajv.addMetaSchema(draft06MetaSchema);
  return ajv;
}
