import type { SchemaKey } from '../../functions/core/iglu/schema-key.ts';
import {
  type RegistryLookup,
  RegistryUnavailableError,
  type SchemaRegistry,
} from '../../functions/core/registry/schema-registry.ts';

/**
 * An in-memory registry for tests: schemas by Iglu URI, a log of every lookup, an outage switch,
 * and an optional gate that holds lookups until released (to test concurrency).
 */
export class MemoryRegistry implements SchemaRegistry {
  readonly url: string;
  readonly schemas = new Map<string, Record<string, unknown>>();
  readonly lookups: string[] = [];
  down = false;
  #gate: Promise<void> | undefined;
  #openGate: (() => void) | undefined;

  constructor(schemas: Record<string, Record<string, unknown>> = {}, url = 'memory://test') {
    this.url = url;
    for (const [uri, schema] of Object.entries(schemas)) this.schemas.set(uri, schema);
  }

  set(uri: string, schema: Record<string, unknown>): void {
    this.schemas.set(uri, schema);
  }

  /** Makes lookups wait until {@link release} is called. */
  hold(): void {
    this.#gate = new Promise((resolve) => (this.#openGate = resolve));
  }

  release(): void {
    this.#openGate?.();
    this.#gate = undefined;
  }

  count(uri: string): number {
    return this.lookups.filter((looked) => looked === uri).length;
  }

  async lookup(key: SchemaKey): Promise<RegistryLookup> {
    this.lookups.push(key.uri);
    if (this.#gate) await this.#gate;
    if (this.down) throw new RegistryUnavailableError(this.url, 'simulated outage');
    const schema = this.schemas.get(key.uri);
    // A copy, as a real registry would return a fresh parse each time.
    return schema ? { found: true, schema: structuredClone(schema), registry: this.url } : { found: false };
  }
}

/** A minimal Iglu schema for `uri` with the given JSON Schema body. */
export function igluSchema(uri: string, body: Record<string, unknown>): Record<string, unknown> {
  const [vendor, name, format, version] = uri.slice('iglu:'.length).split('/');
  return {
    $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
    self: { vendor, name, format, version },
    ...body,
  };
}

/** Lets pending promise callbacks run. */
export function settle(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
