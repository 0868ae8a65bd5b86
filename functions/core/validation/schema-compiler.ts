import type { AnySchemaObject, ValidateFunction } from 'ajv';
import { messageOf, SluiceError } from '../errors.ts';
import { type SchemaKey, schemaKeyFromReference, schemaKeyFromSelf } from '../iglu/schema-key.ts';
import type { SchemaRegistry } from '../registry/schema-registry.ts';
import {
  type AjvInstance,
  createAjv,
  type Dialect,
  dialectOfMetaSchema,
  metaSchemaOf,
  SUPPORTED_META_SCHEMAS,
} from './json-schema-dialects.ts';
import { exceedsJsonSize } from './json-size.ts';
import { describeMetaSchemaErrors } from './meta-schema-check.ts';
import { loadMetaSchemaCheck } from './meta-schema-checks.ts';
import { issuesFromAjv, type ValidationIssue } from './validation-issue.ts';

/** A schema ready to validate events: compiled once, used for every event that names it. */
export interface CompiledSchema {
  readonly key: SchemaKey;
  readonly dialect: Dialect;
  /** Iglu URIs of the schemas this one `$ref`s directly (a purge of one of them recompiles this). */
  readonly references: readonly string[];
  /**
   * Returns `undefined` when `data` is valid, else the issues (at most `maxErrors`): the first
   * one only, unless `allErrors` is set. The hot path: it stops at the first failing keyword.
   */
  validate(data: unknown): readonly ValidationIssue[] | undefined;
  /**
   * Every issue of `data` (at most `maxErrors`), for data that validate() failed: `data` is
   * validated again by a second validator that collects every error, when `data` is at most
   * `allErrorsMaxBytes` as JSON. Larger data, or a compiler without that second pass, keeps the
   * `issues` validate() gave. Synchronous once the second validator is compiled; the first call
   * compiles it (so a schema whose events all pass never pays for it).
   */
  explain(
    data: unknown,
    issues: readonly ValidationIssue[],
  ): readonly ValidationIssue[] | Promise<readonly ValidationIssue[]>;
}

/** The schema document in the registry cannot be used: not JSON Schema, wrong `self`, bad `$ref`. */
export class SchemaCompileError extends SluiceError {
  readonly schemaUri: string;

  constructor(schemaUri: string, detail: string, options?: { cause?: unknown }) {
    super('schema_invalid', `schema ${schemaUri} cannot be compiled: ${detail}`, options);
    this.schemaUri = schemaUri;
  }
}

/** A schema `$ref`s an Iglu schema that no registry has. */
export class ReferencedSchemaNotFoundError extends SluiceError {
  readonly referenceUri: string;

  constructor(referenceUri: string) {
    super('schema_not_found', `the schema $refs ${referenceUri}, which no registry has; publish that schema too`);
    this.referenceUri = referenceUri;
  }
}

export interface SchemaCompilerOptions {
  /** Where `$ref`s to other Iglu schemas are resolved: the same registries as the schemas themselves. */
  readonly registry: SchemaRegistry;
  readonly allErrors: boolean;
  readonly maxErrors: number;
  /**
   * Largest event (as JSON) that is validated a second time to list every problem after failing
   * the first, fast pass; 0 turns the second pass off. Ignored when `allErrors` is set.
   */
  readonly allErrorsMaxBytes?: number;
}

/**
 * Compiles registry documents into validators with one Ajv instance per dialect (created on first
 * use). `$ref`s to `iglu:` URIs and to Iglu Central addresses resolve through the registries; any
 * other remote `$ref` is refused, so a schema cannot make the collector fetch arbitrary URLs.
 */
export class SchemaCompiler {
  readonly #options: SchemaCompilerOptions;
  /** One Ajv instance per dialect and error mode (Ajv's allErrors is a setting of the instance). */
  readonly #instances = new Map<`${Dialect}:${'first' | 'all'}`, AjvInstance>();
  /** Ajv keeps every compiled document in an internal map; this is how to let go of one. */
  readonly #compiledIn = new WeakMap<
    CompiledSchema,
    Array<{ readonly ajv: AjvInstance; readonly document: Record<string, unknown> }>
  >();

  constructor(options: SchemaCompilerOptions) {
    if (!Number.isInteger(options.maxErrors) || options.maxErrors < 1) {
      throw new RangeError(`SchemaCompiler: maxErrors must be a whole number >= 1, got ${options.maxErrors}`);
    }
    this.#options = options;
  }

  async compile(key: SchemaKey, document: Record<string, unknown>): Promise<CompiledSchema> {
    const metaSchema = metaSchemaOf(document);
    const dialect = metaSchema === undefined ? undefined : dialectOfMetaSchema(metaSchema);
    if (metaSchema === undefined || dialect === undefined) {
      throw new SchemaCompileError(
        key.uri,
        `$schema ${JSON.stringify(document.$schema)} is not a supported meta-schema; use one of ${SUPPORTED_META_SCHEMAS.join(', ')}`,
      );
    }
    // First, so that a malformed self block is reported by the meta-schema's precise rule.
    await checkAgainstMetaSchema(key.uri, metaSchema, document);
    if (document.self !== undefined) {
      const declared = schemaKeyFromSelf(document.self);
      if (declared?.uri !== key.uri) {
        throw new SchemaCompileError(
          key.uri,
          `its self block names ${declared?.uri ?? JSON.stringify(document.self)}; move the file to that key or fix its self block`,
        );
      }
    }
    const forAjv = withoutMetaSchema(document);
    const owners: Array<{ ajv: AjvInstance; document: Record<string, unknown> }> = [];
    const compileIn = async (mode: 'first' | 'all'): Promise<ValidateFunction> => {
      const ajv = this.#ajv(dialect, mode);
      // Ajv keys a compiled document by identity: each instance gets its own object.
      const copy = mode === 'first' ? forAjv : { ...forAjv };
      try {
        const validateFn = await ajv.compileAsync(copy);
        // A second validator compiled after the cache let go of this schema is let go of at once.
        if (mode === 'all' && owners.length > 0 && !this.#compiledIn.has(compiled)) ajv.removeSchema(copy);
        else owners.push({ ajv, document: copy });
        return validateFn;
      } catch (error) {
        if (error instanceof SluiceError) throw error;
        throw new SchemaCompileError(key.uri, messageOf(error), { cause: error });
      }
    };
    const validateFn = await compileIn(this.#options.allErrors ? 'all' : 'first');
    const { maxErrors } = this.#options;
    const secondPassBytes = this.#options.allErrors ? 0 : (this.#options.allErrorsMaxBytes ?? 0);
    let explainer: ValidateFunction | undefined;
    let explainerLoad: Promise<ValidateFunction | undefined> | undefined;
    const explainWith = (fn: ValidateFunction | undefined, data: unknown, issues: readonly ValidationIssue[]) =>
      fn === undefined || fn(data) ? issues : issuesFromAjv(key.uri, fn.errors ?? [], maxErrors);
    const references = [...collectIgluReferences(document)];
    const compiled: CompiledSchema = Object.freeze({
      key,
      dialect,
      references,
      validate(data: unknown): readonly ValidationIssue[] | undefined {
        if (validateFn(data)) return undefined;
        return issuesFromAjv(key.uri, validateFn.errors ?? [], maxErrors);
      },
      explain(data: unknown, issues: readonly ValidationIssue[]) {
        if (secondPassBytes === 0 || issues.length >= maxErrors || exceedsJsonSize(data, secondPassBytes))
          return issues;
        if (explainer !== undefined) return explainWith(explainer, data, issues);
        // A second validator that cannot be compiled (a registry gone since) costs the row its extra
        // issues, never its validation: the first pass's issues stand.
        explainerLoad ??= compileIn('all').then(
          (fn) => {
            explainer = fn;
            return fn;
          },
          () => undefined,
        );
        return explainerLoad.then((fn) => explainWith(fn, data, issues));
      },
    });
    this.#compiledIn.set(compiled, owners);
    return compiled;
  }

  /**
   * Lets Ajv drop a compiled schema that the cache no longer holds (replaced by a refresh, evicted
   * or purged). Without it, every refresh would leave the old compiled code in Ajv's memory.
   */
  release(compiled: CompiledSchema): void {
    const owners = this.#compiledIn.get(compiled);
    if (!owners) return;
    for (const owner of owners) owner.ajv.removeSchema(owner.document);
    this.#compiledIn.delete(compiled);
  }

  /** Drops every Ajv instance (and so everything compiled or loaded): used by a full purge. */
  reset(): void {
    this.#instances.clear();
  }

  /**
   * Forgets a referenced schema, so the next compile that needs it fetches it again. Ajv registers
   * a loaded `$ref` target under the exact URI it was referred to by, so every spelling is removed.
   */
  forgetReference(key: SchemaKey): void {
    for (const ajv of this.#instances.values()) {
      for (const uri of referenceSpellings(key)) ajv.removeSchema(uri);
    }
  }

  #ajv(dialect: Dialect, mode: 'first' | 'all'): AjvInstance {
    let ajv = this.#instances.get(`${dialect}:${mode}`);
    if (!ajv) {
      ajv = createAjv(dialect, {
        allErrors: mode === 'all',
        loadSchema: (uri) => this.#loadReference(uri),
        // Checked by checkAgainstMetaSchema, before Ajv sees a document (see json-schema-dialects.ts).
        validateSchema: false,
      });
      this.#instances.set(`${dialect}:${mode}`, ajv);
    }
    return ajv;
  }

  async #loadReference(uri: string): Promise<AnySchemaObject> {
    const key = schemaKeyFromReference(uri);
    if (!key) {
      throw new SchemaCompileError(
        uri,
        `$ref ${JSON.stringify(uri)} is neither an iglu: URI nor an Iglu Central address; remote references are not fetched`,
      );
    }
    const found = await this.#options.registry.lookup(key);
    if (!found.found) throw new ReferencedSchemaNotFoundError(key.uri);
    // A referenced schema in a meta-schema Sluice does not know is passed on as Ajv would (it
    // skips checking a schema whose meta-schema it does not have).
    const metaSchema = metaSchemaOf(found.schema);
    if (metaSchema !== undefined) await checkAgainstMetaSchema(key.uri, metaSchema, found.schema);
    return withoutMetaSchema(found.schema);
  }
}

/**
 * The document without `$schema`, for Ajv: its meta-schema has been checked already
 * (checkAgainstMetaSchema) and the Ajv instance is the dialect's, so `$schema` tells Ajv nothing
 * more, while compileAsync() would compile the meta-schema it names just to look it up, which is
 * the cold-start cost the precompiled checks avoid (`draft-04-meta-schema` in docs/performance.md).
 */
function withoutMetaSchema(document: Record<string, unknown>): Record<string, unknown> {
  if (!('$schema' in document)) return document;
  const { $schema: _checked, ...rest } = document;
  return rest;
}

/** Throws a SchemaCompileError listing every way `document` breaks its meta-schema. */
async function checkAgainstMetaSchema(
  schemaUri: string,
  metaSchema: string,
  document: Record<string, unknown>,
): Promise<void> {
  const check = await loadMetaSchemaCheck(metaSchema);
  if (!check(document)) throw new SchemaCompileError(schemaUri, describeMetaSchemaErrors(check.errors));
}

/** Every Iglu schema a document `$ref`s, as canonical `iglu:` URIs. */
export function collectIgluReferences(document: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(document)) {
    for (const item of document) collectIgluReferences(item, into);
  } else if (typeof document === 'object' && document !== null) {
    for (const [name, value] of Object.entries(document)) {
      if (name === '$ref' && typeof value === 'string') {
        const key = schemaKeyFromReference(value);
        if (key) into.add(key.uri);
      } else {
        collectIgluReferences(value, into);
      }
    }
  }
  return into;
}

function referenceSpellings(key: SchemaKey): string[] {
  const iglu = [key.uri, `${key.uri}#`];
  const central = ['http', 'https'].flatMap((scheme) => {
    const url = `${scheme}://iglucentral.com/schemas/${key.path}`;
    return [url, `${url}#`];
  });
  return [...iglu, ...central];
}
