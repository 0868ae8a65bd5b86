/**
 * How the configuration schema is compiled. `useDefaults` fills every missing key (groups default
 * to `{}`, so their children's defaults fill in too); `allErrors` so one run reports every
 * problem; `verbose` so errors carry the offending value and the schema node that rejected it.
 * `validateSchema: false`: the schema is ours and fixed, and checking it against the draft-07
 * meta-schema meant compiling the meta-schema too; strict mode still refuses unknown keywords and
 * malformed keyword values while compiling.
 */
export const CONFIG_AJV_OPTIONS = {
  useDefaults: true,
  allErrors: true,
  verbose: true,
  strict: true,
  validateSchema: false,
} as const;
