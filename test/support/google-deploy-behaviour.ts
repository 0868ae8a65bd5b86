/**
 * What Google (and the Terraform provider) document about deploying the stack into a project, as
 * facts the deploy tests check the synthesized stack and `npm run deploy` against. Nothing here
 * was observed in a cloud: each fact cites its source.
 *
 * Build identity
 * [B1] https://cloud.google.com/functions/docs/securing/build-custom-sa and its 1st gen twin
 *      https://cloud.google.com/functions/1stgendocs/securing/build-custom-sa — since mid-2024 new
 *      projects build functions as the Compute Engine default account, which may lack the
 *      permissions to build; a custom build service account needs roles/logging.logWriter (build
 *      logs), roles/artifactregistry.writer (build images: on gcf-artifacts, "or you can provide
 *      your own repository via the dockerRepository field") and Cloud Storage object read on the
 *      function source.
 * [B2] https://cloud.google.com/run/docs/configuring/services/build-service-account — the same
 *      three roles for the build account (logging.logWriter, artifactregistry.writer, object access
 *      "for retrieving the function source from the Cloud Storage bucket"); the deployer needs
 *      Service Account User (roles/iam.serviceAccountUser) to deploy as an account (actAs).
 * [B3] https://github.com/hashicorp/terraform-provider-google/issues/20571 — a custom build account
 *      fails "failed to download archive gs://gcf-v2-sources-<number>-<region>/…: Access to bucket
 *      … denied. You must grant Storage Object Viewer permission": 2nd gen builds read the source
 *      from a bucket Cloud Functions creates, not from the stack's source bucket.
 * [B4] https://cloud.google.com/build/docs/cloud-build-service-account-updates — the default build
 *      account became the Compute Engine default account in May-June 2024; users submitting builds
 *      need iam.serviceAccounts.actAs on the account used.
 *
 * Secure-by-default organizations
 * [O1] https://cloud.google.com/resource-manager/docs/secure-by-default-organizations — a bundle of
 *      organization policies is enforced for all organizations created on or after May 3, 2024,
 *      among them iam.automaticIamGrantsForDefaultServiceAccounts (default accounts get no role) and
 *      iam.allowedPolicyMemberDomains (domain restricted sharing).
 * [O2] https://cloud.google.com/organization-policy/restrict-domains — with domain restricted
 *      sharing only principals of allowed domains can be granted roles: a grant to allUsers is
 *      refused. An org policy administrator (roles/orgpolicy.policyAdmin) can override it per project.
 * [O3] https://cloud.google.com/run/docs/authenticating/public — public access is run.invoker for
 *      allUsers; run.services.setIamPolicy is needed to set it.
 *
 * First apply
 * [A1] https://cloud.google.com/iam/docs/create-service-agents and
 *      https://cloud.google.com/iam/docs/service-agents — service agents are created "at some point
 *      after you activate and use the API"; with a declarative framework such as Terraform you can
 *      ask Google to create them first, since "if a service agent has not been created yet, you
 *      can't grant roles to it". google_project_service_identity (google-beta only) calls
 *      services.generateServiceIdentity.
 * [I1] https://cloud.google.com/iam/docs/access-change-propagation — changes to allow policies
 *      "typically propagate in 2 minutes, but could potentially take 7 minutes or longer".
 * [I2] https://github.com/hashicorp/terraform-provider-google/issues/19085 and
 *      https://github.com/hashicorp/terraform-provider-google/issues/17397 — creating a BigQuery
 *      subscription right after the table grant failed with "Error 403: The caller does not have
 *      permission" in 25-35% of the provider's own test runs; the fix was a `time_sleep`
 *      (https://github.com/GoogleCloudPlatform/magic-modules/pull/12095).
 *
 * Credentials
 * [Q1] https://registry.terraform.io/providers/hashicorp/google/latest/docs/guides/provider_reference#user_project_override
 *      — user_project_override sends the resource's project (or billing_project) as the quota
 *      project; otherwise "the quota project is determined by the API and may be the project
 *      associated with your credentials". Application default credentials from
 *      `gcloud auth application-default login` are user credentials.
 *
 * Secrets
 * [S1] https://cloud.google.com/run/docs/configuring/services/secrets — secrets given as
 *      environment variables "are resolved at instance startup time, so … Google recommends that
 *      you pin the secret to a particular version instead of using latest"; deploying checks that
 *      the service account may access each secret.
 * [S2] https://registry.terraform.io/providers/hashicorp/google/6.50.0/docs/resources/secret_manager_secret_version
 *      — secret_data is kept in state; the write-only secret_data_wo needs Terraform 1.11 and a
 *      secret_data_wo_version bumped by hand for every change.
 *
 * BigQuery
 * [P1] https://cloud.google.com/bigquery/docs/querying-partitioned-tables — "To prune partitions
 *      when you query a time-unit column-partitioned table, include a filter on the partitioning
 *      column"; a filter that reaches the table only through a window function's subquery is not
 *      such a filter, a table function's parameters filter the table itself.
 * [P2] https://cloud.google.com/bigquery/docs/table-functions — a table function is a
 *      parameterized query (CREATE TABLE FUNCTION … AS SELECT … WHERE col = param), called in FROM.
 * [C1] https://cloud.google.com/bigquery/docs/querying-clustered-tables — block pruning needs a
 *      filter on the clustered columns, in their order; "queries that filter on clustered columns
 *      generally perform better"; at most four clustering columns.
 *
 * The function's install
 * [L1] https://cloud.google.com/functions/docs/writing/specifying-dependencies-nodejs — "If the
 *      Node.js buildpack detects a lock file, such as package-lock.json … it prioritizes that lock
 *      file when you install dependencies using npm ci".
 */

/** [B1][B2]: the roles a function's build account needs. */
export const DOCUMENTED_BUILD_ROLES = [
  'roles/artifactregistry.writer',
  'roles/logging.logWriter',
  'roles/storage.objectViewer',
] as const;

/** [B3]: the bucket 2nd gen builds fetch the source from, which Cloud Functions creates itself. */
export const BUILD_SOURCE_BUCKET = 'gcf-v2-sources-<project number>-<region>';

/** [I1]: typical IAM propagation time, in seconds. */
export const TYPICAL_IAM_PROPAGATION_SECONDS = 120;

/** [A1]: the service whose agent the BigQuery subscriptions write as. */
export const PUBSUB_AGENT_SERVICE = 'pubsub.googleapis.com';

/** [C1]: BigQuery's limit on clustering columns. */
export const MAX_CLUSTERING_COLUMNS = 4;

/** [S2]: the first Terraform release with write-only attributes. */
export const WRITE_ONLY_ATTRIBUTES_SINCE = '1.11.0';
