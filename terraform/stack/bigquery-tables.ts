import { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import { BigqueryTable } from '@cdktf/provider-google/lib/bigquery-table/index.js';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import { TABLE_NAMES, tableSchema } from '../../functions/core/contract/table-schema.ts';
import type { StackNames } from '../names.ts';
import type { Needs } from './apis.ts';

/** Clustering of each table: the columns queries filter on most, in that order. */
export const CLUSTERING: Readonly<Record<RowKind, readonly string[]>> = {
  valid: ['schema', 'event_name', 'app_id'],
  invalid: ['error_type', 'schema', 'protocol'],
};

export interface BigqueryTables {
  readonly dataset: BigqueryDataset;
  readonly tables: Readonly<Record<RowKind, BigqueryTable>>;
}

/** The dataset, and the events and invalid_events tables with the contract's schema. */
export function bigqueryTables(
  scope: Construct,
  options: { readonly config: SluiceConfig; readonly names: StackNames; readonly needs: Needs },
): BigqueryTables {
  const { bigquery } = options.config;
  const dataset = new BigqueryDataset(scope, 'bigquery_dataset', {
    datasetId: options.names.dataset,
    location: bigquery.location,
    description:
      'Sluice events: the events and invalid_events tables written by Pub/Sub BigQuery subscriptions, and views over them.',
    deleteContentsOnDestroy: !bigquery.deletion_protection,
    dependsOn: options.needs('bigquery.googleapis.com'),
  });
  const expirationMs = bigquery.partition_expiration_days * 24 * 60 * 60 * 1000;
  const table = (logicalId: string, kind: RowKind): BigqueryTable =>
    new BigqueryTable(scope, logicalId, {
      datasetId: dataset.datasetId,
      tableId: TABLE_NAMES[kind],
      description:
        kind === 'valid'
          ? 'Valid events, one row per event (written by a Pub/Sub BigQuery subscription).'
          : 'Invalid events with the reasons, one row per event.',
      // The contract's schema, with the write_metadata columns: the same list the collector encodes rows from.
      schema: JSON.stringify(tableSchema(kind)),
      timePartitioning: { type: 'DAY', field: 'collector_tstamp', ...(expirationMs > 0 ? { expirationMs } : {}) },
      clustering: [...CLUSTERING[kind]],
      deletionProtection: bigquery.deletion_protection,
    });
  return {
    dataset,
    tables: { valid: table('table_events', 'valid'), invalid: table('table_invalid_events', 'invalid') },
  };
}
