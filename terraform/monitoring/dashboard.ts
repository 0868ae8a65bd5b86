import { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { AlertsConfig } from '../../functions/core/config/config.ts';
import type { StackNames } from '../names.ts';
import { terraformLiteral } from '../terraform-literal.ts';
import { type FilterSpec, METRIC, monitoringFilter, promqlSelector } from './metrics.ts';

/** The dashboard's grid: Cloud Monitoring's mosaic layout is 48 columns wide at most. */
export const DASHBOARD_COLUMNS = 48;
const CHART_WIDTH = 24;
const CHART_HEIGHT = 16;
const NOTE_HEIGHT = 6;
/** Charts align rates and gauges per minute. */
const CHART_ALIGNMENT = '60s';
/** The window the events-per-minute rate is averaged over. */
const EVENT_RATE_WINDOW = '5m';

type Json = Record<string, unknown>;

export interface DashboardContext {
  readonly names: StackNames;
  readonly alerts: AlertsConfig;
  readonly namePrefix: string;
}

/** The dashboard's display name: one per deployment, after name_prefix. */
export function dashboardName(namePrefix: string): string {
  return `${namePrefix}: event pipeline`;
}

/**
 * The pipeline at a glance, as the Dashboard resource's JSON
 * (https://cloud.google.com/monitoring/api/ref_v3/rest/v1/projects.dashboards): requests by
 * response class and the 5xx share, events valid vs invalid per minute, the dead-letter backlog,
 * the age of the BigQuery subscriptions' oldest unwritten message, the function's instances and
 * its latency. The charts of an alerted metric draw the alert's threshold.
 */
export function dashboardJson(context: DashboardContext): Json {
  const { names, alerts } = context;
  const service = { service_name: names.functionName };
  const charts: Json[] = [
    xyChart('Requests per second, by response class', 'requests/s', [
      {
        timeSeriesQuery: {
          timeSeriesFilter: {
            filter: monitoringFilter({ metric: METRIC.requestCount, resourceLabels: service }),
            aggregation: {
              alignmentPeriod: CHART_ALIGNMENT,
              perSeriesAligner: 'ALIGN_RATE',
              crossSeriesReducer: 'REDUCE_SUM',
              groupByFields: ['metric.label.response_code_class'],
            },
          },
        },
        plotType: 'STACKED_AREA',
        targetAxis: 'Y1',
      },
    ]),
    xyChart(
      'Share of requests answered 5xx (503 included)',
      'share',
      [
        {
          timeSeriesQuery: {
            timeSeriesFilterRatio: {
              numerator: ratioPart({
                metric: METRIC.requestCount,
                resourceLabels: service,
                metricLabels: { response_code_class: '5xx' },
              }),
              denominator: ratioPart({ metric: METRIC.requestCount, resourceLabels: service }),
            },
          },
          plotType: 'LINE',
          targetAxis: 'Y1',
        },
      ],
      alerts.error_ratio,
    ),
    xyChart('Events per minute: valid and invalid', 'events/min', [
      eventRate('valid', names.validTopic),
      eventRate('invalid', names.invalidTopic),
    ]),
    xyChart(
      'Dead-letter backlog: events BigQuery refused (redrive them)',
      'messages',
      [
        gaugeDataSet(METRIC.undeliveredMessages, [
          names.deadLetterSubscriptions.valid,
          names.deadLetterSubscriptions.invalid,
        ]),
      ],
      alerts.dead_letter_messages,
    ),
    xyChart(
      'BigQuery subscriptions: age of the oldest unwritten message',
      'seconds',
      [gaugeDataSet(METRIC.oldestUnackedAge, [names.bigquerySubscriptions.valid, names.bigquerySubscriptions.invalid])],
      alerts.backlog_age_seconds,
    ),
    xyChart('Function instances, by state', 'instances', [
      {
        timeSeriesQuery: {
          timeSeriesFilter: {
            filter: monitoringFilter({ metric: METRIC.instanceCount, resourceLabels: service }),
            aggregation: {
              alignmentPeriod: CHART_ALIGNMENT,
              perSeriesAligner: 'ALIGN_MAX',
              crossSeriesReducer: 'REDUCE_SUM',
              groupByFields: ['metric.label.state'],
            },
          },
        },
        plotType: 'STACKED_BAR',
        targetAxis: 'Y1',
      },
    ]),
    xyChart('Request latency, 50th and 99th percentile', 'ms', [
      latency('REDUCE_PERCENTILE_50', 'p50'),
      latency('REDUCE_PERCENTILE_99', 'p99'),
    ]),
  ];

  const note = {
    xPos: 0,
    yPos: 0,
    width: DASHBOARD_COLUMNS,
    height: NOTE_HEIGHT,
    widget: {
      title: 'How to read this dashboard',
      text: {
        format: 'MARKDOWN',
        content: [
          `Sluice deployment \`${context.namePrefix}\`: collector \`${names.functionName}\`, topics \`${names.validTopic}\` and \`${names.invalidTopic}\`.`,
          'Each alert policy and what to do about it: "Operate" in docs/operations.md. Parked events go back with `npm run replay -- --source dead-letter`.',
        ].join('\n\n'),
      },
    },
  };
  const perRow = DASHBOARD_COLUMNS / CHART_WIDTH;
  const tiles = charts.map((widget, index) => ({
    xPos: (index % perRow) * CHART_WIDTH,
    yPos: NOTE_HEIGHT + Math.floor(index / perRow) * CHART_HEIGHT,
    width: CHART_WIDTH,
    height: CHART_HEIGHT,
    widget,
  }));
  return {
    displayName: dashboardName(context.namePrefix),
    mosaicLayout: { columns: DASHBOARD_COLUMNS, tiles: [note, ...tiles] },
  };

  function eventRate(legend: string, topic: string): Json {
    return {
      timeSeriesQuery: {
        prometheusQuery: `60 * sum(rate(${promqlSelector(METRIC.messageSizes, '_count', { topic_id: topic })}[${EVENT_RATE_WINDOW}]))`,
      },
      plotType: 'LINE',
      legendTemplate: legend,
      targetAxis: 'Y1',
    };
  }

  function latency(reducer: string, legend: string): Json {
    return {
      timeSeriesQuery: {
        timeSeriesFilter: {
          filter: monitoringFilter({ metric: METRIC.requestLatencies, resourceLabels: service }),
          aggregation: {
            alignmentPeriod: CHART_ALIGNMENT,
            perSeriesAligner: 'ALIGN_DELTA',
            crossSeriesReducer: reducer,
            groupByFields: ['resource.label.service_name'],
          },
        },
      },
      plotType: 'LINE',
      legendTemplate: legend,
      targetAxis: 'Y1',
    };
  }
}

function xyChart(title: string, axisLabel: string, dataSets: Json[], threshold?: number): Json {
  return {
    title,
    xyChart: {
      dataSets,
      ...(threshold === undefined ? {} : { thresholds: [{ value: threshold, label: 'alert', targetAxis: 'Y1' }] }),
      yAxis: { label: axisLabel, scale: 'LINEAR' },
      chartOptions: { mode: 'COLOR' },
    },
  };
}

function ratioPart(spec: FilterSpec): Json {
  return {
    filter: monitoringFilter(spec),
    aggregation: {
      alignmentPeriod: CHART_ALIGNMENT,
      perSeriesAligner: 'ALIGN_DELTA',
      crossSeriesReducer: 'REDUCE_SUM',
      groupByFields: ['resource.label.service_name'],
    },
  };
}

function gaugeDataSet(
  metric: typeof METRIC.undeliveredMessages | typeof METRIC.oldestUnackedAge,
  subscriptions: string[],
) {
  return {
    timeSeriesQuery: {
      timeSeriesFilter: {
        filter: monitoringFilter({ metric, resourceLabels: { subscription_id: subscriptions } }),
        aggregation: {
          alignmentPeriod: CHART_ALIGNMENT,
          perSeriesAligner: 'ALIGN_MAX',
          crossSeriesReducer: 'REDUCE_MAX',
          groupByFields: ['resource.label.subscription_id'],
        },
      },
    },
    plotType: 'LINE',
    targetAxis: 'Y1',
  };
}

/** The dashboard resource. Its JSON is a Terraform string: names from the config are escaped. */
export function monitoringDashboard(
  scope: Construct,
  context: DashboardContext,
  dependsOn: ITerraformDependable[],
): MonitoringDashboard {
  return new MonitoringDashboard(scope, 'monitoring_dashboard', {
    dashboardJson: terraformLiteral(JSON.stringify(dashboardJson(context))),
    dependsOn,
  });
}
