import type { MonitoringAlertPolicy } from '@cdktf/provider-google/lib/monitoring-alert-policy/index.js';
import type { MonitoringDashboard } from '@cdktf/provider-google/lib/monitoring-dashboard/index.js';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { alertPolicies } from '../monitoring/alert-policies.ts';
import { monitoringDashboard } from '../monitoring/dashboard.ts';
import { notificationChannels } from '../monitoring/notification-channels.ts';
import type { StackNames } from '../names.ts';
import type { Needs } from './apis.ts';
import { DEAD_LETTER_RETENTION_DAYS, MAX_DELIVERY_ATTEMPTS } from './subscriptions.ts';

export interface Monitoring {
  readonly policies: readonly MonitoringAlertPolicy[];
  readonly dashboard: MonitoringDashboard;
}

/** Operations: the alert policies, who they notify, and the dashboard (see monitoring/). */
export function monitoring(
  scope: Construct,
  options: {
    readonly config: SluiceConfig;
    readonly names: StackNames;
    readonly project: string;
    readonly needs: Needs;
  },
): Monitoring {
  const { config, names, project } = options;
  const monitoringApi = options.needs('monitoring.googleapis.com');
  const channels = notificationChannels(scope, config.alerts, config.name_prefix, monitoringApi);
  const policies = alertPolicies(scope, {
    alerts: config.alerts,
    names,
    project,
    namePrefix: config.name_prefix,
    maxDeliveryAttempts: MAX_DELIVERY_ATTEMPTS,
    deadLetterRetentionDays: DEAD_LETTER_RETENTION_DAYS,
    channels,
    dependsOn: monitoringApi,
  });
  const dashboard = monitoringDashboard(
    scope,
    { names, alerts: config.alerts, namePrefix: config.name_prefix },
    monitoringApi,
  );
  return { policies, dashboard };
}
