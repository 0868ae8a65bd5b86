import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Testing } from 'cdktf';
import { BUILD_ROLES } from '../../terraform/build-identity.ts';
import { IAM_PROPAGATION_WAIT } from '../../terraform/iam-propagation.ts';
import { GOOGLE_BETA_VERSION } from '../../terraform/service-identity.ts';
import {
  DOCUMENTED_BUILD_ROLES,
  PUBSUB_AGENT_SERVICE,
  TYPICAL_IAM_PROPAGATION_SECONDS,
} from '../support/google-deploy-behaviour.ts';
import { resource, resourcesOf, synthStack, TEST_PROJECT } from '../support/synth-stack.ts';

// What a first `npm run deploy` into a fresh project needs from the stack itself (issue 17):
// a build identity of its own, the Pub/Sub agent made to exist before its grants, a wait for IAM
// to propagate, quota billed to the deployed project, pinned secrets, ordered dead letters.
const synth = synthStack();
const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;
const BUILDER = `serviceAccount:${ref('google_service_account', 'build_service_account', 'email')}`;

/** Every IAM member resource of the stack, as "type.id". */
function grantAddresses(): string[] {
  return Object.entries(synth.json.resource)
    .filter(([type]) => type.endsWith('_iam_member'))
    .flatMap(([type, blocks]) => Object.keys(blocks).map((id) => `${type}.${id}`));
}

describe('first deploy: the function builds as its own service account', () => {
  test('build_config names the build account and the stack-owned image repository', () => {
    const build = resource(synth, 'google_cloudfunctions2_function', 'collector').build_config as Record<
      string,
      unknown
    >;
    assert.equal(build.service_account, ref('google_service_account', 'build_service_account', 'id'));
    assert.equal(build.docker_repository, ref('google_artifact_registry_repository', 'function_images', 'id'));
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_service_account', { account_id: 'sluice-builder' }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_artifact_registry_repository', {
        repository_id: 'sluice-functions',
        location: 'europe-west1',
        format: 'DOCKER',
      }),
    );
  });

  test('the build account holds exactly the roles Google documents for function builds, each where it is needed', () => {
    const builderGrants = Object.entries(synth.json.resource)
      .filter(([type]) => type.endsWith('_iam_member'))
      .flatMap(([type, blocks]) =>
        Object.values(blocks).map((block) => ({ type, ...block }) as Record<string, unknown>),
      )
      .filter((block) => block.member === BUILDER);
    assert.deepEqual(builderGrants.map((grant) => grant.role).sort(), [...DOCUMENTED_BUILD_ROLES]);
    assert.deepEqual(Object.values(BUILD_ROLES).sort(), [...DOCUMENTED_BUILD_ROLES]);
    // Image writes on the one repository the function uses, not the project.
    const images = builderGrants.find((grant) => grant.role === BUILD_ROLES.images);
    assert.equal(images?.type, 'google_artifact_registry_repository_iam_member');
    assert.equal(images?.repository, ref('google_artifact_registry_repository', 'function_images', 'name'));
    // Logs and the gcf-v2-sources bucket (created by Cloud Functions) exist only at project level.
    for (const role of [BUILD_ROLES.logs, BUILD_ROLES.source]) {
      const grant = builderGrants.find((candidate) => candidate.role === role);
      assert.equal(grant?.type, 'google_project_iam_member', role);
      assert.equal(grant?.project, TEST_PROJECT);
    }
  });

  test('another name_prefix gets its own build account and repository', () => {
    const edge = synthStack({ name_prefix: 'edge' });
    assert.ok(
      Testing.toHaveResourceWithProperties(edge.text, 'google_service_account', { account_id: 'edge-builder' }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(edge.text, 'google_artifact_registry_repository', {
        repository_id: 'edge-functions',
      }),
    );
  });
});

describe('first deploy: no race with the Pub/Sub agent or IAM propagation', () => {
  test('the Pub/Sub service agent is created (google-beta service identity) after the API, before any grant to it', () => {
    const identity = resource(synth, 'google_project_service_identity', 'pubsub_agent');
    assert.equal(identity.service, PUBSUB_AGENT_SERVICE);
    assert.equal(identity.project, TEST_PROJECT);
    assert.equal(identity.provider, 'google-beta');
    assert.deepEqual(identity.depends_on, ['google_project_service.api_pubsub']);
    const agentGrants = Object.entries(synth.json.resource).flatMap(([type, blocks]) =>
      Object.entries(blocks)
        .filter(([, block]) => String(block.member).includes('gcp-sa-pubsub'))
        .map(([id, block]) => ({ address: `${type}.${id}`, block })),
    );
    assert.equal(agentGrants.length, 6);
    for (const { address, block } of agentGrants) {
      // The subscriber grant sits on the BigQuery subscription, itself after the agent's grants.
      const direct = block.depends_on?.includes('google_project_service_identity.pubsub_agent');
      const viaSubscription = address.startsWith('google_pubsub_subscription_iam_member.');
      assert.ok(direct || viaSubscription, `${address} does not wait for the agent to exist`);
    }
  });

  test('the google-beta provider is pinned to the google provider release and configured alike', () => {
    assert.deepEqual((synth.json.terraform.required_providers as Record<string, unknown>)['google-beta'], {
      source: 'hashicorp/google-beta',
      version: GOOGLE_BETA_VERSION,
    });
    const google = (synth.json.terraform.required_providers as Record<string, { version: string }>).google;
    assert.equal(google?.version, GOOGLE_BETA_VERSION);
  });

  test('one time_sleep waits out IAM propagation after every grant the function and subscriptions use', () => {
    const wait = resource(synth, 'time_sleep', 'iam_propagation');
    assert.ok(Number.parseInt(String(wait.create_duration), 10) >= TYPICAL_IAM_PROPAGATION_SECONDS);
    assert.equal(wait.create_duration, IAM_PROPAGATION_WAIT);
    const triggers = wait.triggers as Record<string, string>;
    // Every grant except those that can only follow what waits (the subscriber grant on a
    // subscription, the public invoker on the function) is a trigger, by its id.
    const expected = grantAddresses()
      .filter(
        (address) =>
          !address.startsWith('google_pubsub_subscription_iam_member.') &&
          !address.startsWith('google_cloud_run_service_iam_member.'),
      )
      .sort();
    assert.deepEqual(
      Object.values(triggers)
        .map((value) => value.replace(/^\$\{(.*)\.id\}$/, '$1'))
        .sort(),
      expected,
    );
    assert.ok(Testing.toHaveProviderWithProperties(synth.text, 'time', {}));
    for (const [type, id] of [
      ['google_cloudfunctions2_function', 'collector'],
      ['google_pubsub_subscription', 'subscription_valid_bigquery'],
      ['google_pubsub_subscription', 'subscription_invalid_bigquery'],
    ] as const) {
      assert.ok(resource(synth, type, id).depends_on?.includes('time_sleep.iam_propagation'), `${type}.${id}`);
    }
  });

  test('a webhook secret grant is waited for too', () => {
    const hooked = synthStack({
      webhooks: { auth: { 'com.acme/hook': { type: 'shared_secret', header: 'X-Token', secret_env: 'ACME_TOKEN' } } },
    });
    const triggers = resource(hooked, 'time_sleep', 'iam_propagation').triggers as Record<string, string>;
    assert.ok(
      Object.values(triggers).includes(
        ref('google_secret_manager_secret_iam_member', 'function_reads_webhook_acme_token', 'id'),
      ),
    );
  });
});

describe('first deploy: credentials, secrets, dead letters', () => {
  test('user credentials bill quota to the deployed project, in both Google providers', () => {
    for (const name of ['google', 'google-beta']) {
      assert.ok(
        Testing.toHaveProviderWithProperties(synth.text, name, {
          project: TEST_PROJECT,
          user_project_override: true,
          billing_project: TEST_PROJECT,
        }),
        name,
      );
    }
    const open = synthStack({ project: '' });
    assert.ok(
      Testing.toHaveProviderWithProperties(open.text, 'google', {
        user_project_override: true,
        billing_project: '${var.project_id}',
      }),
    );
  });

  test('no secret is read at version latest: each is pinned to the version the stack wrote', () => {
    const hooked = synthStack({
      webhooks: { auth: { 'com.acme/hook': { type: 'shared_secret', header: 'X-Token', secret_env: 'ACME_TOKEN' } } },
    });
    const secrets = (
      resource(hooked, 'google_cloudfunctions2_function', 'collector').service_config as {
        secret_environment_variables: Array<{ key: string; version: string }>;
      }
    ).secret_environment_variables;
    assert.equal(secrets.length, 2);
    for (const secret of secrets) {
      assert.notEqual(secret.version, 'latest', secret.key);
      assert.match(secret.version, /^\$\{google_secret_manager_secret_version\.[a-z_]+\.version\}$/);
    }
    assert.ok(!hooked.text.includes('"latest"'));
  });

  test('each BigQuery subscription is created after the pull subscription that holds its dead letters', () => {
    for (const kind of ['valid', 'invalid']) {
      const subscription = resource(synth, 'google_pubsub_subscription', `subscription_${kind}_bigquery`);
      assert.ok(subscription.depends_on?.includes(`google_pubsub_subscription.subscription_${kind}_dead_letter`), kind);
      const hold = resourcesOf(synth, 'google_pubsub_subscription')[`subscription_${kind}_dead_letter`];
      assert.equal(
        hold?.topic,
        (subscription.dead_letter_policy as { dead_letter_topic: string }).dead_letter_topic,
        'the hold reads the topic the subscription dead-letters to',
      );
    }
  });
});
