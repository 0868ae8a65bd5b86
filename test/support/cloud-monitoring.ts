/**
 * What Cloud Monitoring accepts, as Google documents it, so that tests can check the stack's alert
 * policies and dashboard offline: the metric types and labels that exist, the monitored resources
 * they are written against, which aligners and reducers fit which kind of metric, the filter and
 * PromQL forms, and the Dashboard JSON structure. Nothing here is read by the stack itself.
 *
 * Sources (the rules below cite them):
 * [M1] https://cloud.google.com/monitoring/api/metrics_gcp_p_z — "pubsub" and "run": each metric
 *      type (prefixed pubsub.googleapis.com/ or run.googleapis.com/), its kind and value type, its
 *      monitored resource and its labels:
 *      - subscription/num_undelivered_messages: GAUGE, INT64, pubsub_subscription; "Number of
 *        unacknowledged messages (a.k.a. backlog messages) in a subscription"; no metric labels.
 *      - subscription/oldest_unacked_message_age: GAUGE, INT64, s, pubsub_subscription; "Age (in
 *        seconds) of the oldest unacknowledged message (a.k.a. backlog message) in a subscription".
 *      - topic/message_sizes: DELTA, DISTRIBUTION, By, pubsub_topic; "Distribution of publish
 *        message sizes (in bytes)": one value per message published.
 *      - topic/send_message_operation_count: DELTA, INT64, pubsub_topic, launch stage DEPRECATED:
 *        "This metric is deprecated. Apply a count aggregator on topic/message_sizes instead."
 *      - run request_count: DELTA, INT64, cloud_run_revision; "Number of requests reaching the
 *        revision"; labels response_code, response_code_class, route_type.
 *      - run request_latencies: DELTA, DISTRIBUTION, ms, cloud_run_revision; same labels.
 *      - run container/instance_count: GAUGE, INT64, cloud_run_revision; "Number of container
 *        instances that exist, broken down by state"; labels state, container_name.
 *      Mirror consulted: documentation.s3ns.fr/monitoring/api/metrics_gcp_p_z (same generated list).
 * [M2] https://cloud.google.com/monitoring/api/resources — pubsub_topic (project_id, topic_id),
 *      pubsub_subscription (project_id, subscription_id), cloud_run_revision (project_id,
 *      service_name, revision_name, location, configuration_name). Cloud Functions 2nd gen run as
 *      the Cloud Run service of the function's name (https://cloud.google.com/functions/docs/concepts/version-comparison).
 * [M3] https://cloud.google.com/pubsub/docs/monitoring — "Monitoring the backlog": chart and alert on
 *      subscription/num_undelivered_messages and subscription/oldest_unacked_message_age.
 * [F1] https://cloud.google.com/monitoring/api/v3/filters — a filter is `metric.type = "..."`,
 *      `resource.type = "..."`, `resource.label.KEY = ...`, `metric.label.KEY = ...` joined by AND;
 *      `one_of("a", "b")` matches any of its values.
 * [A1] https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies — Condition:
 *      conditionThreshold { filter, denominatorFilter, aggregations, denominatorAggregations,
 *      comparison, thresholdValue, duration }, conditionPrometheusQueryLanguage { query, duration,
 *      evaluationInterval }, conditionMonitoringQueryLanguage (MQL); "filter ... must specify the
 *      metric type ... may not exceed 2048 Unicode characters"; "duration ... only values that are
 *      a multiple of a minute ... are supported"; "When computing ratios, the aggregations and
 *      denominator_aggregations fields must use the same alignment period and produce time series
 *      that have the same periodicity and labels". Filters are used where they can say it; MQL is
 *      not used (a separate query language the stack does not need).
 * [A2] https://cloud.google.com/monitoring/api/ref_v3/rest/v3/projects.alertPolicies#Aggregation —
 *      Aligner: ALIGN_MAX, ALIGN_MIN, ALIGN_MEAN, ALIGN_COUNT "valid for GAUGE and DELTA metrics"
 *      (ALIGN_COUNT: numeric and Boolean values only; ALIGN_MAX/MIN: numeric only; ALIGN_MEAN:
 *      numeric and distribution); ALIGN_DELTA "valid for CUMULATIVE and DELTA metrics" (numeric
 *      and distribution); ALIGN_RATE for CUMULATIVE and DELTA, numeric; ALIGN_PERCENTILE_*
 *      "GAUGE and DELTA metrics with distribution values". Reducer: REDUCE_SUM and REDUCE_MEAN
 *      numeric and distribution, REDUCE_MAX/MIN numeric, REDUCE_PERCENTILE_* numeric and
 *      distribution ("valid for GAUGE and DELTA metrics"). alignmentPeriod is a duration "60s".
 *      So a Monitoring filter cannot count the values of a distribution such as topic/message_sizes.
 * [P1] https://cloud.google.com/monitoring/promql/promql-mapping — PromQL names: "Replace the first /
 *      with :", "Replace all other special characters (including . and other / characters) with
 *      _"; "distribution-valued metrics can be queried like Prometheus histograms, with _count,
 *      _sum, or _bucket suffix"; the `monitored_resource` label names the resource type, resource
 *      and metric labels are labels of the same name.
 * [D1] https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards — Dashboard
 *      { displayName (required), one layout of gridLayout | mosaicLayout | rowLayout |
 *      columnLayout, labels }; MosaicLayout { columns, tiles[] }; Tile { xPos, yPos, width,
 *      height, widget }; Widget { title, one content of xyChart | scorecard | text | ... };
 *      XyChart { dataSets[], timeshiftDuration, thresholds[], xAxis, yAxis, y2Axis, chartOptions };
 *      DataSet { timeSeriesQuery, plotType, legendTemplate, minAlignmentPeriod, targetAxis };
 *      TimeSeriesQuery { one of timeSeriesFilter | timeSeriesFilterRatio |
 *      timeSeriesQueryLanguage | prometheusQuery, unitOverride, outputFullDuration };
 *      TimeSeriesFilter { filter, aggregation, secondaryAggregation, pickTimeSeriesFilter };
 *      TimeSeriesFilterRatio { numerator, denominator (RatioPart { filter, aggregation }),
 *      secondaryAggregation }; PlotType LINE | STACKED_AREA | STACKED_BAR | HEATMAP; Threshold
 *      { label, value, color, direction, targetAxis }; Axis { label, scale LINEAR | LOG10 };
 *      ChartOptions { mode COLOR | X_RAY | STATS }; Text { content, format MARKDOWN | RAW }.
 *      "columns: The number of columns in the mosaic grid. The number of columns must be between
 *      1 and 48, inclusive."
 */

type Kind = 'GAUGE' | 'DELTA' | 'CUMULATIVE';
type ValueType = 'INT64' | 'DOUBLE' | 'BOOL' | 'DISTRIBUTION';

export interface MetricDescriptor {
  readonly kind: Kind;
  readonly valueType: ValueType;
  readonly resource: string;
  readonly labels: readonly string[];
  readonly deprecated?: true;
}

/** [M1] */
export const DOCUMENTED_METRICS: Readonly<Record<string, MetricDescriptor>> = {
  'pubsub.googleapis.com/subscription/num_undelivered_messages': {
    kind: 'GAUGE',
    valueType: 'INT64',
    resource: 'pubsub_subscription',
    labels: [],
  },
  'pubsub.googleapis.com/subscription/oldest_unacked_message_age': {
    kind: 'GAUGE',
    valueType: 'INT64',
    resource: 'pubsub_subscription',
    labels: [],
  },
  'pubsub.googleapis.com/topic/message_sizes': {
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    resource: 'pubsub_topic',
    labels: [],
  },
  'pubsub.googleapis.com/topic/send_message_operation_count': {
    kind: 'DELTA',
    valueType: 'INT64',
    resource: 'pubsub_topic',
    labels: ['response_class', 'response_code'],
    deprecated: true,
  },
  'run.googleapis.com/request_count': {
    kind: 'DELTA',
    valueType: 'INT64',
    resource: 'cloud_run_revision',
    labels: ['response_code', 'response_code_class', 'route_type'],
  },
  'run.googleapis.com/request_latencies': {
    kind: 'DELTA',
    valueType: 'DISTRIBUTION',
    resource: 'cloud_run_revision',
    labels: ['response_code', 'response_code_class', 'route_type'],
  },
  'run.googleapis.com/container/instance_count': {
    kind: 'GAUGE',
    valueType: 'INT64',
    resource: 'cloud_run_revision',
    labels: ['state', 'container_name'],
  },
};

/** [M2] */
export const DOCUMENTED_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  pubsub_topic: ['project_id', 'topic_id'],
  pubsub_subscription: ['project_id', 'subscription_id'],
  cloud_run_revision: ['project_id', 'service_name', 'revision_name', 'location', 'configuration_name'],
};

/** The values response_code_class takes [M1]: the HTTP class of the answer. */
const RESPONSE_CODE_CLASS = /^[1-5]xx$/;

interface AlignerRule {
  readonly kinds: readonly Kind[];
  readonly values: readonly ValueType[];
}
const NUMERIC: readonly ValueType[] = ['INT64', 'DOUBLE'];
/** [A2] */
const ALIGNERS: Readonly<Record<string, AlignerRule>> = {
  ALIGN_NONE: { kinds: ['GAUGE', 'DELTA', 'CUMULATIVE'], values: [...NUMERIC, 'BOOL', 'DISTRIBUTION'] },
  ALIGN_MAX: { kinds: ['GAUGE', 'DELTA'], values: NUMERIC },
  ALIGN_MIN: { kinds: ['GAUGE', 'DELTA'], values: NUMERIC },
  ALIGN_MEAN: { kinds: ['GAUGE', 'DELTA'], values: [...NUMERIC, 'DISTRIBUTION'] },
  ALIGN_SUM: { kinds: ['GAUGE', 'DELTA'], values: [...NUMERIC, 'DISTRIBUTION'] },
  ALIGN_COUNT: { kinds: ['GAUGE', 'DELTA'], values: [...NUMERIC, 'BOOL'] },
  ALIGN_DELTA: { kinds: ['CUMULATIVE', 'DELTA'], values: [...NUMERIC, 'DISTRIBUTION'] },
  ALIGN_RATE: { kinds: ['CUMULATIVE', 'DELTA'], values: NUMERIC },
  ALIGN_PERCENTILE_99: { kinds: ['GAUGE', 'DELTA'], values: ['DISTRIBUTION'] },
  ALIGN_PERCENTILE_95: { kinds: ['GAUGE', 'DELTA'], values: ['DISTRIBUTION'] },
  ALIGN_PERCENTILE_50: { kinds: ['GAUGE', 'DELTA'], values: ['DISTRIBUTION'] },
};
/** [A2]: the value types each reducer takes (after alignment). */
const REDUCERS: Readonly<Record<string, readonly ValueType[]>> = {
  REDUCE_NONE: [...NUMERIC, 'BOOL', 'DISTRIBUTION'],
  REDUCE_SUM: [...NUMERIC, 'DISTRIBUTION'],
  REDUCE_MEAN: [...NUMERIC, 'BOOL', 'DISTRIBUTION'],
  REDUCE_MAX: NUMERIC,
  REDUCE_MIN: NUMERIC,
  REDUCE_COUNT: [...NUMERIC, 'BOOL', 'DISTRIBUTION'],
  REDUCE_PERCENTILE_99: [...NUMERIC, 'DISTRIBUTION'],
  REDUCE_PERCENTILE_95: [...NUMERIC, 'DISTRIBUTION'],
  REDUCE_PERCENTILE_50: [...NUMERIC, 'DISTRIBUTION'],
};

/** [A1] */
export const MAX_FILTER_LENGTH = 2048;

/** A filter read back into its terms. */
export interface ParsedFilter {
  readonly metricType: string | undefined;
  readonly resourceType: string | undefined;
  readonly resourceLabels: Readonly<Record<string, readonly string[]>>;
  readonly metricLabels: Readonly<Record<string, readonly string[]>>;
}

const STRING = String.raw`"(?:[^"\\]|\\.)*"`;
const TERM = new RegExp(String.raw`^([a-z_.]+)\s*=\s*(${STRING}|one_of\((?:\s*${STRING}\s*,?)+\))$`);

function unquote(text: string): string {
  return JSON.parse(text) as string;
}

/** Reads a filter of `key = "value"` / `key = one_of(...)` terms joined by AND [F1]; throws on anything else. */
export function parseFilter(filter: string): ParsedFilter {
  const resourceLabels: Record<string, string[]> = {};
  const metricLabels: Record<string, string[]> = {};
  let metricType: string | undefined;
  let resourceType: string | undefined;
  for (const raw of filter.split(/\s+AND\s+/)) {
    const match = TERM.exec(raw.trim());
    if (match === null) throw new Error(`not a filter term of the documented form: ${JSON.stringify(raw)} [F1]`);
    const key = match[1] as string;
    const valueText = match[2] as string;
    const values = valueText.startsWith('one_of(')
      ? [...valueText.matchAll(new RegExp(STRING, 'g'))].map((m) => unquote(m[0]))
      : [unquote(valueText)];
    if (key === 'metric.type') metricType = values[0];
    else if (key === 'resource.type') resourceType = values[0];
    else if (key.startsWith('resource.label.')) resourceLabels[key.slice('resource.label.'.length)] = values;
    else if (key.startsWith('metric.label.')) metricLabels[key.slice('metric.label.'.length)] = values;
    else throw new Error(`unknown filter key ${key} [F1]`);
  }
  return { metricType, resourceType, resourceLabels, metricLabels };
}

/** Every reason the filter would select nothing or be refused; empty when it is good. */
export function filterProblems(filter: string): string[] {
  const problems: string[] = [];
  if (filter.length > MAX_FILTER_LENGTH) problems.push(`filter is ${filter.length} characters, over 2048 [A1]`);
  let parsed: ParsedFilter;
  try {
    parsed = parseFilter(filter);
  } catch (error) {
    return [...problems, (error as Error).message];
  }
  const descriptor = parsed.metricType === undefined ? undefined : DOCUMENTED_METRICS[parsed.metricType];
  if (parsed.metricType === undefined) return [...problems, 'a filter must name metric.type [A1]'];
  if (descriptor === undefined) return [...problems, `metric type ${parsed.metricType} is not documented [M1]`];
  if (descriptor.deprecated) problems.push(`metric type ${parsed.metricType} is deprecated [M1]`);
  if (parsed.resourceType !== undefined && parsed.resourceType !== descriptor.resource)
    problems.push(`${parsed.metricType} is written on ${descriptor.resource}, not ${parsed.resourceType} [M1]`);
  const resourceLabels = DOCUMENTED_RESOURCES[descriptor.resource] ?? [];
  for (const label of Object.keys(parsed.resourceLabels))
    if (!resourceLabels.includes(label)) problems.push(`${descriptor.resource} has no label ${label} [M2]`);
  for (const [label, values] of Object.entries(parsed.metricLabels)) {
    if (!descriptor.labels.includes(label)) problems.push(`${parsed.metricType} has no metric label ${label} [M1]`);
    if (label === 'response_code_class')
      for (const value of values)
        if (!RESPONSE_CODE_CLASS.test(value))
          problems.push(`response_code_class is never ${JSON.stringify(value)} [M1]`);
  }
  return problems;
}

export interface Aggregation {
  readonly alignment_period?: string;
  readonly per_series_aligner?: string;
  readonly cross_series_reducer?: string;
  readonly group_by_fields?: readonly string[];
  readonly alignmentPeriod?: string;
  readonly perSeriesAligner?: string;
  readonly crossSeriesReducer?: string;
  readonly groupByFields?: readonly string[];
}

/** Whether an aggregation (Terraform's snake_case or the API's camelCase) fits the filter's metric [A2]. */
export function aggregationProblems(filter: string, aggregation: Aggregation): string[] {
  const problems: string[] = [];
  const parsed = parseFilter(filter);
  const descriptor = DOCUMENTED_METRICS[parsed.metricType ?? ''];
  if (descriptor === undefined) return [`metric type ${parsed.metricType} is not documented [M1]`];
  const period = aggregation.alignment_period ?? aggregation.alignmentPeriod;
  if (period === undefined || !/^[1-9][0-9]*s$/.test(period) || Number.parseInt(period, 10) < 60)
    problems.push(`alignment period ${period} is not a duration of 60s or more [A2]`);
  const aligner = aggregation.per_series_aligner ?? aggregation.perSeriesAligner ?? 'ALIGN_NONE';
  const rule = ALIGNERS[aligner];
  if (rule === undefined) problems.push(`aligner ${aligner} is not one this checker knows [A2]`);
  else if (!rule.kinds.includes(descriptor.kind) || !rule.values.includes(descriptor.valueType))
    problems.push(`${aligner} does not apply to a ${descriptor.kind} ${descriptor.valueType} metric [A2]`);
  // ALIGN_RATE and ALIGN_COUNT turn any input into numbers; other aligners keep the value type.
  const aligned: ValueType = ['ALIGN_RATE', 'ALIGN_COUNT'].includes(aligner)
    ? 'DOUBLE'
    : aligner.startsWith('ALIGN_PERCENTILE')
      ? 'DOUBLE'
      : descriptor.valueType;
  const reducer = aggregation.cross_series_reducer ?? aggregation.crossSeriesReducer;
  if (reducer !== undefined) {
    const values = REDUCERS[reducer];
    if (values === undefined) problems.push(`reducer ${reducer} is not one this checker knows [A2]`);
    else if (!values.includes(aligned)) problems.push(`${reducer} does not take ${aligned} values [A2]`);
    const resourceLabels = DOCUMENTED_RESOURCES[descriptor.resource] ?? [];
    for (const field of aggregation.group_by_fields ?? aggregation.groupByFields ?? []) {
      const resource = /^resource\.labels?\.(.+)$/.exec(field)?.[1];
      const metric = /^metric\.labels?\.(.+)$/.exec(field)?.[1];
      if (resource !== undefined ? !resourceLabels.includes(resource) : !descriptor.labels.includes(metric ?? ''))
        problems.push(`cannot group ${parsed.metricType} by ${field} [M1][M2]`);
    }
  }
  return problems;
}

/** The documented metric a PromQL name stands for, with its histogram suffix [P1]. */
export function metricForPromqlName(name: string): { metric: string; suffix: string } | undefined {
  for (const metric of Object.keys(DOCUMENTED_METRICS)) {
    const slash = metric.indexOf('/');
    const base = `${metric.slice(0, slash).replace(/[^A-Za-z0-9_]/g, '_')}:${metric.slice(slash + 1).replace(/[^A-Za-z0-9_]/g, '_')}`;
    const descriptor = DOCUMENTED_METRICS[metric] as MetricDescriptor;
    const suffixes = descriptor.valueType === 'DISTRIBUTION' ? ['_count', '_sum', '_bucket'] : [''];
    for (const suffix of suffixes) if (name === `${base}${suffix}`) return { metric, suffix };
  }
  return undefined;
}

/** Every metric selector of a PromQL query checked against [P1], [M1] and [M2]. */
export function promqlProblems(query: string): string[] {
  const problems: string[] = [];
  const selectors = [...query.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*:[a-zA-Z0-9_]+)\{([^}]*)\}/g)];
  if (selectors.length === 0) return ['no metric selector in the query [P1]'];
  for (const [, name, matchers] of selectors) {
    const found = metricForPromqlName(name as string);
    if (found === undefined) {
      problems.push(`${name} is no documented metric under the PromQL mapping [P1][M1]`);
      continue;
    }
    const descriptor = DOCUMENTED_METRICS[found.metric] as MetricDescriptor;
    if (descriptor.deprecated) problems.push(`${found.metric} is deprecated [M1]`);
    const labels = new Map<string, string>();
    for (const matcher of (matchers as string).split(/,(?=[a-z_]+=)/)) {
      const parts = /^([a-z_]+)(=~|=|!=|!~)("(?:[^"\\]|\\.)*")$/.exec(matcher.trim());
      if (parts === null) {
        problems.push(`not a label matcher: ${matcher} [P1]`);
        continue;
      }
      labels.set(parts[1] as string, JSON.parse(parts[3] as string) as string);
    }
    if (labels.get('monitored_resource') !== descriptor.resource)
      problems.push(`${name} needs monitored_resource="${descriptor.resource}" [P1][M1]`);
    const known = new Set([
      'monitored_resource',
      ...(DOCUMENTED_RESOURCES[descriptor.resource] ?? []),
      ...descriptor.labels,
    ]);
    for (const label of labels.keys()) if (!known.has(label)) problems.push(`${name} has no label ${label} [M1][M2]`);
  }
  return problems;
}

const DURATION = /^[0-9]+s$/;

/** A Terraform condition block (snake_case) checked against [A1], [A2] and the metric rules. */
export function conditionProblems(condition: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const threshold = condition.condition_threshold as Record<string, unknown> | undefined;
  const promql = condition.condition_prometheus_query_language as Record<string, unknown> | undefined;
  if ((threshold === undefined) === (promql === undefined))
    return ['a condition holds exactly one of condition_threshold, condition_prometheus_query_language [A1]'];
  if (promql !== undefined) {
    problems.push(...promqlProblems(String(promql.query)));
    for (const field of ['duration', 'evaluation_interval'])
      if (promql[field] !== undefined && !DURATION.test(String(promql[field])))
        problems.push(`${field} ${String(promql[field])} is not a duration [A1]`);
    return problems;
  }
  const t = threshold as Record<string, unknown>;
  const filter = String(t.filter ?? '');
  problems.push(...filterProblems(filter));
  if (!['COMPARISON_GT', 'COMPARISON_GE', 'COMPARISON_LT', 'COMPARISON_LE'].includes(String(t.comparison)))
    problems.push(`comparison ${String(t.comparison)} [A1]`);
  const duration = String(t.duration);
  if (!DURATION.test(duration) || Number.parseInt(duration, 10) % 60 !== 0)
    problems.push(`duration ${duration} is not a whole number of minutes [A1]`);
  const aggregations = (t.aggregations ?? []) as Aggregation[];
  for (const aggregation of aggregations) problems.push(...aggregationProblems(filter, aggregation));
  if (t.denominator_filter !== undefined) {
    const denominator = String(t.denominator_filter);
    problems.push(...filterProblems(denominator));
    const denominatorAggregations = (t.denominator_aggregations ?? []) as Aggregation[];
    for (const aggregation of denominatorAggregations) problems.push(...aggregationProblems(denominator, aggregation));
    const periods = (list: Aggregation[]) => list.map((a) => a.alignment_period ?? a.alignmentPeriod).join(',');
    if (periods(aggregations) !== periods(denominatorAggregations))
      problems.push('a ratio needs the same alignment period in aggregations and denominator_aggregations [A1]');
  }
  return problems;
}

// ---- the Dashboard JSON structure [D1] ----

type Shape = Readonly<Record<string, FieldRule>>;
type FieldRule =
  | { readonly kind: 'string'; readonly values?: readonly string[] }
  | { readonly kind: 'number' }
  | { readonly kind: 'integer'; readonly min?: number; readonly max?: number }
  | { readonly kind: 'boolean' }
  | { readonly kind: 'object'; readonly shape: () => Shape; readonly oneOf?: readonly string[][] }
  | { readonly kind: 'array'; readonly item: FieldRule }
  | { readonly kind: 'map' };

const str = (values?: readonly string[]): FieldRule => (values ? { kind: 'string', values } : { kind: 'string' });
const obj = (shape: () => Shape, oneOf?: readonly string[][]): FieldRule =>
  oneOf ? { kind: 'object', shape, oneOf } : { kind: 'object', shape };
const arr = (item: FieldRule): FieldRule => ({ kind: 'array', item });
const int = (min?: number, max?: number): FieldRule => ({
  kind: 'integer',
  ...(min === undefined ? {} : { min }),
  ...(max === undefined ? {} : { max }),
});

const AGGREGATION: Shape = {
  alignmentPeriod: str(),
  perSeriesAligner: str(Object.keys(ALIGNERS)),
  crossSeriesReducer: str(Object.keys(REDUCERS)),
  groupByFields: arr(str()),
};
const RATIO_PART: Shape = { filter: str(), aggregation: obj(() => AGGREGATION) };
const TIME_SERIES_QUERY: Shape = {
  timeSeriesFilter: obj(() => ({
    filter: str(),
    aggregation: obj(() => AGGREGATION),
    secondaryAggregation: obj(() => AGGREGATION),
  })),
  timeSeriesFilterRatio: obj(() => ({
    numerator: obj(() => RATIO_PART),
    denominator: obj(() => RATIO_PART),
    secondaryAggregation: obj(() => AGGREGATION),
  })),
  timeSeriesQueryLanguage: str(),
  prometheusQuery: str(),
  unitOverride: str(),
  outputFullDuration: { kind: 'boolean' },
};
const AXIS: Shape = { label: str(), scale: str(['LINEAR', 'LOG10']) };
const XY_CHART: Shape = {
  dataSets: arr(
    obj(() => ({
      timeSeriesQuery: obj(
        () => TIME_SERIES_QUERY,
        [['timeSeriesFilter', 'timeSeriesFilterRatio', 'timeSeriesQueryLanguage', 'prometheusQuery']],
      ),
      plotType: str(['LINE', 'STACKED_AREA', 'STACKED_BAR', 'HEATMAP']),
      legendTemplate: str(),
      minAlignmentPeriod: str(),
      targetAxis: str(['Y1', 'Y2']),
    })),
  ),
  timeshiftDuration: str(),
  thresholds: arr(
    obj(() => ({
      label: str(),
      value: { kind: 'number' },
      color: str(['YELLOW', 'RED']),
      direction: str(['ABOVE', 'BELOW']),
      targetAxis: str(['Y1', 'Y2']),
    })),
  ),
  xAxis: obj(() => AXIS),
  yAxis: obj(() => AXIS),
  y2Axis: obj(() => AXIS),
  chartOptions: obj(() => ({ mode: str(['COLOR', 'X_RAY', 'STATS']) })),
};
const WIDGET: Shape = {
  title: str(),
  xyChart: obj(() => XY_CHART),
  text: obj(() => ({ content: str(), format: str(['MARKDOWN', 'RAW']) })),
};
const DASHBOARD: Shape = {
  displayName: str(),
  labels: { kind: 'map' },
  mosaicLayout: obj(() => ({
    columns: int(1, 48),
    tiles: arr(
      obj(() => ({
        xPos: int(0),
        yPos: int(0),
        width: int(1),
        height: int(1),
        widget: obj(() => WIDGET, [['xyChart', 'text']]),
      })),
    ),
  })),
};

/**
 * Every way the JSON departs from the documented Dashboard structure [D1] (unknown fields, wrong
 * types or enum values, two layouts, widgets without content, tiles outside the grid), plus every
 * filter, aggregation and PromQL query in it checked as the alert conditions are. Empty = good.
 */
export function dashboardProblems(dashboard: unknown): string[] {
  const problems: string[] = [];
  walk(dashboard, { kind: 'object', shape: () => DASHBOARD, oneOf: [['mosaicLayout']] }, 'dashboard', problems);
  const root = dashboard as { displayName?: unknown; mosaicLayout?: { columns?: number; tiles?: unknown[] } };
  if (typeof root?.displayName !== 'string' || root.displayName === '')
    problems.push('dashboard.displayName is required [D1]');
  const columns = root?.mosaicLayout?.columns ?? 0;
  for (const [index, tile] of (root?.mosaicLayout?.tiles ?? []).entries()) {
    const t = tile as { xPos?: number; width?: number; widget?: { xyChart?: { dataSets?: unknown[] } } };
    if ((t.xPos ?? 0) + (t.width ?? 0) > columns)
      problems.push(`tile ${index} reaches past the ${columns} columns [D1]`);
    for (const dataSet of t.widget?.xyChart?.dataSets ?? []) {
      const query = (dataSet as { timeSeriesQuery?: Record<string, unknown> }).timeSeriesQuery ?? {};
      const filter = query.timeSeriesFilter as { filter: string; aggregation?: Aggregation } | undefined;
      if (filter) {
        problems.push(...filterProblems(filter.filter));
        if (filter.aggregation) problems.push(...aggregationProblems(filter.filter, filter.aggregation));
      }
      const ratio = query.timeSeriesFilterRatio as
        | Record<string, { filter: string; aggregation?: Aggregation }>
        | undefined;
      for (const part of [ratio?.numerator, ratio?.denominator]) {
        if (part === undefined) continue;
        problems.push(...filterProblems(part.filter));
        if (part.aggregation) problems.push(...aggregationProblems(part.filter, part.aggregation));
      }
      if (typeof query.prometheusQuery === 'string') problems.push(...promqlProblems(query.prometheusQuery));
    }
  }
  return problems;
}

function walk(value: unknown, rule: FieldRule, path: string, problems: string[]): void {
  switch (rule.kind) {
    case 'string':
      if (typeof value !== 'string') problems.push(`${path}: expected a string [D1]`);
      else if (rule.values && !rule.values.includes(value))
        problems.push(`${path}: ${value} is not one of ${rule.values.join(', ')} [D1]`);
      return;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) problems.push(`${path}: expected a number [D1]`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) problems.push(`${path}: expected an integer [D1]`);
      else if (
        (rule.min !== undefined && (value as number) < rule.min) ||
        (rule.max !== undefined && (value as number) > rule.max)
      )
        problems.push(`${path}: ${value} is outside ${rule.min ?? '-∞'}..${rule.max ?? '∞'} [D1]`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') problems.push(`${path}: expected a boolean [D1]`);
      return;
    case 'map':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        problems.push(`${path}: expected a map [D1]`);
      return;
    case 'array':
      if (!Array.isArray(value)) problems.push(`${path}: expected an array [D1]`);
      else
        value.forEach((item, index) => {
          walk(item, rule.item, `${path}[${index}]`, problems);
        });
      return;
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        problems.push(`${path}: expected an object [D1]`);
        return;
      }
      const shape = rule.shape();
      for (const [key, child] of Object.entries(value)) {
        const childRule = shape[key];
        if (childRule === undefined) problems.push(`${path}.${key}: no such field [D1]`);
        else walk(child, childRule, `${path}.${key}`, problems);
      }
      for (const union of rule.oneOf ?? []) {
        const present = union.filter((key) => key in value);
        if (present.length !== 1)
          problems.push(`${path}: needs exactly one of ${union.join(', ')}, has ${present.length} [D1]`);
      }
    }
  }
}
