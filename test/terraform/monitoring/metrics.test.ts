import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  METRIC,
  monitoringFilter,
  promqlMetricName,
  promqlSelector,
  RESOURCE_OF,
} from '../../../terraform/monitoring/metrics.ts';
import { DOCUMENTED_METRICS, filterProblems, parseFilter, promqlProblems } from '../../support/cloud-monitoring.ts';

test('every metric the stack reads is documented, not deprecated, on the resource Google writes it against', () => {
  for (const metric of Object.values(METRIC)) {
    const documented = DOCUMENTED_METRICS[metric];
    assert.ok(documented, metric);
    assert.equal(documented.deprecated, undefined, metric);
    assert.equal(RESOURCE_OF[metric], documented.resource, metric);
  }
});

test('filters quote values, so a name with quotes or backslashes reads back as itself', () => {
  const filter = monitoringFilter({
    metric: METRIC.undeliveredMessages,
    resourceLabels: { subscription_id: ['a"b', 'c\\d'] },
  });
  assert.deepEqual(parseFilter(filter).resourceLabels, { subscription_id: ['a"b', 'c\\d'] });
  assert.deepEqual(filterProblems(filter), []);
  assert.equal(
    monitoringFilter({ metric: METRIC.requestCount, metricLabels: { response_code_class: '5xx' } }),
    'metric.type = "run.googleapis.com/request_count" AND resource.type = "cloud_run_revision" AND metric.label.response_code_class = "5xx"',
  );
});

test('PromQL names follow the documented mapping (first / to :, other specials to _)', () => {
  assert.equal(promqlMetricName(METRIC.messageSizes, '_count'), 'pubsub_googleapis_com:topic_message_sizes_count');
  assert.equal(promqlMetricName(METRIC.instanceCount), 'run_googleapis_com:container_instance_count');
  const selector = promqlSelector(METRIC.messageSizes, '_count', { topic_id: ['a.b', 'c|d'] });
  assert.equal(
    selector,
    'pubsub_googleapis_com:topic_message_sizes_count{monitored_resource="pubsub_topic",topic_id=~"a\\\\.b|c\\\\|d"}',
  );
  assert.deepEqual(promqlProblems(selector), []);
});
