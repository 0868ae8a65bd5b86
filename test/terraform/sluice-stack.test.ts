import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Testing } from 'cdktf';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { TABLE_NAMES, tableSchema } from '../../functions/core/contract/table-schema.ts';
import { parseSchemaKey } from '../../functions/core/iglu/schema-key.ts';
import { MIN_PURGE_TOKEN_LENGTH } from '../../functions/core/limits.ts';
import { readSchemaFiles } from '../../terraform/schema-files.ts';
import { REQUIRED_APIS } from '../../terraform/stack/apis.ts';
import { FROM_STACK_DIR_TO_ROOT } from '../../terraform/stack/backend.ts';
import { CLUSTERING } from '../../terraform/stack/bigquery-tables.ts';
import { checkDeployConfig } from '../../terraform/stack/check-deploy-config.ts';
import { PURGE_TOKEN_LENGTH } from '../../terraform/stack/secrets.ts';
import { DEAD_LETTER_RETENTION, MAX_DELIVERY_ATTEMPTS } from '../../terraform/stack/subscriptions.ts';
import { terraformLiteral } from '../../terraform/terraform-literal.ts';
import { dedupedViewSql } from '../../terraform/views/deduped-view.ts';
import { typedViews } from '../../terraform/views/typed-view.ts';
import { resource, resourcesOf, SCHEMAS_DIR, synthStack, TEST_PROJECT } from '../support/synth-stack.ts';

// One synth of the default configuration serves most tests; variants are synthesized once each.
const synth = synthStack();
const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;
const FUNCTION_MEMBER = `serviceAccount:${ref('google_service_account', 'function_service_account', 'email')}`;
const PUBSUB_AGENT = `serviceAccount:service-${ref('data.google_project', 'project', 'number')}@gcp-sa-pubsub.iam.gserviceaccount.com`;

describe('the Sluice stack: provider, project and APIs', () => {
  test('the provider takes project and region from the config; labels become default labels', () => {
    assert.ok(
      Testing.toHaveProviderWithProperties(synth.text, 'google', { project: TEST_PROJECT, region: 'europe-west1' }),
    );
    assert.equal(synth.json.provider.google?.[0]?.default_labels, undefined);
    const labelled = synthStack({ labels: { team: 'analytics' } });
    assert.ok(Testing.toHaveProviderWithProperties(labelled.text, 'google', { default_labels: { team: 'analytics' } }));
  });

  test('without a project in the config, the project is a Terraform variable, not a hard-coded id', () => {
    const open = synthStack({ project: '' });
    assert.ok(open.json.variable?.project_id);
    assert.ok(Testing.toHaveProviderWithProperties(open.text, 'google', { project: '${var.project_id}' }));
    assert.ok(!open.text.includes(TEST_PROJECT));
    assert.ok(
      Testing.toHaveResourceWithProperties(open.text, 'google_storage_bucket', {
        name: '${var.project_id}-sluice-schemas',
      }),
    );
  });

  test('state: a GCS bucket by default, keyed by project and name_prefix; a local file only when chosen', () => {
    assert.deepEqual(synth.json.terraform.backend, {
      gcs: { bucket: `${TEST_PROJECT}-sluice-tfstate`, prefix: `${TEST_PROJECT}/sluice` },
    });
    const remote = synthStack({ deploy: { state_bucket: 'acme-tf-state' }, name_prefix: 'dev' });
    assert.deepEqual(remote.json.terraform.backend, {
      gcs: { bucket: 'acme-tf-state', prefix: `${TEST_PROJECT}/dev` },
    });
    const local = synthStack({ deploy: { local_state: true }, name_prefix: 'dev' });
    assert.deepEqual(local.json.terraform.backend, {
      local: { path: `${FROM_STACK_DIR_TO_ROOT}terraform.${TEST_PROJECT}.dev.tfstate` },
    });
    // Two environments of one project never share a state.
    const prod = synthStack({ deploy: { state_bucket: 'acme-tf-state' }, name_prefix: 'prod' });
    assert.notDeepEqual(prod.json.terraform.backend, remote.json.terraform.backend);
    // npm run synth without a project: a backend cannot use variables, so a local file.
    assert.deepEqual(synthStack({ project: '' }).json.terraform.backend, {
      local: { path: `${FROM_STACK_DIR_TO_ROOT}terraform.sluice.tfstate` },
    });
  });

  test('every API the stack uses is enabled and stays enabled on destroy', () => {
    const services = Object.values(resourcesOf(synth, 'google_project_service'));
    assert.deepEqual(services.map((service) => service.service).sort(), [...REQUIRED_APIS].sort());
    for (const service of services) assert.equal(service.disable_on_destroy, false);
  });

  test('nothing project-specific is hard-coded: another project and prefix change every name', () => {
    const other = synthStack({
      project: 'other-proj',
      name_prefix: 'edge',
      valid_topic: 'edge-events',
      invalid_topic: 'edge-bad',
      replay_subscription: 'edge-replay',
      bigquery: { dataset: 'edge' },
    });
    for (const word of [TEST_PROJECT, 'sluice-events', 'sluice-invalid', 'sluice-collector', 'sluice-schemas'])
      assert.ok(!other.text.includes(word), `${word} leaked into another deployment`);
    assert.ok(
      Testing.toHaveResourceWithProperties(other.text, 'google_pubsub_topic', { name: 'edge-bad-dead-letter' }),
    );
    assert.ok(Testing.toHaveResourceWithProperties(other.text, 'google_bigquery_dataset', { dataset_id: 'edge' }));
  });
});

describe('the Sluice stack: buckets and the function', () => {
  test('the schema bucket: uniform access, versioning, public access prevented', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_storage_bucket', {
        name: `${TEST_PROJECT}-sluice-schemas`,
        location: 'europe-west1',
        uniform_bucket_level_access: true,
        public_access_prevention: 'enforced',
        versioning: { enabled: true },
      }),
    );
  });

  test('every file under schemas/ is uploaded at its Iglu path as application/json, with its exact content', () => {
    const files = readSchemaFiles(SCHEMAS_DIR);
    assert.ok(files.length >= 7);
    const objects = Object.values(resourcesOf(synth, 'google_storage_bucket_object')).filter(
      (object) => object.bucket === ref('google_storage_bucket', 'bucket_schemas', 'name'),
    );
    assert.deepEqual(objects.map((object) => object.name).sort(), files.map((file) => file.path).sort());
    for (const file of files) {
      const object = objects.find((candidate) => candidate.name === file.path);
      assert.equal(object?.content, terraformLiteral(file.text));
      assert.equal(object?.content_type, 'application/json');
    }
    assert.ok(files.some((file) => file.path === 'com.example/checkout/jsonschema/1-0-0'));
  });

  test('the function source: a private bucket and the bundle as a zip asset named by its hash', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_storage_bucket', {
        name: `${TEST_PROJECT}-sluice-source`,
        uniform_bucket_level_access: true,
        public_access_prevention: 'enforced',
      }),
    );
    const object = resource(synth, 'google_storage_bucket_object', 'function_source_object');
    assert.match(String(object.name), /^collector-[0-9A-F]{32}\.zip$/);
    assert.match(String(object.source), /^assets\/function_source\/[0-9A-F]{32}\/archive\.zip$/);
    assert.equal(object.bucket, ref('google_storage_bucket', 'bucket_source', 'name'));
  });

  test('the function: nodejs22, entry point collect, sized from the config, its own service account, its environment', () => {
    const fn = resource(synth, 'google_cloudfunctions2_function', 'collector');
    assert.equal(fn.name, 'sluice-collector');
    assert.equal(fn.location, 'europe-west1');
    assert.deepEqual(fn.build_config, {
      runtime: 'nodejs22',
      entry_point: 'collect',
      source: {
        storage_source: {
          bucket: ref('google_storage_bucket', 'bucket_source', 'name'),
          object: ref('google_storage_bucket_object', 'function_source_object', 'name'),
        },
      },
      service_account: ref('google_service_account', 'build_service_account', 'id'),
      docker_repository: ref('google_artifact_registry_repository', 'function_images', 'id'),
    });
    assert.deepEqual(fn.service_config, {
      service_account_email: ref('google_service_account', 'function_service_account', 'email'),
      available_memory: '512Mi',
      available_cpu: '1',
      min_instance_count: 0,
      max_instance_count: 20,
      max_instance_request_concurrency: 80,
      timeout_seconds: 60,
      ingress_settings: 'ALLOW_ALL',
      all_traffic_on_latest_revision: true,
      environment_variables: {
        SLUICE_SINK: 'pubsub',
        SLUICE_PROJECT: TEST_PROJECT,
        SLUICE_REGISTRIES: `gs://${ref('google_storage_bucket', 'bucket_schemas', 'name')}`,
        SLUICE_VALID_TOPIC: ref('google_pubsub_topic', 'topic_valid', 'name'),
        SLUICE_INVALID_TOPIC: ref('google_pubsub_topic', 'topic_invalid', 'name'),
      },
      secret_environment_variables: [
        {
          key: 'SLUICE_PURGE_TOKEN',
          project_id: TEST_PROJECT,
          secret: ref('google_secret_manager_secret', 'secret_purge_token', 'secret_id'),
          version: ref('google_secret_manager_secret_version', 'secret_purge_token_version', 'version'),
        },
      ],
    });
    // The grants the function needs exist before it serves its first request.
    for (const grant of [
      'google_pubsub_topic_iam_member.function_publishes_valid',
      'google_pubsub_topic_iam_member.function_publishes_invalid',
      'google_storage_bucket_iam_member.function_reads_schemas',
    ]) {
      assert.ok(fn.depends_on?.includes(grant), grant);
    }
  });

  test('sizing, ingress and remote registries follow the config', () => {
    const sized = synthStack({
      registries: ['file://./schemas', 'https://iglucentral.com/schemas'],
      deploy: {
        function_memory: '1Gi',
        function_cpu: '2',
        min_instances: 1,
        max_instances: 5,
        concurrency: 200,
        timeout_seconds: 30,
        ingress: 'internal',
      },
    });
    const config = resource(sized, 'google_cloudfunctions2_function', 'collector').service_config as Record<
      string,
      unknown
    >;
    assert.equal(config.available_memory, '1Gi');
    assert.equal(config.available_cpu, '2');
    assert.equal(config.min_instance_count, 1);
    assert.equal(config.max_instance_count, 5);
    assert.equal(config.max_instance_request_concurrency, 200);
    assert.equal(config.timeout_seconds, 30);
    assert.equal(config.ingress_settings, 'ALLOW_INTERNAL_ONLY');
    // file:// registries do not exist in the cloud; the bucket comes first, then the remote ones.
    assert.equal(
      (config.environment_variables as Record<string, string>).SLUICE_REGISTRIES,
      `gs://${ref('google_storage_bucket', 'bucket_schemas', 'name')},https://iglucentral.com/schemas`,
    );
    // Internal ingress: no public invoker.
    assert.deepEqual(resourcesOf(sized, 'google_cloud_run_service_iam_member'), {});
  });

  test("public ingress: run.invoker for allUsers on the function's Cloud Run service", () => {
    assert.deepEqual(Object.values(resourcesOf(synth, 'google_cloud_run_service_iam_member')), [
      {
        location: 'europe-west1',
        service: ref('google_cloudfunctions2_function', 'collector', 'name'),
        role: 'roles/run.invoker',
        member: 'allUsers',
      },
    ]);
  });

  test('settings Cloud Functions would refuse are refused at synth time, naming the keys and the fix', () => {
    const config = (deploy: Record<string, unknown>) =>
      resolveConfig({ document: { deploy }, source: 'test', env: {} });
    assert.throws(
      () => checkDeployConfig(config({ function_cpu: '0.5', concurrency: 10 })),
      /deploy\.concurrency is 10 but deploy\.function_cpu is 0\.5.*set concurrency to 1/,
    );
    assert.throws(
      () => checkDeployConfig(config({ min_instances: 5, max_instances: 2 })),
      /deploy\.min_instances \(5\) is more than deploy\.max_instances \(2\)/,
    );
    assert.doesNotThrow(() => checkDeployConfig(config({ function_cpu: '0.5', concurrency: 1 })));
  });
});

describe('the Sluice stack: topics, BigQuery and subscriptions', () => {
  test('valid, invalid and their dead-letter topics', () => {
    assert.deepEqual(
      Object.values(resourcesOf(synth, 'google_pubsub_topic'))
        .map((topic) => topic.name)
        .sort(),
      ['sluice-events', 'sluice-events-dead-letter', 'sluice-invalid-events', 'sluice-invalid-events-dead-letter'],
    );
  });

  test('the dataset: configured id and location; contents kept on destroy while deletion protection is on', () => {
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_bigquery_dataset', {
        dataset_id: 'sluice',
        location: 'EU',
        delete_contents_on_destroy: false,
      }),
    );
    const unprotected = synthStack({ bigquery: { deletion_protection: false, location: 'US' } });
    assert.ok(
      Testing.toHaveResourceWithProperties(unprotected.text, 'google_bigquery_dataset', {
        location: 'US',
        delete_contents_on_destroy: true,
      }),
    );
    assert.equal(resource(unprotected, 'google_bigquery_table', 'table_events').deletion_protection, false);
  });

  for (const [kind, id] of [
    ['valid', 'table_events'],
    ['invalid', 'table_invalid_events'],
  ] as const) {
    test(`${TABLE_NAMES[kind]}: the contract's schema, day partitions on collector_tstamp, clustered, protected`, () => {
      const table = resource(synth, 'google_bigquery_table', id);
      assert.equal(table.table_id, TABLE_NAMES[kind]);
      assert.equal(table.dataset_id, ref('google_bigquery_dataset', 'bigquery_dataset', 'dataset_id'));
      assert.deepEqual(JSON.parse(String(table.schema)), tableSchema(kind));
      assert.deepEqual(table.time_partitioning, { type: 'DAY', field: 'collector_tstamp' });
      assert.deepEqual(table.clustering, [...CLUSTERING[kind]]);
      assert.equal(table.deletion_protection, true);
      // Clustering and partitioning columns must exist in the table.
      const columns = new Set(tableSchema(kind).map((field) => field.name));
      for (const column of [...CLUSTERING[kind], 'collector_tstamp']) assert.ok(columns.has(column), column);
    });
  }

  test('partition expiration from the config, in milliseconds', () => {
    const expiring = synthStack({ bigquery: { partition_expiration_days: 400 } });
    assert.deepEqual(resource(expiring, 'google_bigquery_table', 'table_invalid_events').time_partitioning, {
      type: 'DAY',
      field: 'collector_tstamp',
      expiration_ms: 400 * 86_400_000,
    });
  });

  for (const [kind, table, topic] of [
    ['valid', 'table_events', 'topic_valid'],
    ['invalid', 'table_invalid_events', 'topic_invalid'],
  ] as const) {
    test(`the ${kind} BigQuery subscription writes ${TABLE_NAMES[kind]} with the table schema and metadata, dead-letters what fails, after its grants`, () => {
      const subscription = resource(synth, 'google_pubsub_subscription', `subscription_${kind}_bigquery`);
      assert.equal(subscription.topic, ref('google_pubsub_topic', topic, 'id'));
      assert.deepEqual(subscription.bigquery_config, {
        table: `${ref('google_bigquery_table', table, 'project')}.${ref('google_bigquery_table', table, 'dataset_id')}.${ref('google_bigquery_table', table, 'table_id')}`,
        use_table_schema: true,
        write_metadata: true,
        drop_unknown_fields: false,
      });
      assert.deepEqual(subscription.dead_letter_policy, {
        dead_letter_topic: ref('google_pubsub_topic', `${topic}_dead_letter`, 'id'),
        max_delivery_attempts: MAX_DELIVERY_ATTEMPTS,
      });
      assert.deepEqual(subscription.expiration_policy, { ttl: '' });
      assert.deepEqual(subscription.depends_on?.sort(), [
        `google_bigquery_table_iam_member.pubsub_writes_${TABLE_NAMES[kind]}`,
        `google_pubsub_subscription.subscription_${kind}_dead_letter`,
        `google_pubsub_topic_iam_member.pubsub_publishes_${kind}_dead_letter`,
        'time_sleep.iam_propagation',
      ]);
      const hold = resource(synth, 'google_pubsub_subscription', `subscription_${kind}_dead_letter`);
      assert.equal(hold.topic, ref('google_pubsub_topic', `${topic}_dead_letter`, 'id'));
      // 31 days, Pub/Sub's maximum (https://cloud.google.com/pubsub/docs/subscription-properties).
      assert.equal(hold.message_retention_duration, '2678400s');
      assert.equal(hold.message_retention_duration, DEAD_LETTER_RETENTION);
      assert.deepEqual(hold.expiration_policy, { ttl: '' });
      assert.equal(hold.bigquery_config, undefined);
    });
  }

  test('the write_metadata columns exist in both tables (a BigQuery subscription with write_metadata needs them)', () => {
    for (const kind of ['valid', 'invalid'] as const) {
      const names = tableSchema(kind).map((field) => field.name);
      for (const column of ['subscription_name', 'message_id', 'publish_time', 'attributes'])
        assert.ok(names.includes(column), `${TABLE_NAMES[kind]}.${column}`);
    }
  });

  test('the replay subscription on the invalid topic keeps acknowledged messages for 7 days and never expires', () => {
    assert.deepEqual(resource(synth, 'google_pubsub_subscription', 'subscription_replay'), {
      name: 'sluice-invalid-events-replay',
      topic: ref('google_pubsub_topic', 'topic_invalid', 'id'),
      ack_deadline_seconds: 60,
      retain_acked_messages: true,
      message_retention_duration: '604800s',
      expiration_policy: { ttl: '' },
    });
  });

  test('views: events_deduped and one typed view per schema model, standard SQL generated from schemas/', () => {
    const views = Object.values(resourcesOf(synth, 'google_bigquery_table')).filter(
      (table) => table.view !== undefined,
    );
    const expected = [
      { table_id: 'events_deduped', sql: dedupedViewSql(TEST_PROJECT, 'sluice') },
      ...typedViews(readSchemaFiles(SCHEMAS_DIR), TEST_PROJECT, 'sluice').map((view) => ({
        table_id: view.name,
        sql: view.sql,
      })),
    ];
    assert.deepEqual(
      views
        .map((view) => ({ table_id: view.table_id, sql: (view.view as { query: string }).query }))
        .sort((a, b) => String(a.table_id).localeCompare(String(b.table_id))),
      expected.sort((a, b) => a.table_id.localeCompare(b.table_id)),
    );
    for (const view of views) {
      assert.equal((view.view as { use_legacy_sql: boolean }).use_legacy_sql, false);
      assert.deepEqual(view.depends_on, ['google_bigquery_table.table_events']);
    }
    assert.ok(views.some((view) => view.table_id === 'com_example_checkout_1'));
  });

  test('outputs: collector URL, topics, subscriptions, bucket, dataset, tables and views', () => {
    const { output } = synth.json;
    assert.equal(output.collector_url?.value, ref('google_cloudfunctions2_function', 'collector', 'url'));
    assert.equal(output.valid_topic?.value, ref('google_pubsub_topic', 'topic_valid', 'name'));
    assert.equal(output.invalid_topic?.value, ref('google_pubsub_topic', 'topic_invalid', 'name'));
    assert.equal(output.replay_subscription?.value, ref('google_pubsub_subscription', 'subscription_replay', 'name'));
    assert.equal(output.dataset?.value, ref('google_bigquery_dataset', 'bigquery_dataset', 'dataset_id'));
    assert.deepEqual(output.tables?.value, ['events', 'invalid_events']);
    assert.ok((output.views?.value as string[]).includes('events_deduped'));
    assert.ok(output.schema_bucket && output.dead_letter_subscriptions);
    assert.equal(output.dashboard?.value, ref('google_monitoring_dashboard', 'monitoring_dashboard', 'id'));
    assert.equal((output.alert_policies?.value as string[]).length, 4);
  });
});

describe('the Sluice stack: text from files reaches Terraform literally', () => {
  // Terraform reads ${…} and %{…} in any string as a template: a schema mentioning them must be
  // escaped, or the plan fails (or interpolates). References the stack makes must stay live.
  const key = parseSchemaKey('iglu:com.acme/tricky/jsonschema/1-0-0');
  const document = {
    self: { vendor: 'com.acme', name: 'tricky', format: 'jsonschema', version: '1-0-0' },
    description: 'costs ${amount}; %{if x}',
    type: 'object',
    properties: { '${evil}': { type: 'string' }, ok: { type: 'integer' } },
  };
  const text = JSON.stringify(document, null, 2);
  const tricky = synthStack({ project: '' }, [{ key, path: key.path, text, document }]);
  const unescapeTerraform = (value: string) => value.replaceAll('$${', '${').replaceAll('%%{', '%{');

  test('schema file content is escaped, and unescapes to the file exactly', () => {
    const object = Object.values(resourcesOf(tricky, 'google_storage_bucket_object')).find(
      (candidate) => candidate.name === key.path,
    );
    assert.match(String(object?.content), /costs \$\$\{amount\}; %%\{if x\}/);
    assert.equal(unescapeTerraform(String(object?.content)), text);
  });

  test('view SQL escapes property names but keeps the project reference live', () => {
    const view = resource(tricky, 'google_bigquery_table', 'view_com_acme_tricky_1').view as { query: string };
    assert.ok(view.query.includes("LAX_STRING(payload['$${evil}']) AS `__evil_`"), view.query);
    assert.ok(view.query.includes('FROM `${var.project_id}.sluice.events`'), view.query);
    const [expected] = typedViews([{ key, path: key.path, text, document }], '${var.project_id}', 'sluice');
    assert.equal(unescapeTerraform(view.query), expected?.sql);
    assert.ok(resource(tricky, 'google_bigquery_table', 'view_events_deduped').view !== undefined);
  });

  test('terraformLiteral doubles only the template introducers', () => {
    assert.equal(terraformLiteral('a ${b} %{c} $d %e {f} $${g}'), 'a $${b} %%{c} $d %e {f} $$${g}');
  });
});

describe('the Sluice stack: IAM', () => {
  /** Every IAM grant in a synthesized stack, as "type target role member" lines. */
  function grants(stack = synth): string[] {
    const lines: string[] = [];
    for (const [type, blocks] of Object.entries(stack.json.resource)) {
      if (!/iam|access/.test(type)) continue;
      for (const block of Object.values(blocks)) {
        const target =
          block.topic ??
          block.subscription ??
          block.bucket ??
          block.table_id ??
          block.secret_id ??
          block.repository ??
          block.service ??
          block.project ??
          '?';
        lines.push(`${type} ${String(target)} ${String(block.role)} ${String(block.member ?? block.members)}`);
      }
    }
    return lines.sort();
  }

  test('exactly these grants and no other (a new grant must be added here on purpose)', () => {
    const BUILDER = `serviceAccount:${ref('google_service_account', 'build_service_account', 'email')}`;
    assert.deepEqual(grants(), [
      `google_artifact_registry_repository_iam_member ${ref('google_artifact_registry_repository', 'function_images', 'name')} roles/artifactregistry.writer ${BUILDER}`,
      `google_bigquery_table_iam_member ${ref('google_bigquery_table', 'table_events', 'table_id')} roles/bigquery.dataEditor ${PUBSUB_AGENT}`,
      `google_bigquery_table_iam_member ${ref('google_bigquery_table', 'table_invalid_events', 'table_id')} roles/bigquery.dataEditor ${PUBSUB_AGENT}`,
      `google_cloud_run_service_iam_member ${ref('google_cloudfunctions2_function', 'collector', 'name')} roles/run.invoker allUsers`,
      `google_project_iam_member ${TEST_PROJECT} roles/logging.logWriter ${BUILDER}`,
      `google_project_iam_member ${TEST_PROJECT} roles/storage.objectViewer ${BUILDER}`,
      `google_pubsub_subscription_iam_member ${ref('google_pubsub_subscription', 'subscription_invalid_bigquery', 'name')} roles/pubsub.subscriber ${PUBSUB_AGENT}`,
      `google_pubsub_subscription_iam_member ${ref('google_pubsub_subscription', 'subscription_valid_bigquery', 'name')} roles/pubsub.subscriber ${PUBSUB_AGENT}`,
      `google_pubsub_topic_iam_member ${ref('google_pubsub_topic', 'topic_invalid', 'name')} roles/pubsub.publisher ${FUNCTION_MEMBER}`,
      `google_pubsub_topic_iam_member ${ref('google_pubsub_topic', 'topic_invalid_dead_letter', 'name')} roles/pubsub.publisher ${PUBSUB_AGENT}`,
      `google_pubsub_topic_iam_member ${ref('google_pubsub_topic', 'topic_valid', 'name')} roles/pubsub.publisher ${FUNCTION_MEMBER}`,
      `google_pubsub_topic_iam_member ${ref('google_pubsub_topic', 'topic_valid_dead_letter', 'name')} roles/pubsub.publisher ${PUBSUB_AGENT}`,
      `google_secret_manager_secret_iam_member ${ref('google_secret_manager_secret', 'secret_purge_token', 'id')} roles/secretmanager.secretAccessor ${FUNCTION_MEMBER}`,
      `google_storage_bucket_iam_member ${ref('google_storage_bucket', 'bucket_schemas', 'name')} roles/storage.objectViewer ${FUNCTION_MEMBER}`,
    ]);
  });

  test('no primitive role, no authoritative binding or policy anywhere; project-level grants only where no narrower resource exists', () => {
    assert.doesNotMatch(synth.text, /roles\/(owner|editor|viewer)"/);
    // Build logs can only be granted on a project, and the build's source bucket is created by
    // Cloud Functions during the first deploy (see build-identity.ts): these two, and no other.
    assert.deepEqual(
      Object.entries(resourcesOf(synth, 'google_project_iam_member')).map(([id, block]) => [id, block.role]),
      [
        ['build_reads_source', 'roles/storage.objectViewer'],
        ['build_writes_logs', 'roles/logging.logWriter'],
      ],
    );
    for (const type of Object.keys(synth.json.resource)) {
      assert.doesNotMatch(
        type,
        /^google_project_iam_(binding|policy)|^google_organization_iam|^google_folder_iam/,
        `${type} grants on the whole project`,
      );
      assert.doesNotMatch(type, /_iam_(binding|policy)$/, `${type} would replace grants made by others`);
    }
    // The dataset carries no access list of its own (which would replace BigQuery's defaults).
    assert.equal(resource(synth, 'google_bigquery_dataset', 'bigquery_dataset').access, undefined);
  });

  test("the function's service account is granted exactly publisher on the two topics, object read on the schema bucket and access to its purge token", () => {
    const mine = grants().filter((line) => line.endsWith(FUNCTION_MEMBER));
    assert.equal(mine.length, 4);
    assert.ok(
      mine.every((line) =>
        / roles\/(pubsub\.publisher|storage\.objectViewer|secretmanager\.secretAccessor) /.test(line),
      ),
    );
  });

  test('the purge token is generated once, kept in Secret Manager and reaches the function as SLUICE_PURGE_TOKEN', () => {
    const password = resource(synth, 'random_password', 'purge_token');
    assert.equal(password.length, PURGE_TOKEN_LENGTH);
    assert.ok(PURGE_TOKEN_LENGTH >= MIN_PURGE_TOKEN_LENGTH, 'the collector refuses shorter tokens at start-up');
    assert.equal(password.special, false, 'the token travels in an Authorization header and a shell variable');
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_secret_manager_secret', {
        secret_id: 'sluice-purge-token',
        replication: { auto: {} },
      }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(synth.text, 'google_secret_manager_secret_version', {
        secret: ref('google_secret_manager_secret', 'secret_purge_token', 'id'),
        secret_data: ref('random_password', 'purge_token', 'result'),
      }),
    );
    const collector = resource(synth, 'google_cloudfunctions2_function', 'collector');
    const serviceConfig = collector.service_config as {
      secret_environment_variables: unknown;
      environment_variables: Record<string, string>;
    };
    assert.deepEqual(serviceConfig.secret_environment_variables, [
      {
        key: 'SLUICE_PURGE_TOKEN',
        project_id: TEST_PROJECT,
        secret: ref('google_secret_manager_secret', 'secret_purge_token', 'secret_id'),
        version: ref('google_secret_manager_secret_version', 'secret_purge_token_version', 'version'),
      },
    ]);
    assert.equal(
      serviceConfig.environment_variables.SLUICE_PURGE_TOKEN,
      undefined,
      'never as a plain environment variable',
    );
    const dependsOn = collector.depends_on as string[];
    assert.ok(dependsOn.includes('google_secret_manager_secret_iam_member.function_reads_purge_token'));
    assert.ok(dependsOn.includes('google_secret_manager_secret_version.secret_purge_token_version'));
    assert.ok(Testing.toHaveProviderWithProperties(synth.text, 'random', {}));
  });

  test('the Pub/Sub service agent comes from the project number, through the google_project data source', () => {
    assert.ok(Testing.toHaveDataSourceWithProperties(synth.text, 'google_project', { project_id: TEST_PROJECT }));
  });

  test('each webhook secret is a Secret Manager secret filled from a sensitive variable, readable by the function alone', () => {
    const hooked = synthStack({
      webhooks: {
        auth: {
          'com.github/push': {
            type: 'hmac_sha256',
            header: 'X-Hub-Signature-256',
            prefix: 'sha256=',
            secret_env: 'GITHUB_SECRET',
          },
        },
      },
    });
    assert.deepEqual(hooked.json.variable?.webhook_secret_github_secret, {
      type: 'string',
      sensitive: true,
      description:
        'Secret of the webhooks that webhooks.auth reads from GITHUB_SECRET (npm run deploy passes $GITHUB_SECRET).',
    });
    assert.ok(
      Testing.toHaveResourceWithProperties(hooked.text, 'google_secret_manager_secret', {
        secret_id: 'sluice-webhook-github-secret',
      }),
    );
    assert.ok(
      Testing.toHaveResourceWithProperties(hooked.text, 'google_secret_manager_secret_version', {
        secret: ref('google_secret_manager_secret', 'secret_webhook_github_secret', 'id'),
        secret_data: '${var.webhook_secret_github_secret}',
      }),
    );
    const extra = grants(hooked).filter((line) => !grants().includes(line));
    assert.deepEqual(extra, [
      `google_secret_manager_secret_iam_member ${ref('google_secret_manager_secret', 'secret_webhook_github_secret', 'id')} roles/secretmanager.secretAccessor ${FUNCTION_MEMBER}`,
    ]);
    const collector = resource(hooked, 'google_cloudfunctions2_function', 'collector');
    const serviceConfig = collector.service_config as { secret_environment_variables: unknown[] };
    assert.deepEqual(serviceConfig.secret_environment_variables[1], {
      key: 'GITHUB_SECRET',
      project_id: TEST_PROJECT,
      secret: ref('google_secret_manager_secret', 'secret_webhook_github_secret', 'secret_id'),
      version: ref('google_secret_manager_secret_version', 'secret_webhook_github_secret_version', 'version'),
    });
    assert.ok(
      (collector.depends_on as string[]).includes(
        'google_secret_manager_secret_version.secret_webhook_github_secret_version',
      ),
    );
  });

  test('internal ingress removes the only grant to allUsers', () => {
    const internal = synthStack({ deploy: { ingress: 'internal' } });
    assert.ok(!internal.text.includes('allUsers'));
    assert.equal(grants(internal).length, grants().length - 1);
  });
});
