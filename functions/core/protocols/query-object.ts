import type { JsonValue } from '../contract/rows.ts';

/**
 * The parameters of a query string as a JSON object: a parameter given once is a string, one
 * given several times an array of its strings in order. Built with `Object.fromEntries`, which
 * defines own properties, so that parameters named `__proto__` or `constructor` stay plain data
 * and never reach an object's prototype.
 */
export function queryObject(
  query: URLSearchParams,
  exclude: ReadonlySet<string> = new Set(),
): Record<string, JsonValue> {
  const values = new Map<string, string[]>();
  for (const [name, value] of query) {
    if (exclude.has(name)) continue;
    const list = values.get(name);
    if (list) list.push(value);
    else values.set(name, [value]);
  }
  return Object.fromEntries([...values].map(([name, list]) => [name, list.length === 1 ? (list[0] as string) : list]));
}
