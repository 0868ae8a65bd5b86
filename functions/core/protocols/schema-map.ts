/**
 * A configured mapping from a CloudEvents attribute value (its `type`, or a `dataschema` that is
 * not an Iglu URI) to the Iglu URI of the schema its data is validated against. A key is matched
 * exactly, or, when it ends in `*`, as a prefix (`com.github.*` matches `com.github.push`); an
 * exact key wins over a prefix, and a longer prefix over a shorter one, so a specific entry can
 * override a family's.
 */
export class SchemaMap {
  readonly #exact = new Map<string, string>();
  /** Prefix entries, longest first. */
  readonly #prefixes: ReadonlyArray<readonly [string, string]>;

  constructor(entries: Readonly<Record<string, string>>) {
    const prefixes: Array<[string, string]> = [];
    for (const [key, schema] of Object.entries(entries)) {
      if (key.endsWith('*')) prefixes.push([key.slice(0, -1), schema]);
      else this.#exact.set(key, schema);
    }
    this.#prefixes = prefixes.sort(([a], [b]) => b.length - a.length);
  }

  get size(): number {
    return this.#exact.size + this.#prefixes.length;
  }

  /** The Iglu URI for `value`, or undefined when no entry matches. */
  lookup(value: string): string | undefined {
    const exact = this.#exact.get(value);
    if (exact !== undefined) return exact;
    for (const [prefix, schema] of this.#prefixes) if (value.startsWith(prefix)) return schema;
    return undefined;
  }
}
