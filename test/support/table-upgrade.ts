/**
 * Whether a deployed BigQuery table can take a new schema in place, as Google and the Terraform
 * provider document it, so that a synth test can prove an upgrade keeps the tables (and their data).
 *
 * Sources:
 * [B1] https://cloud.google.com/bigquery/docs/managing-table-schemas — "Add a column": "If you add
 *      new columns to an existing table schema, the columns must be NULLABLE or REPEATED. You
 *      cannot add a REQUIRED column to an existing table schema"; "It isn't possible to add columns
 *      in the middle of a table schema. New columns and nested fields are always added at the end
 *      of the table or field. The only way to create a new column in the middle of a table schema
 *      is to create a new table". "Change a column's mode": only REQUIRED -> NULLABLE (relaxing).
 * [T1] https://github.com/hashicorp/terraform-provider-google/issues/8630 (closed, implemented):
 *      the google provider patches a table whose schema change BigQuery can apply, and replaces
 *      the table (destroy, create) otherwise; https://github.com/hashicorp/terraform-provider-google/issues/10379:
 *      adding a REQUIRED column is refused. A replacement of a table with
 *      `deletion_protection = true` fails the apply (the provider refuses to destroy it), and
 *      without it, deletes the data.
 */
export interface SchemaField {
  readonly name: string;
  readonly type: string;
  readonly mode?: string;
}

/** Every reason `next` cannot replace `deployed` in place; empty means an in-place update. */
export function inPlaceUpgradeProblems(deployed: readonly SchemaField[], next: readonly SchemaField[]): string[] {
  const problems: string[] = [];
  deployed.forEach((old, index) => {
    const now = next[index];
    if (now === undefined || now.name.toLowerCase() !== old.name.toLowerCase()) {
      const moved = next.findIndex((field) => field.name.toLowerCase() === old.name.toLowerCase());
      problems.push(
        moved === -1
          ? `${old.name}: column dropped or renamed [B1]`
          : `${old.name}: was column ${index + 1}, would be column ${moved + 1}; columns cannot move [B1]`,
      );
      return;
    }
    if (now.type !== old.type) problems.push(`${old.name}: type ${old.type} -> ${now.type} [B1]`);
    const [oldMode, newMode] = [old.mode ?? 'NULLABLE', now.mode ?? 'NULLABLE'];
    if (oldMode !== newMode && !(oldMode === 'REQUIRED' && newMode === 'NULLABLE'))
      problems.push(`${old.name}: mode ${oldMode} -> ${newMode}; only REQUIRED -> NULLABLE is allowed [B1]`);
  });
  for (const added of next.slice(deployed.length)) {
    const mode = added.mode ?? 'NULLABLE';
    if (mode !== 'NULLABLE' && mode !== 'REPEATED')
      problems.push(
        `${added.name}: a column added to an existing table must be NULLABLE or REPEATED, not ${mode} [B1]`,
      );
  }
  return problems;
}
