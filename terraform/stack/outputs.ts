import type { BigqueryDataset } from '@cdktf/provider-google/lib/bigquery-dataset/index.js';
import type { BigqueryRoutine } from '@cdktf/provider-google/lib/bigquery-routine/index.js';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import type { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import type { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard/index.js';
import type { PubsubSubscription } from '@cdktf/provider-google/lib/pubsub-subscription/index.js';
import type { PubsubTopic } from '@cdktf/provider-google/lib/pubsub-topic/index.js';
import type { SecretManagerSecret } from '@cdktf/provider-google/lib/secret-manager-secret/index.js';
import type { StorageBucket } from '@cdktf/provider-google/lib/storage-bucket/index.js';
import { Fn, TerraformOutput } from 'cdktf';
import type { Construct } from 'constructs';
import type { RowKind } from '../../functions/core/contract/columns.ts';
import { TABLE_NAMES } from '../../functions/core/contract/table-schema.ts';
import type { StackNames } from '../names.ts';
import { DEAD_LETTER_RETENTION_DAYS } from './subscriptions.ts';

/** The stack's outputs, printed after an apply: where to point trackers and where the data goes. */
export function stackOutputs(
  scope: Construct,
  stack: {
    readonly names: StackNames;
    readonly collector: Cloudfunctions2Function;
    readonly topics: Readonly<Record<RowKind, PubsubTopic>>;
    readonly replay: PubsubSubscription;
    readonly purgeSecret: SecretManagerSecret;
    readonly schemaBucket: StorageBucket;
    readonly dashboard: MonitoringDashboard;
    readonly policies: readonly MonitoringAlertPolicy[];
    readonly dataset: BigqueryDataset;
    readonly views: readonly string[];
    readonly dedupedFunction: BigqueryRoutine;
  },
): void {
  const { names } = stack;
  const output = (name: string, value: string | string[], description: string) =>
    new TerraformOutput(scope, name, { value, description });
  output('collector_url', stack.collector.url, 'URL of the collector: point trackers here.');
  output('valid_topic', stack.topics.valid.name, 'Pub/Sub topic of valid events.');
  output('invalid_topic', stack.topics.invalid.name, 'Pub/Sub topic of invalid events.');
  output('replay_subscription', stack.replay.name, 'Subscription the replay tool reads.');
  output(
    'dead_letter_subscriptions',
    [names.deadLetterSubscriptions.valid, names.deadLetterSubscriptions.invalid],
    `Messages BigQuery refused, kept ${DEAD_LETTER_RETENTION_DAYS} days: npm run replay -- --source dead-letter sends them back.`,
  );
  output(
    'purge_token_secret',
    stack.purgeSecret.secretId,
    'Secret Manager secret holding the purge route token: gcloud secrets versions access latest --secret=<this>.',
  );
  output(
    'schema_bucket',
    Fn.join('', ['gs://', stack.schemaBucket.name]),
    'Schema registry bucket: add a file under schemas/ and deploy, or copy it here.',
  );
  output('dashboard', stack.dashboard.id, 'Cloud Monitoring dashboard of the pipeline (Monitoring > Dashboards).');
  output(
    'alert_policies',
    stack.policies.map((policy) => policy.name),
    'Cloud Monitoring alert policies (Monitoring > Alerting).',
  );
  output('dataset', stack.dataset.datasetId, 'BigQuery dataset.');
  output('tables', [TABLE_NAMES.valid, TABLE_NAMES.invalid], 'BigQuery tables.');
  output('views', [...stack.views], 'BigQuery views.');
  output('table_functions', [stack.dedupedFunction.routineId], 'BigQuery table functions.');
}
