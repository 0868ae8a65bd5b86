/**
 * JSON parameters decoded so far in one request, by parameter name and value as sent. A browser
 * tracker's batch repeats the page's contexts in every event, which is then parsed once, not once
 * per event (`co-decode` in docs/performance.md). Only values that decoded are kept; the events
 * then share one parsed value, which nothing downstream modifies (rows are encoded as they are).
 */
export class DecodedParams {
  readonly #byName = new Map<string, Map<string, unknown>>();

  get(name: string, value: string): { readonly value: unknown } | undefined {
    const values = this.#byName.get(name);
    if (values === undefined || !values.has(value)) return undefined;
    return { value: values.get(value) };
  }

  set(name: string, value: string, decoded: unknown): void {
    let values = this.#byName.get(name);
    if (values === undefined) {
      values = new Map();
      this.#byName.set(name, values);
    }
    values.set(value, decoded);
  }
}
