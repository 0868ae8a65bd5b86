import { isJsonObject } from '../json-object.ts';
import { SLUICE_CONFIG_SCHEMA } from './config-schema.ts';

/**
 * Settings whose default follows `name_prefix`, so that a second environment in the same project
 * (`name_prefix: dev`) needs nothing but its prefix: its topics, replay subscription and dataset
 * get names of their own. With the default prefix `sluice` they are the names Sluice always used
 * (sluice-events, sluice-invalid-events, sluice-invalid-events-replay, sluice). Set explicitly,
 * a key keeps its value whatever the prefix.
 */
export const PREFIX_DERIVED_DEFAULTS: ReadonlyArray<{
  readonly path: readonly [string] | readonly [string, string];
  readonly derive: (prefix: string) => string;
}> = [
  { path: ['valid_topic'], derive: (prefix) => `${prefix}-events` },
  { path: ['invalid_topic'], derive: (prefix) => `${prefix}-invalid-events` },
  { path: ['replay_subscription'], derive: (prefix) => `${prefix}-invalid-events-replay` },
  // Dataset ids allow letters, digits and underscores only.
  { path: ['bigquery', 'dataset'], derive: (prefix) => prefix.replaceAll('-', '_') },
];

const PREFIX_SCHEMA = SLUICE_CONFIG_SCHEMA.properties?.name_prefix;

/**
 * Fills, IN PLACE, each prefix-derived setting that `settings` (the merged document and
 * environment) leaves unset. A prefix that is not valid derives nothing: validation reports the
 * prefix, and the plain defaults fill the rest.
 */
export function fillPrefixDerivedDefaults(settings: Record<string, unknown>): void {
  const prefix = settings.name_prefix ?? PREFIX_SCHEMA?.default;
  if (typeof prefix !== 'string' || !new RegExp(PREFIX_SCHEMA?.pattern ?? '^$').test(prefix)) return;
  for (const { path, derive } of PREFIX_DERIVED_DEFAULTS) {
    if (path.length === 1) {
      if (settings[path[0]] === undefined) settings[path[0]] = derive(prefix);
      continue;
    }
    const group = settings[path[0]] ?? {};
    if (!isJsonObject(group)) continue;
    if (group[path[1]] === undefined) settings[path[0]] = { ...group, [path[1]]: derive(prefix) };
  }
}
