import { SluiceError } from '../errors.ts';
import { parseSchemaKey, type SchemaKey } from '../iglu/schema-key.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../registry/schema-registry.ts';
import { type CompiledSchema, ReferencedSchemaNotFoundError, SchemaCompileError } from './schema-compiler.ts';

/** What the cache knows about one schema key. */
export type SchemaLookup =
  | { readonly status: 'found'; readonly schema: CompiledSchema }
  /** No registry has it (or a schema it `$ref`s). Cached for `negativeTtlMs`. */
  | { readonly status: 'not_found'; readonly key: SchemaKey; readonly error: SluiceError }
  /** No registry could answer and no copy was ever loaded. Cached for `errorTtlMs`. */
  | { readonly status: 'unavailable'; readonly key: SchemaKey; readonly error: SluiceError }
  /** The registry holds a document that cannot be used as a schema. Cached for `negativeTtlMs`. */
  | { readonly status: 'invalid'; readonly key: SchemaKey; readonly error: SluiceError };

/** The part of SchemaCompiler the cache uses (an interface so tests can count compiles). */
export interface SchemaCompilerPort {
  compile(key: SchemaKey, document: Record<string, unknown>): Promise<CompiledSchema>;
  release(compiled: CompiledSchema): void;
  forgetReference(key: SchemaKey): void;
  reset(): void;
}

export interface SchemaCacheOptions {
  readonly registry: SchemaRegistry;
  readonly compiler: SchemaCompilerPort;
  /** Age after which a found schema is re-fetched in the background; the old copy keeps serving. */
  readonly ttlMs: number;
  /** How long "not found" and "invalid schema" answers are remembered. 0 disables. */
  readonly negativeTtlMs: number;
  /** How long "registry unavailable" is remembered for a key that was never loaded. 0 disables. */
  readonly errorTtlMs: number;
  /** Bound on remembered keys (found and negative alike); the least recently used goes first. */
  readonly maxEntries: number;
  readonly now?: (() => number) | undefined;
  /** Told when a background refresh fails and the last good copy stays in service. */
  readonly onRefreshError?: ((key: SchemaKey, error: SluiceError) => void) | undefined;
}

export interface SchemaCacheStats {
  readonly entries: number;
  readonly hits: number;
  readonly misses: number;
  readonly loads: number;
  readonly refreshes: number;
  readonly evictions: number;
}

interface Entry {
  readonly lookup: SchemaLookup;
  /** For found entries: when to refresh. For the others: when to forget. */
  due: number;
  refreshing: boolean;
}

/**
 * The self-warming schema cache between the validators and the registries.
 *
 * - The first use of a key fetches and compiles it; concurrent misses share that one load.
 * - A found schema is served from memory from then on: once it is older than the TTL, the next use
 *   starts a background refresh and is still answered at once with the copy it has
 *   (stale-while-revalidate), so after warm-up no event waits on a registry.
 * - If a refresh fails (registry down, broken upload), the last good copy keeps serving and the
 *   next attempt waits `errorTtlMs`.
 * - Misses are remembered briefly, and the whole cache is LRU-bounded, so a flood of unknown
 *   schema names costs neither unbounded memory nor a registry call per event.
 * - `purge` forgets one key (and every schema that `$ref`s it) or everything, for the purge route
 *   and the replay tool; a load that was in flight during a purge is not stored.
 */
export class SchemaCache {
  readonly #options: Omit<SchemaCacheOptions, 'now'> & { readonly now: () => number };
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<SchemaLookup>>();
  #hits = 0;
  #misses = 0;
  #loads = 0;
  #refreshes = 0;
  #evictions = 0;

  constructor(options: SchemaCacheOptions) {
    for (const name of ['ttlMs', 'negativeTtlMs', 'errorTtlMs'] as const) {
      const value = options[name];
      if (!Number.isFinite(value) || value < 0) {
        throw new RangeError(`SchemaCache: ${name} must be a number of milliseconds >= 0, got ${value}`);
      }
    }
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new RangeError(`SchemaCache: maxEntries must be a whole number >= 1, got ${options.maxEntries}`);
    }
    this.#options = { ...options, now: options.now ?? Date.now };
  }

  /**
   * The compiled schema for a key if it is in memory, without waiting: the hot path. A stale copy
   * is returned too, and its background refresh started.
   */
  peek(key: SchemaKey): CompiledSchema | undefined {
    const entry = this.#entries.get(key.uri);
    if (entry?.lookup.status !== 'found') return undefined;
    this.#use(key, entry);
    return entry.lookup.schema;
  }

  /** What is known about a key, loading it if needed. Never rejects. */
  get(key: SchemaKey): Promise<SchemaLookup> {
    const entry = this.#entries.get(key.uri);
    if (entry) {
      if (entry.lookup.status === 'found' || this.#options.now() < entry.due) {
        this.#use(key, entry);
        return Promise.resolve(entry.lookup);
      }
      this.#entries.delete(key.uri); // an expired negative answer
    }
    this.#misses++;
    return this.#inflight.get(key.uri) ?? this.#startLoad(key);
  }

  /** Loads the given keys now (at start-up), so that their first events do not wait. */
  warm(keys: readonly SchemaKey[]): Promise<SchemaLookup[]> {
    return Promise.all(keys.map((key) => this.get(key)));
  }

  /**
   * Forgets a key (an Iglu URI or a key) and every cached schema that `$ref`s it, or everything when
   * called without a key. Returns the URIs forgotten. The next use of each loads it afresh.
   */
  purge(key?: SchemaKey | string): string[] {
    if (key === undefined) {
      const all = [...this.#entries.keys()];
      for (const entry of this.#entries.values()) this.#release(entry);
      this.#entries.clear();
      this.#inflight.clear();
      this.#options.compiler.reset();
      return all;
    }
    const target = typeof key === 'string' ? parseSchemaKey(key) : key;
    const purged = new Set<string>();
    const pending = [target.uri];
    while (pending.length > 0) {
      const uri = pending.pop() as string;
      if (purged.has(uri)) continue;
      purged.add(uri);
      this.#forget(uri);
      for (const [otherUri, entry] of this.#entries) {
        if (entry.lookup.status === 'found' && entry.lookup.schema.references.includes(uri)) pending.push(otherUri);
      }
    }
    this.#options.compiler.forgetReference(target);
    return [...purged];
  }

  stats(): SchemaCacheStats {
    return {
      entries: this.#entries.size,
      hits: this.#hits,
      misses: this.#misses,
      loads: this.#loads,
      refreshes: this.#refreshes,
      evictions: this.#evictions,
    };
  }

  #use(key: SchemaKey, entry: Entry): void {
    this.#hits++;
    // Map order is the LRU order: re-inserting moves the key to the most recently used end.
    this.#entries.delete(key.uri);
    this.#entries.set(key.uri, entry);
    if (entry.lookup.status === 'found' && !entry.refreshing && this.#options.now() >= entry.due) {
      this.#refresh(key, entry);
    }
  }

  #startLoad(key: SchemaKey): Promise<SchemaLookup> {
    const load = this.#load(key).then((lookup) => {
      // A purge while this load was in flight removed it from #inflight: its result may predate
      // the change that prompted the purge, so it answers its callers but is not remembered.
      if (this.#inflight.get(key.uri) === load) {
        this.#inflight.delete(key.uri);
        this.#store(key, lookup);
      } else if (lookup.status === 'found') {
        this.#options.compiler.release(lookup.schema);
      }
      return lookup;
    });
    this.#inflight.set(key.uri, load);
    return load;
  }

  #refresh(key: SchemaKey, entry: Entry): void {
    entry.refreshing = true;
    this.#refreshes++;
    void this.#load(key).then((lookup) => {
      entry.refreshing = false;
      const current = this.#entries.get(key.uri) === entry;
      if (current && (lookup.status === 'found' || lookup.status === 'not_found')) {
        // A new copy, or an authoritative "gone": both replace the old copy.
        this.#store(key, lookup);
        return;
      }
      if (lookup.status === 'found') this.#options.compiler.release(lookup.schema);
      if (current) {
        // Registry down or a broken upload: keep serving the last good copy, try again later.
        entry.due = this.#options.now() + Math.max(this.#options.errorTtlMs, MIN_REFRESH_RETRY_MS);
        if (lookup.status !== 'found') this.#options.onRefreshError?.(key, lookup.error);
      }
    });
  }

  async #load(key: SchemaKey): Promise<SchemaLookup> {
    this.#loads++;
    try {
      const answer = await this.#options.registry.lookup(key);
      if (!answer.found) {
        return {
          status: 'not_found',
          key,
          error: new SluiceError(
            'schema_not_found',
            `schema ${key.uri} is in no registry (${this.#options.registry.url}); ` +
              `add it as ${key.path} to a registry and replay the invalid events`,
          ),
        };
      }
      return { status: 'found', schema: await this.#options.compiler.compile(key, answer.schema) };
    } catch (error) {
      return failedLookup(key, error);
    }
  }

  #store(key: SchemaKey, lookup: SchemaLookup): void {
    const now = this.#options.now();
    const ttl =
      lookup.status === 'found'
        ? this.#options.ttlMs
        : lookup.status === 'unavailable'
          ? this.#options.errorTtlMs
          : this.#options.negativeTtlMs;
    this.#forget(key.uri);
    if (ttl === 0 && lookup.status !== 'found') return;
    this.#entries.set(key.uri, { lookup, due: now + ttl, refreshing: false });
    while (this.#entries.size > this.#options.maxEntries) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, Entry];
      this.#entries.delete(oldest);
      this.#release(entry);
      this.#evictions++;
    }
  }

  #forget(uri: string): void {
    const entry = this.#entries.get(uri);
    if (entry) {
      this.#entries.delete(uri);
      this.#release(entry);
    }
    this.#inflight.delete(uri);
  }

  #release(entry: Entry): void {
    if (entry.lookup.status === 'found') this.#options.compiler.release(entry.lookup.schema);
  }
}

/** A failed refresh is retried no sooner than this, even with `errorTtlMs` 0, to spare the registry. */
export const MIN_REFRESH_RETRY_MS = 1000;

function failedLookup(key: SchemaKey, error: unknown): SchemaLookup {
  if (error instanceof ReferencedSchemaNotFoundError) return { status: 'not_found', key, error };
  if (error instanceof SchemaCompileError || error instanceof InvalidSchemaDocumentError) {
    return { status: 'invalid', key, error };
  }
  if (error instanceof RegistryUnavailableError) return { status: 'unavailable', key, error };
  // Anything else is a fault of ours or of a dependency; it is reported as "unavailable" so that the
  // event is kept as a replayable invalid row rather than lost or wrongly accepted.
  return {
    status: 'unavailable',
    key,
    error: new SluiceError('registry_unavailable', `loading schema ${key.uri} failed: ${String(error)}`, {
      cause: error,
    }),
  };
}
