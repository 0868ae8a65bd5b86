/**
 * The Cloud Monitoring metrics the alert policies and the dashboard read, and the filter and PromQL
 * text that selects them. All are written by Google for every project (Pub/Sub topics and
 * subscriptions, the function's Cloud Run service): nothing in the function reports a metric.
 * test/support/cloud-monitoring.ts cites Google's documentation for each metric type and label
 * used here and checks every filter and query the stack writes against it.
 */

export const METRIC = {
  /** GAUGE INT64 on pubsub_subscription: messages not yet acknowledged. */
  undeliveredMessages: 'pubsub.googleapis.com/subscription/num_undelivered_messages',
  /** GAUGE INT64 (seconds) on pubsub_subscription: age of the oldest unacknowledged message. */
  oldestUnackedAge: 'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
  /**
   * DELTA DISTRIBUTION on pubsub_topic: one value per message published. Its count is the number of
   * messages; Google names it as the replacement of the deprecated topic/send_message_operation_count.
   */
  messageSizes: 'pubsub.googleapis.com/topic/message_sizes',
  /** DELTA INT64 on cloud_run_revision, labelled response_code_class (2xx, 4xx, 5xx...). */
  requestCount: 'run.googleapis.com/request_count',
  /** DELTA DISTRIBUTION (ms) on cloud_run_revision. */
  requestLatencies: 'run.googleapis.com/request_latencies',
  /** GAUGE INT64 on cloud_run_revision, labelled state (active, idle). */
  instanceCount: 'run.googleapis.com/container/instance_count',
} as const;

export type MetricType = (typeof METRIC)[keyof typeof METRIC];

/** The monitored resource each metric is written against. */
export const RESOURCE_OF: Readonly<Record<MetricType, string>> = {
  [METRIC.undeliveredMessages]: 'pubsub_subscription',
  [METRIC.oldestUnackedAge]: 'pubsub_subscription',
  [METRIC.messageSizes]: 'pubsub_topic',
  [METRIC.requestCount]: 'cloud_run_revision',
  [METRIC.requestLatencies]: 'cloud_run_revision',
  [METRIC.instanceCount]: 'cloud_run_revision',
};

/** A label value: one value, or any of several. */
export type LabelMatch = string | readonly string[];

export interface FilterSpec {
  readonly metric: MetricType;
  readonly resourceLabels?: Readonly<Record<string, LabelMatch>>;
  readonly metricLabels?: Readonly<Record<string, LabelMatch>>;
}

/**
 * A Cloud Monitoring filter (https://cloud.google.com/monitoring/api/v3/filters): the metric type,
 * its resource type, and label restrictions, joined by AND. Values are quoted as the filter syntax
 * quotes strings; several values become one_of(...).
 */
export function monitoringFilter(spec: FilterSpec): string {
  const terms = [`metric.type = ${quote(spec.metric)}`, `resource.type = ${quote(RESOURCE_OF[spec.metric])}`];
  for (const [name, match] of Object.entries(spec.resourceLabels ?? {}))
    terms.push(`resource.label.${name} = ${matchText(match)}`);
  for (const [name, match] of Object.entries(spec.metricLabels ?? {}))
    terms.push(`metric.label.${name} = ${matchText(match)}`);
  return terms.join(' AND ');
}

function matchText(match: LabelMatch): string {
  if (typeof match === 'string') return quote(match);
  return match.length === 1 ? quote(match[0] as string) : `one_of(${match.map(quote).join(', ')})`;
}

function quote(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/**
 * The PromQL name of a Cloud Monitoring metric (https://cloud.google.com/monitoring/promql/promql-mapping):
 * the first `/` becomes `:`, every other character outside [A-Za-z0-9_] becomes `_`; a
 * distribution is read as a histogram through the `_count`, `_sum` or `_bucket` suffix.
 */
export function promqlMetricName(metric: MetricType, suffix: '' | '_count' | '_sum' | '_bucket' = ''): string {
  const slash = metric.indexOf('/');
  return `${metric.slice(0, slash).replace(/[^A-Za-z0-9_]/g, '_')}:${metric.slice(slash + 1).replace(/[^A-Za-z0-9_]/g, '_')}${suffix}`;
}

/**
 * A PromQL selector of one metric on its monitored resource, with exact label values, or a fully
 * anchored regular expression of alternatives when a label has several.
 */
export function promqlSelector(
  metric: MetricType,
  suffix: '' | '_count' | '_sum' | '_bucket',
  labels: Readonly<Record<string, LabelMatch>>,
): string {
  const matchers = [`monitored_resource=${promqlString(RESOURCE_OF[metric])}`];
  for (const [name, match] of Object.entries(labels)) {
    if (typeof match === 'string') matchers.push(`${name}=${promqlString(match)}`);
    else matchers.push(`${name}=~${promqlString(match.map(regexEscape).join('|'))}`);
  }
  return `${promqlMetricName(metric, suffix)}{${matchers.join(',')}}`;
}

function promqlString(value: string): string {
  return `"${value.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;
}

/** Topic ids may hold `.`, `+`, `%` and `~`: a regular expression must match them literally. */
function regexEscape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
