import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import {
  PUBLISH_RETRY_CODES,
  RPC_CODES,
  rpcCode,
  statusForHttp,
} from '../../../functions/adapters/google/rpc-status.ts';
import { HTTP_STATUS_NAMES, PUBLISH_RETRY, PUBSUB_ANSWERS } from '../../support/google-client-behaviour.ts';

interface ClientConfig {
  interfaces: Record<
    string,
    { retry_codes: Record<string, string[]>; methods: Record<string, { retry_codes_name: string }> }
  >;
}

const require = createRequire(import.meta.url);
const pubsubRoot = dirname(require.resolve('@google-cloud/pubsub/package.json'));

/** Publish's retry codes in one of the installed SDK's publisher_client_config.json files. */
function publishRetryCodes(path: string): string[] {
  const config = JSON.parse(readFileSync(path, 'utf8')) as ClientConfig;
  const publisher = config.interfaces['google.pubsub.v1.Publisher'];
  assert.ok(publisher, `${path} has no google.pubsub.v1.Publisher`);
  const name = publisher.methods.Publish?.retry_codes_name;
  assert.ok(name, `${path} names no retry codes for Publish`);
  const codes = publisher.retry_codes[name];
  assert.ok(codes, `${path} does not define the retry codes ${name}`);
  return codes;
}

test("the REST client retries Publish on exactly the installed SDK's retry codes (publisher_client_config.json)", () => {
  // The file shipped in @google-cloud/pubsub itself, and the one its generated v1.PublisherClient
  // loads (from @google-cloud/pubsub-api since 6.x): a change of either in an update fails here.
  const fromPubsub = createRequire(join(pubsubRoot, 'package.json'));
  const files = [
    join(pubsubRoot, 'build/src/v1-old/publisher_client_config.json'),
    join(
      dirname(fromPubsub.resolve('@google-cloud/pubsub-api/package.json')),
      'build/src/v1/publisher_client_config.json',
    ),
  ];
  for (const file of files) {
    assert.deepEqual([...publishRetryCodes(file)].sort(), [...PUBLISH_RETRY_CODES].sort(), file);
  }
  assert.deepEqual([...PUBLISH_RETRY_CODES].sort(), [...PUBLISH_RETRY.codes].sort(), 'and Google documents the same');
});

test("Pub/Sub's documented answers: the retryable ones are exactly those in the retry codes", () => {
  for (const { http, status, retry } of PUBSUB_ANSWERS) {
    assert.equal(PUBLISH_RETRY_CODES.includes(status), retry, `${http} ${status}`);
  }
});

test('a bare HTTP status (no Google JSON body) stands for the google.rpc.Code that maps to it', () => {
  for (const { http, status } of HTTP_STATUS_NAMES) assert.equal(statusForHttp(http), status, String(http));
  // Unlisted: a 4xx is a client error (final), a 5xx a server error (retried), anything else UNKNOWN.
  assert.equal(statusForHttp(418), 'FAILED_PRECONDITION');
  assert.equal(PUBLISH_RETRY_CODES.includes(statusForHttp(418)), false);
  assert.equal(statusForHttp(507), 'INTERNAL');
  assert.equal(PUBLISH_RETRY_CODES.includes(statusForHttp(507)), true);
  assert.equal(statusForHttp(302), 'UNKNOWN');
});

test('status names carry their google.rpc.Code numbers, as the gRPC library reports them', () => {
  assert.equal(rpcCode('NOT_FOUND'), 5);
  assert.equal(rpcCode('ABORTED'), 10);
  assert.equal(rpcCode('CANCELLED'), 1);
  assert.equal(rpcCode('SOMETHING_NEW'), 2);
  assert.equal(Object.keys(RPC_CODES).length, 17);
});
