/**
 * GoogleSQL lexical helpers for generated view SQL. Names and keys come from schema files that
 * users write, so everything is quoted rather than trusted to be a plain identifier.
 * Source: https://cloud.google.com/bigquery/docs/reference/standard-sql/lexical
 */

/** A quoted identifier: `` `name` `` with backslash and backtick escaped. */
export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/[\\`]/g, (c) => `\\${c}`)}\``;
}

/** A single-quoted string literal; quotes, backslashes and control characters are escaped. */
export function sqlString(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what gets escaped
  const escaped = value.replace(/[\\'\u0000-\u001f\u007f]/g, (c) => {
    switch (c) {
      case '\\':
        return '\\\\';
      case "'":
        return "\\'";
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\t':
        return '\\t';
      default:
        return `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`;
    }
  });
  return `'${escaped}'`;
}

/** `` `project.dataset.table` ``, the fully qualified name views select from. */
export function tableReference(project: string, dataset: string, table: string): string {
  return quoteIdentifier(`${project}.${dataset}.${table}`);
}

/**
 * A column name BigQuery accepts: letters, digits and underscores, not starting with a digit
 * (https://cloud.google.com/bigquery/docs/schemas#column_names). Other characters become `_`.
 */
export function toColumnName(text: string): string {
  const name = text.replace(/[^A-Za-z0-9_]/g, '_');
  return name === '' || /^[0-9]/.test(name) ? `_${name}` : name;
}
