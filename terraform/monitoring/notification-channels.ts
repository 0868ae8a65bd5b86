import { createHash } from 'node:crypto';
import { MonitoringNotificationChannel } from '@cdktf/provider-google/lib/monitoring-notification-channel/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';
import type { AlertsConfig } from '../../functions/core/config/config.ts';
import { terraformLiteral } from '../terraform-literal.ts';

/**
 * Who the alert policies notify: an email channel per `alerts.notification_emails` entry, created
 * here, followed by the existing channels `alerts.notification_channels` names by id (a Slack or
 * PagerDuty channel set up once in the console, which Terraform must not own). Returns the channel
 * names every policy lists; empty when neither is configured, and the policies still open
 * incidents in the console.
 */
export function notificationChannels(
  scope: Construct,
  alerts: AlertsConfig,
  namePrefix: string,
  dependsOn: ITerraformDependable[],
): string[] {
  const created = alerts.notification_emails.map(
    (email) =>
      new MonitoringNotificationChannel(scope, channelId(email), {
        displayName: `${namePrefix} alerts: ${email}`,
        type: 'email',
        // An address may hold ${ or %{, which Terraform would read as a template.
        labels: { email_address: terraformLiteral(email) },
        dependsOn,
      }),
  );
  return [...created.map((channel) => channel.name), ...alerts.notification_channels];
}

/**
 * A logical id per address, not per position: removing one address from the list must not make
 * Terraform replace the channels after it. The hash keeps addresses that sanitize alike apart.
 */
function channelId(email: string): string {
  const readable = email.toLowerCase().replace(/[^a-z0-9]+/g, '_');
  return `notification_email_${readable}_${createHash('sha256').update(email).digest('hex').slice(0, 6)}`;
}
