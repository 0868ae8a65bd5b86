import { truncate } from '../text.ts';

/**
 * Reads the schema a URL path names, for routes of the form
 * `<prefix>/<vendor>/<name>/<format>/<version>` (pixels, webhooks). The parts are only split and
 * joined into an Iglu URI here; the collector checks the URI as it checks every other one.
 *
 * The path is taken as sent, not decoded. A `%` anywhere is refused: no escape can be part of a
 * valid Iglu key, and decoding one (`%2F`, `%2e%2e`) would let a single segment smuggle in slashes
 * or dots. Empty, `.` and `..` segments are refused too, so that no normalization on another layer
 * could make the path mean a different schema.
 */
export type SchemaPath =
  | { readonly ok: true; readonly schema: string }
  | { readonly ok: false; readonly message: string };

export function schemaFromPath(path: string, prefix: string): SchemaPath {
  const form = `${prefix}/<vendor>/<name>/jsonschema/<model>-<revision>-<addition>`;
  const wrong = (why: string): SchemaPath => ({
    ok: false,
    message: `path ${JSON.stringify(truncate(path, 120))} does not name a schema as ${form}: ${why}`,
  });
  if (!path.startsWith(`${prefix}/`)) return wrong(`it does not start with ${prefix}/`);
  const rest = path.slice(prefix.length + 1);
  if (rest.includes('%')) return wrong('it contains a percent-escape (such as %2F), which no Iglu schema key can hold');
  if (rest.includes('\\')) return wrong('it contains a backslash');
  const segments = rest.split('/');
  if (segments.length !== 4) return wrong(`it has ${segments.length} segments after ${prefix}/ instead of 4`);
  const bad = segments.find((segment) => segment === '' || segment === '.' || segment === '..');
  if (bad !== undefined)
    return wrong(bad === '' ? 'it has an empty segment' : `it has a ${JSON.stringify(bad)} segment`);
  return { ok: true, schema: `iglu:${segments.join('/')}` };
}
