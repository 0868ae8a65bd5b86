import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { REPLAY_HELP } from '../../functions/app/replay/replay-options.ts';
import { tableSchema } from '../../functions/core/contract/table-schema.ts';
import { DEAD_LETTER_RETENTION_DAYS } from '../../terraform/stack/subscriptions.ts';
import { columnsMentioned, parseGoogleSql, tablesRead } from '../support/googlesql.ts';
import { resourcesOf, synthStack } from '../support/synth-stack.ts';

/**
 * docs/operations.md tells an operator what each alert means and what to run. It must describe the
 * policies the stack really creates, with their metrics and default thresholds, and its commands
 * and cited tests must exist.
 */
const DOC = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');
const synth = synthStack();
const policies = Object.values(resourcesOf(synth, 'google_monitoring_alert_policy'));
const alerts = synth.config.alerts;

test('the alerts table names each policy with its metric, and the default thresholds the stack uses', () => {
  const table = DOC.slice(DOC.indexOf('| alert | metric'), DOC.indexOf('\n\n', DOC.indexOf('| alert | metric')));
  const rows = table.split('\n').slice(2);
  assert.equal(rows.length, policies.length, 'one row per alert policy');
  const text = JSON.stringify(policies);
  for (const metric of [
    'pubsub.googleapis.com/subscription/num_undelivered_messages',
    'pubsub.googleapis.com/subscription/oldest_unacked_message_age',
    'run.googleapis.com/request_count',
    'pubsub.googleapis.com/topic/message_sizes',
  ]) {
    assert.ok(table.includes(metric), `the table names ${metric}`);
    const used =
      metric === 'pubsub.googleapis.com/topic/message_sizes'
        ? 'pubsub_googleapis_com:topic_message_sizes_count'
        : metric;
    assert.ok(text.includes(used), `the stack uses ${metric}`);
  }
  assert.ok(table.includes(`more than ${alerts.dead_letter_messages} messages`));
  assert.ok(
    table.includes(`older than ${alerts.backlog_age_seconds} s for ${alerts.backlog_window_seconds / 60} minutes`),
  );
  assert.ok(table.includes(`more than ${alerts.error_ratio * 100}% over ${alerts.error_window_seconds / 60} minutes`));
  assert.ok(
    table.includes(`more than ${alerts.invalid_ratio * 100}% over ${alerts.invalid_window_seconds / 60} minutes`),
  );
  for (const key of Object.keys(alerts).filter((name) => !name.startsWith('notification_')))
    assert.ok(table.includes(`\`${key}\``), `the table names alerts.${key}`);
  assert.ok(DOC.includes(`wait ${DEAD_LETTER_RETENTION_DAYS} days`));
});

test('the dashboard section lists every chart the dashboard has', () => {
  const [dashboard] = Object.values(resourcesOf(synth, 'google_monitoring_dashboard'));
  const json = JSON.parse(String(dashboard?.dashboard_json)) as {
    mosaicLayout: { tiles: Array<{ widget: { title: string; xyChart?: unknown } }> };
  };
  const titles = json.mosaicLayout.tiles.filter((tile) => tile.widget.xyChart).map((tile) => tile.widget.title);
  assert.equal(titles.length, 7);
  for (const title of titles) {
    const short = title.split(':')[0] as string;
    assert.ok(DOC.includes(`| ${short}`), `the dashboard table describes "${title}"`);
  }
});

test('the redrive recipe uses options the tool has, and its SQL reads real columns', () => {
  assert.ok(REPLAY_HELP.includes('dead-letter:'));
  for (const option of ['--dry-run', '--limit', '--concurrency', '--batch-size', '--idle'])
    assert.ok(REPLAY_HELP.includes(option), option);
  const sql = /```sql\n([\s\S]*?)```/.exec(DOC)?.[1] ?? '';
  assert.doesNotThrow(() => parseGoogleSql(sql));
  assert.deepEqual(tablesRead(sql), ['my-project.sluice.invalid_events']);
  const columns = new Set(tableSchema('invalid').map((field) => field.name));
  for (const column of columnsMentioned(sql).filter((name) => name !== 'events'))
    assert.ok(columns.has(column), `invalid_events has ${column}`);
});

test('every test the page cites exists under that name', () => {
  const citations = [...DOC.matchAll(/`(test\/[^`]+\.test\.ts)`: "([^"]+)"/g)];
  assert.ok(citations.length >= 3);
  for (const [, file, name] of citations) {
    const url = new URL(`../../${file}`, import.meta.url);
    assert.ok(existsSync(url), `${file} does not exist`);
    assert.ok(readFileSync(url, 'utf8').includes(name as string), `${file} has no test named "${name}"`);
  }
});
