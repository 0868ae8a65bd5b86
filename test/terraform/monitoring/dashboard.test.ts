import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DASHBOARD_COLUMNS, dashboardJson, dashboardName } from '../../../terraform/monitoring/dashboard.ts';
import { dashboardProblems, metricForPromqlName, parseFilter } from '../../support/cloud-monitoring.ts';
import { resourcesOf, synthStack } from '../../support/synth-stack.ts';

const synth = synthStack();
const [block] = Object.values(resourcesOf(synth, 'google_monitoring_dashboard'));
const unescapeTerraform = (value: string) => value.replaceAll('$${', '${').replaceAll('%%{', '%{');
const json = JSON.parse(unescapeTerraform(String(block?.dashboard_json))) as {
  displayName: string;
  mosaicLayout: {
    columns: number;
    tiles: Array<{ widget: { title: string; xyChart?: { dataSets: unknown[]; thresholds?: { value: number }[] } } }>;
  };
};
const tile = (title: RegExp) => {
  const found = json.mosaicLayout.tiles.find((candidate) => title.test(candidate.widget.title));
  assert.ok(found, `no tile titled ${title}`);
  return found.widget;
};
/** The metric types a chart reads, from its filters and PromQL queries. */
function metricsOf(widget: { xyChart?: { dataSets: unknown[] } }): string[] {
  const text = JSON.stringify(widget.xyChart?.dataSets ?? []);
  const fromFilters = [...text.matchAll(/metric\.type = \\"([^\\]+)\\"/g)].map((match) => match[1] as string);
  const fromPromql = [...text.matchAll(/([a-z_]+:[a-z_]+)\{/g)].map(
    (match) => metricForPromqlName(match[1] as string)?.metric ?? match[1],
  );
  return [...new Set([...fromFilters, ...fromPromql])].sort() as string[];
}

describe('the dashboard', () => {
  test('one dashboard, named after name_prefix, whose JSON follows the documented Dashboard structure', () => {
    assert.equal(Object.keys(resourcesOf(synth, 'google_monitoring_dashboard')).length, 1);
    assert.equal(json.displayName, dashboardName('sluice'));
    assert.equal(json.displayName, 'sluice: event pipeline');
    assert.equal(json.mosaicLayout.columns, DASHBOARD_COLUMNS);
    assert.deepEqual(dashboardProblems(json), []);
    assert.deepEqual(block?.depends_on, ['google_project_service.api_monitoring']);
  });

  test('it shows requests and 5xx, events valid vs invalid, both backlogs, instances and latency', () => {
    assert.deepEqual(metricsOf(tile(/^Requests per second/)), ['run.googleapis.com/request_count']);
    assert.deepEqual(metricsOf(tile(/answered 5xx/)), ['run.googleapis.com/request_count']);
    assert.match(JSON.stringify(tile(/answered 5xx/)), /response_code_class = \\"5xx\\"/);
    const events = tile(/Events per minute/);
    assert.deepEqual(metricsOf(events), ['pubsub.googleapis.com/topic/message_sizes']);
    assert.match(JSON.stringify(events), /topic_id=\\"sluice-events\\"/);
    assert.match(JSON.stringify(events), /topic_id=\\"sluice-invalid-events\\"/);
    const deadLetters = tile(/Dead-letter backlog/);
    assert.deepEqual(metricsOf(deadLetters), ['pubsub.googleapis.com/subscription/num_undelivered_messages']);
    const deadLetterFilter = parseFilter(
      (deadLetters.xyChart?.dataSets[0] as { timeSeriesQuery: { timeSeriesFilter: { filter: string } } })
        .timeSeriesQuery.timeSeriesFilter.filter,
    );
    assert.deepEqual(deadLetterFilter.resourceLabels, {
      subscription_id: ['sluice-events-dead-letter', 'sluice-invalid-events-dead-letter'],
    });
    assert.deepEqual(metricsOf(tile(/oldest unwritten message/)), [
      'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
    ]);
    assert.deepEqual(metricsOf(tile(/instances/)), ['run.googleapis.com/container/instance_count']);
    assert.deepEqual(metricsOf(tile(/latency/)), ['run.googleapis.com/request_latencies']);
  });

  test('charts of alerted metrics draw the alert thresholds from alerts.*', () => {
    const tuned = dashboardJson({
      names: synth.stack.names,
      alerts: { ...synth.config.alerts, error_ratio: 0.07, dead_letter_messages: 3, backlog_age_seconds: 1200 },
      namePrefix: 'sluice',
    }) as typeof json;
    const threshold = (title: RegExp) =>
      tuned.mosaicLayout.tiles.find((candidate) => title.test(candidate.widget.title))?.widget.xyChart?.thresholds?.[0]
        ?.value;
    assert.equal(threshold(/answered 5xx/), 0.07);
    assert.equal(threshold(/Dead-letter backlog/), 3);
    assert.equal(threshold(/oldest unwritten message/), 1200);
  });
});
