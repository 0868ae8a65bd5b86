import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ALERT_POLICY_IDS, invalidShareQuery } from '../../../terraform/monitoring/alert-policies.ts';
import { MAX_DELIVERY_ATTEMPTS } from '../../../terraform/stack/subscriptions.ts';
import { conditionProblems, parseFilter, promqlProblems } from '../../support/cloud-monitoring.ts';
import { resource, resourcesOf, synthStack, TEST_PROJECT, type TerraformBlock } from '../../support/synth-stack.ts';

const synth = synthStack();
const conditionOf = (policy: TerraformBlock) =>
  (policy.conditions as Record<string, unknown>[])[0] as Record<string, unknown>;
const thresholdOf = (policy: TerraformBlock) => conditionOf(policy).condition_threshold as Record<string, unknown>;

describe('alert policies', () => {
  test('exactly the four policies, each with one condition that Cloud Monitoring documents', () => {
    const policies = resourcesOf(synth, 'google_monitoring_alert_policy');
    assert.deepEqual(Object.keys(policies).sort(), [...ALERT_POLICY_IDS].sort());
    for (const [id, policy] of Object.entries(policies)) {
      assert.equal((policy.conditions as unknown[]).length, 1, id);
      assert.deepEqual(conditionProblems(conditionOf(policy)), [], id);
      assert.equal(policy.combiner, 'OR');
      assert.ok(String(policy.display_name).startsWith('sluice: '), 'named after name_prefix');
      assert.deepEqual(policy.depends_on, ['google_project_service.api_monitoring']);
    }
  });

  test('dead letters: num_undelivered_messages of both dead-letter subscriptions above alerts.dead_letter_messages (0)', () => {
    const policy = resource(synth, 'google_monitoring_alert_policy', 'alert_dead_letters');
    const threshold = thresholdOf(policy);
    const filter = parseFilter(String(threshold.filter));
    assert.equal(filter.metricType, 'pubsub.googleapis.com/subscription/num_undelivered_messages');
    assert.deepEqual(filter.resourceLabels, {
      subscription_id: ['sluice-events-dead-letter', 'sluice-invalid-events-dead-letter'],
    });
    assert.equal(threshold.comparison, 'COMPARISON_GT');
    assert.equal(threshold.threshold_value, 0);
    assert.equal(policy.severity, 'ERROR');
    const docs = String((policy.documentation as { content: string }).content);
    assert.match(
      docs,
      new RegExp(`gcloud pubsub subscriptions pull sluice-events-dead-letter --project=${TEST_PROJECT}`),
    );
    assert.match(docs, /CloudPubSubDeadLetterSourceDeliveryErrorMessage/);
    assert.match(docs, /npm run replay -- --source dead-letter --dry-run/);
    assert.match(docs, new RegExp(`after ${MAX_DELIVERY_ATTEMPTS} attempts`));
    assert.match(docs, /for 31 days/);
  });

  test('backlog: oldest_unacked_message_age of both BigQuery subscriptions above alerts.backlog_age_seconds for the window', () => {
    const threshold = thresholdOf(resource(synth, 'google_monitoring_alert_policy', 'alert_bigquery_backlog'));
    const filter = parseFilter(String(threshold.filter));
    assert.equal(filter.metricType, 'pubsub.googleapis.com/subscription/oldest_unacked_message_age');
    assert.deepEqual(filter.resourceLabels, {
      subscription_id: ['sluice-events-bigquery', 'sluice-invalid-events-bigquery'],
    });
    assert.equal(threshold.threshold_value, 900);
    assert.equal(threshold.duration, '300s');
  });

  test("5xx: request_count with response_code_class 5xx over all of the function's requests, summed over the window", () => {
    const threshold = thresholdOf(resource(synth, 'google_monitoring_alert_policy', 'alert_function_5xx'));
    const numerator = parseFilter(String(threshold.filter));
    const denominator = parseFilter(String(threshold.denominator_filter));
    assert.equal(numerator.metricType, 'run.googleapis.com/request_count');
    assert.deepEqual(numerator.resourceLabels, { service_name: ['sluice-collector'] });
    assert.deepEqual(numerator.metricLabels, { response_code_class: ['5xx'] });
    assert.equal(denominator.metricType, 'run.googleapis.com/request_count');
    assert.deepEqual(denominator.resourceLabels, { service_name: ['sluice-collector'] });
    assert.deepEqual(denominator.metricLabels, {}, 'every request, whatever its answer');
    assert.equal(threshold.threshold_value, 0.02);
    const [aggregation] = threshold.aggregations as Record<string, unknown>[];
    assert.equal(aggregation?.alignment_period, '300s');
    assert.equal(aggregation?.per_series_aligner, 'ALIGN_DELTA');
    assert.equal(aggregation?.cross_series_reducer, 'REDUCE_SUM');
  });

  test('invalid share: PromQL over the count of topic/message_sizes, invalid topic over both topics', () => {
    const condition = conditionOf(resource(synth, 'google_monitoring_alert_policy', 'alert_invalid_share'));
    const query = String((condition.condition_prometheus_query_language as { query: string }).query);
    assert.equal(
      query,
      'sum(increase(pubsub_googleapis_com:topic_message_sizes_count{monitored_resource="pubsub_topic",topic_id="sluice-invalid-events"}[900s]))' +
        ' / sum(increase(pubsub_googleapis_com:topic_message_sizes_count{monitored_resource="pubsub_topic",topic_id=~"sluice-events|sluice-invalid-events"}[900s]))' +
        ' > 0.2',
    );
    assert.deepEqual(promqlProblems(query), []);
  });

  test('thresholds and windows come from alerts.*', () => {
    const tuned = synthStack({
      alerts: {
        dead_letter_messages: 5,
        backlog_age_seconds: 3600,
        backlog_window_seconds: 600,
        error_ratio: 0.1,
        error_window_seconds: 120,
        invalid_ratio: 0.5,
        invalid_window_seconds: 3600,
      },
    });
    const policy = (id: string) => resource(tuned, 'google_monitoring_alert_policy', id);
    assert.equal(thresholdOf(policy('alert_dead_letters')).threshold_value, 5);
    assert.equal(thresholdOf(policy('alert_bigquery_backlog')).threshold_value, 3600);
    assert.equal(thresholdOf(policy('alert_bigquery_backlog')).duration, '600s');
    const errors = thresholdOf(policy('alert_function_5xx'));
    assert.equal(errors.threshold_value, 0.1);
    assert.equal((errors.aggregations as { alignment_period: string }[])[0]?.alignment_period, '120s');
    assert.equal((errors.denominator_aggregations as { alignment_period: string }[])[0]?.alignment_period, '120s');
    const query = String(
      (conditionOf(policy('alert_invalid_share')).condition_prometheus_query_language as { query: string }).query,
    );
    assert.match(query, /\[3600s\]\)\) \/ .*\[3600s\]\)\) > 0\.5$/);
    for (const id of ALERT_POLICY_IDS) assert.deepEqual(conditionProblems(conditionOf(policy(id))), [], id);
  });

  test('names come from the config: another prefix and other topics change every filter', () => {
    const other = synthStack({
      name_prefix: 'edge',
      valid_topic: 'edge.events',
      invalid_topic: 'edge+bad',
      bigquery: { dataset: 'edge_data' },
    });
    const text = JSON.stringify(resourcesOf(other, 'google_monitoring_alert_policy'));
    for (const word of ['sluice-', 'sluice:', '.sluice.'])
      assert.ok(!text.includes(word), `${word} of the default deployment leaked`);
    assert.match(text, /acme-analytics\.edge_data\.invalid_events/);
    assert.match(text, /edge-collector/);
    const query = invalidShareQuery(other.stack.names, 900, 0.2);
    // Topic ids may hold regular-expression characters: they are matched literally.
    assert.match(query, /topic_id=~"edge\\\\\.events\|edge\\\\\+bad"/);
    assert.deepEqual(promqlProblems(query), []);
  });
});
