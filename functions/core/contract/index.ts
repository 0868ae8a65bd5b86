/** The data contract: rows, table schemas and message attributes, defined once. */

export * from './attributes.ts';
export * from './columns.ts';
export * from './markdown.ts';
export * from './message.ts';
export * from './row-check.ts';
export * from './rows.ts';
export * from './table-schema.ts';
export * from './timestamps.ts';
