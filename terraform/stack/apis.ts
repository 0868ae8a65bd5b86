import { ProjectService } from '@cdktf/provider-google/lib/project-service/index.js';
import type { ITerraformDependable } from 'cdktf';
import type { Construct } from 'constructs';

/** The Google Cloud APIs the stack uses. They stay enabled on destroy: other things may use them. */
export const REQUIRED_APIS = [
  'artifactregistry.googleapis.com', // Cloud Functions (2nd gen) stores the built image here
  'bigquery.googleapis.com',
  'cloudbuild.googleapis.com', // builds the function from its source
  'cloudfunctions.googleapis.com',
  'cloudresourcemanager.googleapis.com', // the google_project data source (project number)
  'iam.googleapis.com', // the function's service account
  'monitoring.googleapis.com', // alert policies, notification channels, the dashboard
  'pubsub.googleapis.com',
  'run.googleapis.com', // 2nd gen functions run on Cloud Run
  'secretmanager.googleapis.com', // the purge route's token
  'storage.googleapis.com',
] as const;
export type Api = (typeof REQUIRED_APIS)[number];

/** The enabled APIs a resource depends on, for its dependsOn. */
export type Needs = (...list: Api[]) => ITerraformDependable[];

export interface EnabledApis {
  readonly services: Readonly<Record<Api, ProjectService>>;
  readonly needs: Needs;
}

/** One google_project_service per API in REQUIRED_APIS, in that order. */
export function enableApis(scope: Construct): EnabledApis {
  const services = Object.fromEntries(
    REQUIRED_APIS.map((api) => [
      api,
      new ProjectService(scope, `api_${api.split('.')[0]}`, {
        service: api,
        disableOnDestroy: false,
        disableDependentServices: false,
      }),
    ]),
  ) as Record<Api, ProjectService>;
  return { services, needs: (...list) => list.map((api) => services[api]) };
}
