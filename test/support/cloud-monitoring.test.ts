import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  aggregationProblems,
  conditionProblems,
  dashboardProblems,
  filterProblems,
  promqlProblems,
} from './cloud-monitoring.ts';

// The checker must refuse what Cloud Monitoring would refuse or silently never match; otherwise
// the synth tests that lean on it could not fail.

const UNDELIVERED =
  'metric.type = "pubsub.googleapis.com/subscription/num_undelivered_messages" AND resource.type = "pubsub_subscription"';
const REQUESTS = 'metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision"';

test('filters: documented metrics, resources and labels pass; anything else is named', () => {
  assert.deepEqual(filterProblems(`${UNDELIVERED} AND resource.label.subscription_id = one_of("a-dl", "b-dl")`), []);
  assert.deepEqual(filterProblems(`${REQUESTS} AND metric.label.response_code_class = "5xx"`), []);
  assert.match(
    filterProblems('metric.type = "pubsub.googleapis.com/topic/send_message_operation_count"').join(),
    /deprecated/,
  );
  assert.match(
    filterProblems('metric.type = "pubsub.googleapis.com/subscription/backlog_messages"').join(),
    /not documented/,
  );
  assert.match(
    filterProblems('metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_function"').join(),
    /written on cloud_run_revision/,
  );
  assert.match(filterProblems(`${UNDELIVERED} AND resource.label.topic_id = "x"`).join(), /no label topic_id/);
  assert.match(filterProblems(`${REQUESTS} AND metric.label.status = "500"`).join(), /no metric label status/);
  assert.match(filterProblems(`${REQUESTS} AND metric.label.response_code_class = "503"`).join(), /never "503"/);
  assert.match(filterProblems('resource.type = "pubsub_topic"').join(), /must name metric\.type/);
  assert.match(filterProblems(`${UNDELIVERED} OR resource.label.subscription_id = "x"`).join(), /documented form/);
  assert.match(
    filterProblems(`${UNDELIVERED} AND resource.label.subscription_id = "${'x'.repeat(2100)}"`).join(),
    /2048/,
  );
});

test('aggregations: the aligner and reducer must fit the metric kind and value type', () => {
  assert.deepEqual(aggregationProblems(UNDELIVERED, { alignment_period: '60s', per_series_aligner: 'ALIGN_MAX' }), []);
  assert.match(
    aggregationProblems(UNDELIVERED, { alignment_period: '60s', per_series_aligner: 'ALIGN_DELTA' }).join(),
    /ALIGN_DELTA does not apply to a GAUGE/,
  );
  const latencies = 'metric.type = "run.googleapis.com/request_latencies"';
  assert.match(
    aggregationProblems(latencies, { alignment_period: '60s', per_series_aligner: 'ALIGN_RATE' }).join(),
    /ALIGN_RATE does not apply to a DELTA DISTRIBUTION/,
  );
  assert.match(
    aggregationProblems(REQUESTS, { alignment_period: '60s', per_series_aligner: 'ALIGN_PERCENTILE_99' }).join(),
    /does not apply to a DELTA INT64/,
  );
  assert.match(
    aggregationProblems(latencies, {
      alignment_period: '60s',
      per_series_aligner: 'ALIGN_DELTA',
      cross_series_reducer: 'REDUCE_MAX',
    }).join(),
    /REDUCE_MAX does not take DISTRIBUTION/,
  );
  assert.match(
    aggregationProblems(REQUESTS, {
      alignment_period: '60s',
      per_series_aligner: 'ALIGN_DELTA',
      cross_series_reducer: 'REDUCE_SUM',
      group_by_fields: ['metric.label.status'],
    }).join(),
    /cannot group/,
  );
  assert.match(
    aggregationProblems(UNDELIVERED, { alignment_period: '30s', per_series_aligner: 'ALIGN_MAX' }).join(),
    /60s/,
  );
});

test('conditions: durations in whole minutes, ratios with one alignment period, exactly one condition kind', () => {
  const threshold = {
    filter: UNDELIVERED,
    aggregations: [{ alignment_period: '60s', per_series_aligner: 'ALIGN_MAX' }],
    comparison: 'COMPARISON_GT',
    threshold_value: 0,
    duration: '0s',
  };
  assert.deepEqual(conditionProblems({ condition_threshold: threshold }), []);
  assert.match(
    conditionProblems({ condition_threshold: { ...threshold, duration: '90s' } }).join(),
    /whole number of minutes/,
  );
  assert.match(
    conditionProblems({
      condition_threshold: {
        ...threshold,
        filter: REQUESTS,
        aggregations: [{ alignment_period: '300s', per_series_aligner: 'ALIGN_DELTA' }],
        denominator_filter: REQUESTS,
        denominator_aggregations: [{ alignment_period: '60s', per_series_aligner: 'ALIGN_DELTA' }],
      },
    }).join(),
    /same alignment period/,
  );
  assert.match(conditionProblems({}).join(), /exactly one/);
});

test('PromQL: names follow the documented mapping, distributions are read through _count, resources are named', () => {
  const ok =
    'sum(increase(pubsub_googleapis_com:topic_message_sizes_count{monitored_resource="pubsub_topic",topic_id="t-bad"}[900s]))';
  assert.deepEqual(promqlProblems(ok), []);
  assert.match(promqlProblems(ok.replace('_count{', '{')).join(), /no documented metric/);
  assert.match(
    promqlProblems(ok.replace('pubsub_googleapis_com:', 'pubsub_googleapis_com_')).join(),
    /no metric selector|no documented/,
  );
  assert.match(promqlProblems(ok.replace('monitored_resource="pubsub_topic",', '')).join(), /monitored_resource/);
  assert.match(promqlProblems(ok.replace('topic_id=', 'subscription_id=')).join(), /no label subscription_id/);
  assert.match(
    promqlProblems(
      'pubsub_googleapis_com:topic_send_message_operation_count{monitored_resource="pubsub_topic"}',
    ).join(),
    /deprecated/,
  );
});

test('dashboards: the documented structure, one content per widget, tiles inside the grid', () => {
  const chart = {
    title: 'backlog',
    xyChart: {
      dataSets: [
        {
          timeSeriesQuery: {
            timeSeriesFilter: {
              filter: UNDELIVERED,
              aggregation: { alignmentPeriod: '60s', perSeriesAligner: 'ALIGN_MAX' },
            },
          },
          plotType: 'LINE',
        },
      ],
    },
  };
  const dashboard = (tile: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
    displayName: 'd',
    mosaicLayout: { columns: 48, tiles: [{ xPos: 0, yPos: 0, width: 24, height: 16, widget: chart, ...tile }] },
    ...extra,
  });
  assert.deepEqual(dashboardProblems(dashboard({})), []);
  assert.match(dashboardProblems(dashboard({ xPos: 30 })).join(), /past the 48 columns/);
  assert.match(
    dashboardProblems(dashboard({ widget: { ...chart, text: { content: 'x' } } })).join(),
    /exactly one of xyChart, text/,
  );
  assert.match(dashboardProblems(dashboard({ widget: { ...chart, chart: {} } })).join(), /chart: no such field/);
  assert.match(dashboardProblems(dashboard({}, { gridLayout: {} })).join(), /gridLayout: no such field/);
  assert.match(
    dashboardProblems({ mosaicLayout: { columns: 60, tiles: [] } }).join(),
    /displayName is required.*|outside/,
  );
  assert.match(
    dashboardProblems({ displayName: 'd', mosaicLayout: { columns: 60, tiles: [] } }).join(),
    /60 is outside 1\.\.48/,
  );
  const badPlot = structuredClone(chart);
  (badPlot.xyChart.dataSets[0] as { plotType: string }).plotType = 'PIE';
  assert.match(dashboardProblems(dashboard({ widget: badPlot })).join(), /PIE is not one of/);
  const badFilter = structuredClone(chart);
  badFilter.xyChart.dataSets[0]!.timeSeriesQuery.timeSeriesFilter.filter =
    `${UNDELIVERED} AND resource.label.topic_id = "x"`;
  assert.match(dashboardProblems(dashboard({ widget: badFilter })).join(), /no label topic_id/);
});
