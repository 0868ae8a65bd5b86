import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resourcesOf, synthStack } from '../../support/synth-stack.ts';

const channelsOf = (synth: ReturnType<typeof synthStack>) =>
  Object.values(resourcesOf(synth, 'google_monitoring_alert_policy')).map((policy) => policy.notification_channels);

describe('notification channels', () => {
  test('without emails or channel ids no channel is created and the policies still exist, notifying nobody', () => {
    const synth = synthStack();
    assert.deepEqual(resourcesOf(synth, 'google_monitoring_notification_channel'), {});
    const channels = channelsOf(synth);
    assert.equal(channels.length, 4);
    for (const list of channels) assert.deepEqual(list, []);
  });

  test('one email channel per address, and every policy notifies all of them and the existing channels by id', () => {
    const synth = synthStack({
      alerts: {
        notification_emails: ['oncall@example.com', 'data.team@example.com'],
        notification_channels: ['projects/acme-analytics/notificationChannels/1234567'],
      },
    });
    const created = resourcesOf(synth, 'google_monitoring_notification_channel');
    assert.deepEqual(
      Object.values(created)
        .map((channel) => [channel.type, (channel.labels as { email_address: string }).email_address])
        .sort(),
      [
        ['email', 'data.team@example.com'],
        ['email', 'oncall@example.com'],
      ],
    );
    for (const channel of Object.values(created))
      assert.deepEqual(channel.depends_on, ['google_project_service.api_monitoring']);
    const expected = [
      ...Object.keys(created).map((id) => `\${google_monitoring_notification_channel.${id}.name}`),
      'projects/acme-analytics/notificationChannels/1234567',
    ].sort();
    for (const list of channelsOf(synth)) assert.deepEqual([...(list as string[])].sort(), expected);
  });

  test('a channel keeps its logical id when another address is removed from the list', () => {
    const both = synthStack({ alerts: { notification_emails: ['a@example.com', 'b@example.com'] } });
    const one = synthStack({ alerts: { notification_emails: ['b@example.com'] } });
    const idOf = (synth: ReturnType<typeof synthStack>, email: string) =>
      Object.entries(resourcesOf(synth, 'google_monitoring_notification_channel')).find(
        ([, channel]) => (channel.labels as { email_address: string }).email_address === email,
      )?.[0];
    assert.ok(idOf(both, 'b@example.com'));
    assert.equal(idOf(one, 'b@example.com'), idOf(both, 'b@example.com'));
  });

  test('an address Terraform would read as a template is written literally', () => {
    const synth = synthStack({ alerts: { notification_emails: ['ops${var.x}@example.com'] } });
    const [channel] = Object.values(resourcesOf(synth, 'google_monitoring_notification_channel'));
    assert.equal((channel?.labels as { email_address: string }).email_address, 'ops$${var.x}@example.com');
  });
});
