import { GoogleProvider } from '@cdktf/provider-google/lib/provider/index.js';
import type { Construct } from 'constructs';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { GoogleBetaProvider } from '../service-identity.ts';

/** The google provider and the google-beta one (for the service identity), configured alike. */
export function googleProviders(
  scope: Construct,
  config: SluiceConfig,
  project: string,
): { readonly googleBeta: GoogleBetaProvider } {
  const region = config.region;
  // With user credentials (gcloud auth application-default login) some APIs bill quota to the
  // credentials' own quota project, or refuse without one; these settings bill the deployed
  // project instead ([Q1] in test/support/google-deploy-behaviour.ts).
  const quota = { userProjectOverride: true, billingProject: project };
  new GoogleProvider(scope, 'google', {
    project,
    region,
    ...quota,
    ...(Object.keys(config.labels).length > 0 ? { defaultLabels: { ...config.labels } } : {}),
  });
  const googleBeta = new GoogleBetaProvider(scope, 'google-beta', { project, region, ...quota });
  return { googleBeta };
}
