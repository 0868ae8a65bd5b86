import type { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import { BigqueryRoutine } from '@cdktf/provider-google/lib/bigquery-routine/index.js';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import type { Construct } from 'constructs';
import type { StackNames } from '../names.ts';
import type { SchemaFile } from '../schema-files.ts';
import { terraformLiteral } from '../terraform-literal.ts';
import {
  DEDUPED_FUNCTION_ARGUMENTS,
  DEDUPED_FUNCTION_NAME,
  DEDUPED_VIEW_NAME,
  dedupedFunctionSql,
  dedupedViewSql,
} from '../views/deduped-view.ts';
import { typedViews } from '../views/typed-view.ts';

/** Stands for the project in generated SQL until it is escaped; no generated SQL can contain it. */
const SQL_PROJECT_STAND_IN = '\u0000project\u0000';

export interface BigqueryViews {
  /** The view names: events_deduped, then the typed views. */
  readonly views: readonly string[];
  readonly dedupedFunction: BigqueryRoutine;
}

/**
 * The views over the events table (events_deduped and a typed view per schema family, from
 * views/) and the events_deduped table function.
 */
export function bigqueryViews(
  scope: Construct,
  options: {
    readonly project: string;
    readonly names: StackNames;
    readonly schemaFiles: readonly SchemaFile[];
    readonly dataset: BigqueryDataset;
    /** The table the views read: they are created after it. */
    readonly eventsTable: BigqueryTable;
  },
): BigqueryViews {
  const { project, names, dataset, eventsTable } = options;
  // The SQL quotes property names from schema files, which Terraform must not read as templates;
  // it is generated with a stand-in project, escaped, and only then given the project (which may
  // be the project_id variable's reference).
  const withProject = (sql: string) => terraformLiteral(sql).replaceAll(SQL_PROJECT_STAND_IN, project);
  const views = [
    {
      name: DEDUPED_VIEW_NAME,
      sql: withProject(dedupedViewSql(SQL_PROJECT_STAND_IN, names.dataset)),
      description: 'events with one row per event_id, the earliest received (subscriptions deliver at least once).',
    },
    ...typedViews(options.schemaFiles, SQL_PROJECT_STAND_IN, names.dataset).map((view) => ({
      name: view.name,
      sql: withProject(view.sql),
      description: `Typed columns of ${view.schemas.join(', ')}: one column per schema property, read from payload.`,
    })),
  ];
  for (const view of views) {
    new BigqueryTable(scope, `view_${view.name}`, {
      datasetId: dataset.datasetId,
      tableId: view.name,
      description: view.description,
      view: { query: view.sql, useLegacySql: false },
      // A view holds no data; it is regenerated from schemas/ on every deploy.
      deletionProtection: false,
      dependsOn: [eventsTable],
    });
  }

  // The deduplicated events of a range of days, reading only those partitions.
  const dedupedFunction = new BigqueryRoutine(scope, `routine_${DEDUPED_FUNCTION_NAME}`, {
    datasetId: dataset.datasetId,
    routineId: DEDUPED_FUNCTION_NAME,
    routineType: 'TABLE_VALUED_FUNCTION',
    language: 'SQL',
    definitionBody: withProject(dedupedFunctionSql(SQL_PROJECT_STAND_IN, names.dataset)),
    arguments: DEDUPED_FUNCTION_ARGUMENTS.map((name) => ({ name, dataType: JSON.stringify({ typeKind: 'DATE' }) })),
    description:
      'events with one row per event_id, for collector_tstamp days from_date to to_date (UTC, both included); reads only those partitions.',
    dependsOn: [eventsTable],
  });
  return { views: views.map((view) => view.name), dedupedFunction };
}
