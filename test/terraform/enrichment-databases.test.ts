import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { deployProblems } from '../../terraform/deploy.ts';
import { ASN_DB_URL, CITY_DB, CITY_DB_URL } from '../support/maxmind-test.ts';
import { resource, resourcesOf, synthStack } from '../support/synth-stack.ts';

const ref = (type: string, id: string, attribute: string) => `\${${type}.${id}.${attribute}}`;
const environment = (synth: ReturnType<typeof synthStack>) =>
  (resource(synth, 'google_cloudfunctions2_function', 'collector').service_config as Record<string, unknown>)
    .environment_variables as Record<string, string>;

test('a file:// MaxMind database is uploaded to the schema bucket and the function reads it from there', () => {
  const synth = synthStack({ enrichments: { geo: { database: CITY_DB_URL }, asn: { database: ASN_DB_URL } } });
  const geo = resource(synth, 'google_storage_bucket_object', 'enrichment_geo_database');
  assert.equal(geo.bucket, ref('google_storage_bucket', 'bucket_schemas', 'name'));
  assert.equal(geo.name, 'enrichments/geo/GeoLite2-City-Test.mmdb');
  assert.equal(geo.source, CITY_DB);
  assert.equal(
    resource(synth, 'google_storage_bucket_object', 'enrichment_asn_database').name,
    'enrichments/asn/GeoLite2-ASN-Test.mmdb',
  );
  const env = environment(synth);
  assert.equal(
    env.SLUICE_ENRICHMENTS_GEO_DATABASE,
    `gs://${ref('google_storage_bucket', 'bucket_schemas', 'name')}/enrichments/geo/GeoLite2-City-Test.mmdb`,
  );
  assert.equal(
    env.SLUICE_ENRICHMENTS_ASN_DATABASE,
    `gs://${ref('google_storage_bucket', 'bucket_schemas', 'name')}/enrichments/asn/GeoLite2-ASN-Test.mmdb`,
  );
  const dependsOn = resource(synth, 'google_cloudfunctions2_function', 'collector').depends_on ?? [];
  assert.ok(dependsOn.includes('google_storage_bucket_object.enrichment_geo_database'), 'in place before it serves');
});

test('a gs:// database is read where it is; none configured, nothing uploaded', () => {
  const synth = synthStack({ enrichments: { geo: { database: 'gs://my-geo/GeoLite2-City.mmdb' } } });
  const uploads = Object.keys(resourcesOf(synth, 'google_storage_bucket_object')).filter((id) =>
    id.startsWith('enrichment_'),
  );
  assert.deepEqual(uploads, []);
  assert.equal(environment(synth).SLUICE_ENRICHMENTS_GEO_DATABASE, undefined, 'the bundled config already says it');
  assert.equal(environment(synthStack()).SLUICE_ENRICHMENTS_GEO_DATABASE, undefined);
});

test('deploy stops before anything changes when a configured database file is missing, naming it', () => {
  const config = resolveConfig({
    document: { project: 'acme', enrichments: { asn: { database: 'file://./no/GeoLite2-ASN.mmdb' } } },
    source: 'test',
    env: {},
  });
  const problems = deployProblems(config, {});
  assert.equal(problems.length, 1);
  assert.match(
    problems[0] as string,
    /enrichments\.asn\.database is file:\/\/\.\/no\/GeoLite2-ASN\.mmdb, which does not exist/,
  );
});
