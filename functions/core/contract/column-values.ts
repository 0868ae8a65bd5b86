/** The closed sets of values that the `protocol` and `error_type` columns take. */

export const PROTOCOLS = ['snowplow', 'cloudevents', 'self_describing', 'pixel', 'webhook', 'segment'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/**
 * Why an event is invalid. `schema_invalid` is Sluice's addition to the contract's list: the
 * registry holds a document for the key that cannot be compiled (fix the schema, then replay).
 */
export const ERROR_TYPES = [
  'schema_not_found',
  'validation_failed',
  'unparseable',
  'protocol_violation',
  'size_exceeded',
  'registry_unavailable',
  'unauthorized',
  'schema_invalid',
] as const;
export type ErrorType = (typeof ERROR_TYPES)[number];
