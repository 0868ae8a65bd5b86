import {
  MonitoringAlertPolicy,
  type MonitoringAlertPolicyConditions,
} from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { AlertsConfig } from '../../functions/core/config/config.ts';
import type { StackNames } from '../names.ts';
import { METRIC, monitoringFilter, promqlSelector } from './metrics.ts';

/** What the policies need to know about the stack. */
export interface AlertPolicyContext {
  readonly alerts: AlertsConfig;
  readonly names: StackNames;
  /** The project id, or the project_id variable's reference. */
  readonly project: string;
  readonly namePrefix: string;
  /** A BigQuery subscription's attempts before it dead-letters a message. */
  readonly maxDeliveryAttempts: number;
  /** How long a dead-letter subscription keeps a message, in days. */
  readonly deadLetterRetentionDays: number;
  /** Channel names every policy notifies (may be empty). */
  readonly channels: readonly string[];
  readonly dependsOn: ITerraformDependable[];
}

/** The policies by logical id, for the tests and the docs. */
export const ALERT_POLICY_IDS = [
  'alert_dead_letters',
  'alert_bigquery_backlog',
  'alert_function_5xx',
  'alert_invalid_share',
] as const;

/** Gauges are read every minute; a minute is also the shortest condition duration Cloud Monitoring takes. */
const GAUGE_ALIGNMENT = '60s';
/** An incident whose condition stops reporting data is closed after this long. */
const AUTO_CLOSE = '1800s';
/** How often the PromQL condition is evaluated. */
const PROMQL_EVALUATION_INTERVAL = '60s';

const seconds = (value: number) => `${value}s`;
const percent = (ratio: number) => `${Number((ratio * 100).toFixed(4))}%`;
const minutes = (value: number) => `${value / 60} min`;

/**
 * The four alert policies, each on metrics Google writes without any code in the function, each
 * with documentation saying what happened and the command or console page that fixes it:
 * - messages waiting in either dead-letter subscription (what BigQuery refused);
 * - a BigQuery subscription whose oldest unwritten message is too old (falling behind);
 * - the function answering 5xx (503 included) to too large a share of requests;
 * - too large a share of invalid events among all events published.
 * docs/operations.md explains each one at length.
 */
export function alertPolicies(scope: Construct, context: AlertPolicyContext): MonitoringAlertPolicy[] {
  const { alerts, names } = context;
  const deadLetterSubscriptions = [names.deadLetterSubscriptions.valid, names.deadLetterSubscriptions.invalid];
  const bigquerySubscriptions = [names.bigquerySubscriptions.valid, names.bigquerySubscriptions.invalid];
  const policy = (
    id: (typeof ALERT_POLICY_IDS)[number],
    displayName: string,
    severity: 'CRITICAL' | 'ERROR' | 'WARNING',
    condition: MonitoringAlertPolicyConditions,
    documentation: string,
  ) =>
    new MonitoringAlertPolicy(scope, id, {
      displayName: `${context.namePrefix}: ${displayName}`,
      combiner: 'OR',
      severity,
      conditions: [condition],
      notificationChannels: [...context.channels],
      alertStrategy: { autoClose: AUTO_CLOSE },
      documentation: { mimeType: 'text/markdown', content: documentation },
      dependsOn: context.dependsOn,
    });

  const operations = 'docs/operations.md in the Sluice repository';
  const pullFirst = (subscription: string) =>
    `gcloud pubsub subscriptions pull ${subscription} --project=${context.project} --limit=5 --format=json`;

  return [
    policy(
      'alert_dead_letters',
      'events BigQuery refused are parked in a dead-letter subscription',
      'ERROR',
      {
        displayName: `a dead-letter subscription holds more than ${alerts.dead_letter_messages} messages`,
        conditionThreshold: {
          filter: monitoringFilter({
            metric: METRIC.undeliveredMessages,
            resourceLabels: { subscription_id: deadLetterSubscriptions },
          }),
          aggregations: [{ alignmentPeriod: GAUGE_ALIGNMENT, perSeriesAligner: 'ALIGN_MAX' }],
          comparison: 'COMPARISON_GT',
          thresholdValue: alerts.dead_letter_messages,
          duration: '0s',
        },
      },
      [
        '## Events that BigQuery refused are waiting in a dead-letter subscription',
        '',
        `A BigQuery subscription could not write these messages after ${context.maxDeliveryAttempts} attempts and moved them to its dead-letter topic. They wait in \`${deadLetterSubscriptions.join('` or `')}\` for ${context.deadLetterRetentionDays} days, then Pub/Sub drops them.`,
        '',
        '1. Look at a few without moving them (no `--auto-ack`: they come back after their ack deadline). The attribute `CloudPubSubDeadLetterSourceDeliveryErrorMessage` says why BigQuery refused each one:',
        `   \`${pullFirst(deadLetterSubscriptions[0] as string)}\``,
        `   \`${pullFirst(deadLetterSubscriptions[1] as string)}\``,
        '2. Fix the cause: a changed table schema, a revoked permission of the Pub/Sub service agent, a quota.',
        '3. Send them back to their topics: `npm run replay -- --source dead-letter --dry-run`, then `npm run replay -- --source dead-letter`.',
        '',
        `See "Operate" in ${operations}.`,
      ].join('\n'),
    ),
    policy(
      'alert_bigquery_backlog',
      'a BigQuery subscription is falling behind',
      'WARNING',
      {
        displayName: `oldest unwritten message older than ${alerts.backlog_age_seconds} s for ${minutes(alerts.backlog_window_seconds)}`,
        conditionThreshold: {
          filter: monitoringFilter({
            metric: METRIC.oldestUnackedAge,
            resourceLabels: { subscription_id: bigquerySubscriptions },
          }),
          aggregations: [{ alignmentPeriod: GAUGE_ALIGNMENT, perSeriesAligner: 'ALIGN_MAX' }],
          comparison: 'COMPARISON_GT',
          thresholdValue: alerts.backlog_age_seconds,
          duration: seconds(alerts.backlog_window_seconds),
        },
      },
      [
        '## A BigQuery subscription is falling behind',
        '',
        `The oldest message that \`${bigquerySubscriptions.join('` or `')}\` has not written to BigQuery is older than ${alerts.backlog_age_seconds} seconds. Events are safe in Pub/Sub, but the tables are late.`,
        '',
        '- Open the subscription in the console (Pub/Sub > Subscriptions > the subscription): its page shows the BigQuery error, if any.',
        `- A permission or table problem makes writes fail: after ${context.maxDeliveryAttempts} attempts the messages move to the dead-letter subscriptions, and the dead-letter alert follows.`,
        '- A quota (BigQuery Storage Write API throughput) makes it slow: see IAM & Admin > Quotas.',
        '',
        `See "Operate" in ${operations}.`,
      ].join('\n'),
    ),
    policy(
      'alert_function_5xx',
      'the collector answers 5xx',
      'CRITICAL',
      {
        displayName: `more than ${percent(alerts.error_ratio)} of requests answered 5xx over ${minutes(alerts.error_window_seconds)}`,
        conditionThreshold: {
          filter: monitoringFilter({
            metric: METRIC.requestCount,
            resourceLabels: { service_name: names.functionName },
            metricLabels: { response_code_class: '5xx' },
          }),
          denominatorFilter: monitoringFilter({
            metric: METRIC.requestCount,
            resourceLabels: { service_name: names.functionName },
          }),
          // Summed over the whole window and over revisions, so that the ratio is the window's share.
          aggregations: [ratioAggregation(alerts.error_window_seconds)],
          denominatorAggregations: [ratioAggregation(alerts.error_window_seconds)],
          comparison: 'COMPARISON_GT',
          thresholdValue: alerts.error_ratio,
          duration: '0s',
        },
      },
      [
        '## The collector answers 5xx',
        '',
        `More than ${percent(alerts.error_ratio)} of the requests to \`${names.functionName}\` were answered 5xx over ${minutes(alerts.error_window_seconds)}. A 503 means Pub/Sub did not accept the events in time (or the instance was at its in-flight cap): trackers retry, but a sender that does not retry loses them.`,
        '',
        `- Read the errors: \`gcloud logging read 'resource.type="cloud_run_revision" AND resource.labels.service_name="${names.functionName}" AND severity>=WARNING' --project=${context.project} --freshness=1h --limit=50\``,
        '- Pub/Sub errors or timeouts: check the Google Cloud status page and the topics; `pubsub.publish_timeout_ms` sets how long a request waits.',
        '- All instances busy: raise `deploy.max_instances` (or `deploy.concurrency`) and run `npm run deploy`.',
        '',
        `See "Operate" in ${operations}.`,
      ].join('\n'),
    ),
    policy(
      'alert_invalid_share',
      'too many events are invalid',
      'WARNING',
      {
        displayName: `more than ${percent(alerts.invalid_ratio)} of events invalid over ${minutes(alerts.invalid_window_seconds)}`,
        // A count of the messages published to each topic: the count of topic/message_sizes, which
        // a Monitoring filter cannot take from a distribution but PromQL reads as <name>_count.
        conditionPrometheusQueryLanguage: {
          query: invalidShareQuery(names, alerts.invalid_window_seconds, alerts.invalid_ratio),
          duration: '0s',
          evaluationInterval: PROMQL_EVALUATION_INTERVAL,
        },
      },
      [
        '## Too many events are invalid',
        '',
        `More than ${percent(alerts.invalid_ratio)} of the events published over ${minutes(alerts.invalid_window_seconds)} went to \`${names.invalidTopic}\`: a tracker release sending events its schema refuses, or a schema missing from the registry. Nothing is lost: every invalid event is in the \`invalid_events\` table with the reason.`,
        '',
        '1. See which, in BigQuery:',
        '',
        '```sql',
        'SELECT error_type, schema, COUNT(*) AS events',
        `FROM \`${context.project}.${names.dataset}.invalid_events\``,
        'WHERE collector_tstamp > TIMESTAMP_SUB(CURRENT_TIMESTAMP(), INTERVAL 1 HOUR)',
        'GROUP BY error_type, schema ORDER BY events DESC',
        '```',
        '',
        "2. Fix the schema (add it under `schemas/` and `npm run deploy`, then purge the collectors' cache) or the tracker.",
        '3. Re-validate what was refused: `npm run replay`.',
        '',
        `See "Operate" and "Fix a schema and replay" in ${operations} and the README.`,
      ].join('\n'),
    ),
  ];
}

function ratioAggregation(windowSeconds: number) {
  return {
    alignmentPeriod: seconds(windowSeconds),
    perSeriesAligner: 'ALIGN_DELTA',
    crossSeriesReducer: 'REDUCE_SUM',
    groupByFields: ['resource.label.service_name'],
  };
}

/**
 * invalid messages / all messages published over the window, above the ratio. The denominator
 * selects both topics with one selector, so that a window with only invalid events still gives a
 * ratio (1) instead of no data.
 */
export function invalidShareQuery(names: StackNames, windowSeconds: number, ratio: number): string {
  const count = (topics: string | readonly string[]) =>
    `sum(increase(${promqlSelector(METRIC.messageSizes, '_count', { topic_id: topics })}[${windowSeconds}s]))`;
  return `${count(names.invalidTopic)} / ${count([names.validTopic, names.invalidTopic])} > ${ratio}`;
}
