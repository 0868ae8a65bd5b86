/**
 * The Iglu self-describing meta-schema, `iglu:com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0`
 * (from Iglu Central, Apache License 2.0). Every Iglu schema names it in `$schema`; it is JSON Schema
 * draft-04 plus a required `self` block. It is embedded rather than fetched because a collector's own
 * registry normally does not hold it, and validating schemas against it must not depend on I/O.
 */
export const IGLU_META_SCHEMA_URI =
  'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#';

export const IGLU_META_SCHEMA: Record<string, unknown> = {
  $schema: 'http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#',
  description: 'Meta-schema for self-describing JSON schema',
  self: {
    vendor: 'com.snowplowanalytics.self-desc',
    name: 'schema',
    format: 'jsonschema',
    version: '1-0-0',
  },
  allOf: [
    {
      properties: {
        self: {
          type: 'object',
          properties: {
            vendor: {
              type: 'string',
              pattern: '^[a-zA-Z0-9-_.]+$',
            },
            name: {
              type: 'string',
              pattern: '^[a-zA-Z0-9-_]+$',
            },
            format: {
              type: 'string',
              pattern: '^[a-zA-Z0-9-_]+$',
            },
            version: {
              type: 'string',
              pattern: '^[0-9]+-[0-9]+-[0-9]+$',
            },
          },
          required: ['vendor', 'name', 'format', 'version'],
          additionalProperties: false,
        },
      },
      required: ['self'],
    },
    {
      $ref: 'http://json-schema.org/draft-04/schema#',
    },
  ],
};
