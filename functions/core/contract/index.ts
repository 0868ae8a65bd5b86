/** The data contract: rows, table schemas and message attributes, defined once. */
export * from './columns.ts';
export * from './rows.ts';
export * from './table-schema.ts';
export * from './timestamps.ts';
export * from './attributes.ts';
export * from './message.ts';
export * from './row-check.ts';
export * from './markdown.ts';
