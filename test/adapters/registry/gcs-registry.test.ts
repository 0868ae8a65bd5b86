import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, mock, test } from 'node:test';
import { CredentialsError } from '../../../functions/adapters/google/google-credentials.ts';
import { GcsHttpError, GcsRegistry } from '../../../functions/adapters/registry/gcs-registry.ts';
import { COLLECTOR } from '../../../functions/core/collector-info.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../../functions/core/limits.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
} from '../../../functions/core/registry/schema-registry.ts';
import { type FakeGcs, startFakeGcs } from '../../support/fake-gcs-server.ts';
import { STORAGE_FINAL_STATUSES, STORAGE_TRANSIENT_STATUSES } from '../../support/google-client-behaviour.ts';

// When set, it is the default endpoint; these tests name theirs.
delete process.env.STORAGE_EMULATOR_HOST;

const KEY = parseSchemaKey('iglu:com.acme/checkout/jsonschema/1-0-0');
const MEDIA = '/storage/v1/b/bkt/o/schemas%2Fcom.acme%2Fcheckout%2Fjsonschema%2F1-0-0?alt=media';

/** Every outgoing HTTP request of this process, whichever client makes it. */
const outgoing: string[] = [];
const onHttp = (message: unknown): void => {
  const { request } = message as { request: { host?: string; getHeader(name: string): unknown; path: string } };
  outgoing.push(`${String(request.getHeader('host'))}${request.path}`);
};
const onUndici = (message: unknown): void => {
  const { request } = message as { request: { origin: string; path: string } };
  outgoing.push(`${request.origin}${request.path}`);
};

let gcs: FakeGcs;
let storage: { endpoint: string };

before(async () => {
  diagnostics.subscribe('http.client.request.start', onHttp);
  diagnostics.subscribe('undici:request:create', onUndici);
  gcs = await startFakeGcs({
    objects: {
      'bkt/schemas/com.acme/checkout/jsonschema/1-0-0': '{"type":"object","description":"in a prefix"}',
      'root-bkt/com.acme/checkout/jsonschema/1-0-0': '{"description":"at the root"}',
      'bkt/schemas/com.acme/not-json/jsonschema/1-0-0': '<html>Error</html>',
      'bkt/schemas/com.acme/array/jsonschema/1-0-0': '[1,2]',
    },
  });
  storage = { endpoint: gcs.endpoint };
});

beforeEach(() => {
  gcs.setDown(false);
  gcs.setDelay(0);
  gcs.failNext(200, 0);
});

after(async () => {
  diagnostics.unsubscribe('http.client.request.start', onHttp);
  diagnostics.unsubscribe('undici:request:create', onUndici);
  await gcs.close();
});

describe('GcsRegistry', () => {
  test('finds an object below the prefix with a single media download', async () => {
    const registry = new GcsRegistry('gs://bkt/schemas', storage);
    const before = gcs.requests.length;
    assert.deepEqual(await registry.lookup(KEY), {
      found: true,
      schema: { type: 'object', description: 'in a prefix' },
      registry: 'gs://bkt/schemas',
    });
    assert.deepEqual(gcs.requests.slice(before), [`GET ${MEDIA}`]);
  });

  test('gs://bucket reads keys at the bucket root; slashes around the prefix are tolerated', async () => {
    assert.deepEqual(await new GcsRegistry('gs://root-bkt', storage).lookup(KEY), {
      found: true,
      schema: { description: 'at the root' },
      registry: 'gs://root-bkt',
    });
    assert.equal(
      gcs.requests.at(-1),
      'GET /storage/v1/b/root-bkt/o/com.acme%2Fcheckout%2Fjsonschema%2F1-0-0?alt=media',
    );

    const slashed = new GcsRegistry('gs://bkt//schemas//', storage);
    assert.equal(slashed.prefix, 'schemas');
    assert.equal((await slashed.lookup(KEY)).found, true);
    assert.equal(gcs.requests.at(-1), `GET ${MEDIA}`);
  });

  test('a missing object is not found', async () => {
    const registry = new GcsRegistry('gs://bkt/schemas', storage);
    assert.deepEqual(await registry.lookup(parseSchemaKey('iglu:com.acme/checkout/jsonschema/2-0-0')), {
      found: false,
    });
    assert.equal(
      gcs.requests.at(-1),
      'GET /storage/v1/b/bkt/o/schemas%2Fcom.acme%2Fcheckout%2Fjsonschema%2F2-0-0?alt=media',
    );
    // The same key without the prefix does not exist either: the prefix is really applied.
    assert.deepEqual(await new GcsRegistry('gs://bkt', storage).lookup(KEY), { found: false });
  });

  test('a missing bucket is unavailable, not "not found"', async () => {
    const error = await rejects(
      new GcsRegistry('gs://no-such-bucket/schemas', storage).lookup(KEY),
      RegistryUnavailableError,
    );
    assert.match(error.message, /HTTP 404.*The specified bucket does not exist/);
  });

  test('a 503 blip is retried within the budget and found; a lasting 503 is unavailable after 3 attempts', async () => {
    const registry = new GcsRegistry('gs://bkt/schemas', storage);
    gcs.failNext(503);
    let before = gcs.requests.length;
    assert.equal((await registry.lookup(KEY)).found, true);
    assert.equal(gcs.requests.length - before, 2, 'one retry');
    gcs.setDown(true);
    before = gcs.requests.length;
    const error = await rejects(registry.lookup(KEY), RegistryUnavailableError);
    assert.equal(error.registry, 'gs://bkt/schemas');
    assert.match(
      error.message,
      /reading gs:\/\/bkt\/schemas\/com\.acme\/checkout\/jsonschema\/1-0-0 failed \(HTTP 503\).*\(after 3 attempts within registry\.timeout_ms 5000 ms\)/,
    );
    assert.ok(error.cause instanceof GcsHttpError);
    assert.equal(error.cause.httpStatus, 503);
    assert.equal(gcs.requests.length - before, 3);
    gcs.setDown(false);
    assert.equal((await registry.lookup(KEY)).found, true);
  });

  for (const status of STORAGE_TRANSIENT_STATUSES) {
    test(`HTTP ${status} is transient on a GET (Cloud Storage's retry strategy): retried`, async () => {
      gcs.failNext(status);
      const before = gcs.requests.length;
      assert.equal((await new GcsRegistry('gs://bkt/schemas', storage).lookup(KEY)).found, true);
      assert.equal(gcs.requests.length - before, 2);
    });
  }

  for (const status of STORAGE_FINAL_STATUSES) {
    test(`HTTP ${status} is final: unavailable after one request`, async () => {
      gcs.failNext(status);
      const before = gcs.requests.length;
      await rejects(
        new GcsRegistry('gs://bkt/schemas', storage).lookup(KEY),
        RegistryUnavailableError,
        new RegExp(`HTTP ${status}`),
      );
      assert.equal(gcs.requests.length - before, 1);
    });
  }

  test('a connection reset before any answer is retried on a new connection', async () => {
    let count = 0;
    const server = createServer((request, response) => {
      count += 1;
      if (count === 1) request.socket.destroy();
      else response.end('{"after":"reset"}');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const found = await new GcsRegistry('gs://bkt', { endpoint }).lookup(KEY);
      assert.deepEqual(found, { found: true, schema: { after: 'reset' }, registry: 'gs://bkt' });
      assert.equal(count, 2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('fake clock: a silent connection is abandoned at the attempt deadline and the retry succeeds', async () => {
    let count = 0;
    const server = createServer((_request, response) => {
      count += 1;
      if (count > 1) response.end('{"second":"attempt"}');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const lookup = new GcsRegistry('gs://bkt', { endpoint, timeoutMs: 6_000 }).lookup(KEY);
      await waitUntil(() => count === 1);
      mock.timers.tick(2_000); // a third of the budget: the first attempt is cut
      await waitUntil(() => {
        mock.timers.tick(50); // the jittered pause before the retry
        return count === 2;
      });
      assert.deepEqual(await lookup, { found: true, schema: { second: 'attempt' }, registry: 'gs://bkt' });
    } finally {
      mock.timers.reset();
      server.closeAllConnections();
      server.close();
    }
  });

  test('401 drops the cached token and tries once more with a new one; a second 401 is final', async () => {
    let issued = 0;
    let invalidated = 0;
    const credentials = {
      accessToken: async () => `token-${issued === invalidated ? ++issued : issued}`,
      invalidate: () => void (invalidated = issued),
      projectId: async () => 'p',
    };
    const seen: Array<string | undefined> = [];
    let unauthorized = 1;
    const server = createServer((request, response) => {
      seen.push(request.headers.authorization);
      if (unauthorized-- > 0) response.writeHead(401).end('{"error":{"code":401,"message":"Invalid Credentials"}}');
      else response.end('{"ok":true}');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const registry = new GcsRegistry('gs://bkt', { endpoint, credentials });
      assert.equal((await registry.lookup(KEY)).found, true);
      assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
      unauthorized = 2;
      seen.length = 0;
      await rejects(registry.lookup(KEY), RegistryUnavailableError, /HTTP 401.*Invalid Credentials/);
      assert.equal(seen.length, 2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('a regional or private endpoint (registry.storage_api_endpoint) is Cloud Storage: it gets the token and names Sluice', async () => {
    const seen: Array<IncomingHttpHeaders> = [];
    const server = createServer((request, response) => {
      seen.push(request.headers);
      response.end('{"regional":true}');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    try {
      const apiEndpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const credentials = { accessToken: async () => 'regional-token', projectId: async () => 'p' };
      assert.equal((await new GcsRegistry('gs://bkt', { apiEndpoint, credentials, env: {} }).lookup(KEY)).found, true);
      assert.equal(seen[0]?.authorization, 'Bearer regional-token');
      assert.equal(seen[0]?.['user-agent'], COLLECTOR);
      assert.match(String(seen[0]?.['x-goog-api-client']), /^gl-node\/\d+\.\d+\.\d+ sluice\//);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  test('credentials that are missing (a final CredentialsError) fail the lookup at once, naming the fix', async () => {
    let asked = 0;
    const credentials = {
      accessToken: async () => {
        asked += 1;
        throw new CredentialsError('no Google credentials; run gcloud auth application-default login');
      },
      projectId: async () => 'p',
    };
    await rejects(
      new GcsRegistry('gs://bkt/schemas', { ...storage, credentials }).lookup(KEY),
      RegistryUnavailableError,
      /gcloud auth application-default login/,
    );
    assert.equal(asked, 1);
  });

  test('403 (no permission) is unavailable', async () => {
    gcs.failNext(403);
    await rejects(new GcsRegistry('gs://bkt/schemas', storage).lookup(KEY), RegistryUnavailableError, /HTTP 403/);
  });

  test('an object that is not JSON, or not an object, is an InvalidSchemaDocumentError', async () => {
    const registry = new GcsRegistry('gs://bkt/schemas', storage);
    const html = await rejects(
      registry.lookup(parseSchemaKey('iglu:com.acme/not-json/jsonschema/1-0-0')),
      InvalidSchemaDocumentError,
      /not JSON/,
    );
    assert.equal(html.schemaUri, 'iglu:com.acme/not-json/jsonschema/1-0-0');
    await rejects(
      registry.lookup(parseSchemaKey('iglu:com.acme/array/jsonschema/1-0-0')),
      InvalidSchemaDocumentError,
      /JSON an array/,
    );
  });

  test('an object over the size limit is an InvalidSchemaDocumentError', async () => {
    gcs.setObject('bkt/schemas/com.acme/huge/jsonschema/1-0-0', Buffer.alloc(MAX_SCHEMA_DOCUMENT_BYTES + 10, 0x20));
    await rejects(
      new GcsRegistry('gs://bkt/schemas', storage).lookup(parseSchemaKey('iglu:com.acme/huge/jsonschema/1-0-0')),
      InvalidSchemaDocumentError,
      /more than 1048576 bytes/,
    );
  });

  test('a server slower than timeoutMs is unavailable', async () => {
    gcs.setDelay(1000);
    const started = Date.now();
    await rejects(
      new GcsRegistry('gs://bkt/schemas', { ...storage, timeoutMs: 100 }).lookup(KEY),
      RegistryUnavailableError,
      /did not complete within 100 ms/,
    );
    assert.ok(Date.now() - started < 900);
  });

  test('a connection error is unavailable', async () => {
    const down = await startFakeGcs();
    await down.close();
    await rejects(
      new GcsRegistry('gs://bkt', { endpoint: down.endpoint }).lookup(KEY),
      RegistryUnavailableError,
      /ECONNREFUSED/,
    );
  });

  test('a token from the credentials goes with each request as a bearer token; STORAGE_EMULATOR_HOST is the default endpoint', async () => {
    const seen: Array<{ url: string; authorization: string | undefined }> = [];
    const server = createServer((request, response) => {
      seen.push({ url: request.url ?? '', authorization: request.headers.authorization });
      response.end('{"injected":true}');
    });
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const credentials = { accessToken: async () => 'token-1', projectId: async () => 'p' };
      assert.deepEqual(await new GcsRegistry('gs://b-1/p/q', { endpoint: `http://${host}`, credentials }).lookup(KEY), {
        found: true,
        schema: { injected: true },
        registry: 'gs://b-1/p/q',
      });
      assert.deepEqual(seen.at(-1), {
        url: '/storage/v1/b/b-1/o/p%2Fq%2Fcom.acme%2Fcheckout%2Fjsonschema%2F1-0-0?alt=media',
        authorization: 'Bearer token-1',
      });
      // An emulator named the way Google's libraries read it (with or without a scheme) takes no token.
      for (const emulator of [host, `http://${host}/`]) {
        assert.equal(
          (await new GcsRegistry('gs://b-1', { env: { STORAGE_EMULATOR_HOST: emulator } }).lookup(KEY)).found,
          true,
        );
        assert.deepEqual(seen.at(-1), {
          url: '/storage/v1/b/b-1/o/com.acme%2Fcheckout%2Fjsonschema%2F1-0-0?alt=media',
          authorization: undefined,
        });
      }
    } finally {
      server.close();
    }
  });

  test('credentials that fail make the registry unavailable, naming the reason', async () => {
    const credentials = {
      accessToken: async () => {
        throw new Error('no metadata server');
      },
      projectId: async () => 'p',
    };
    await rejects(
      new GcsRegistry('gs://bkt/schemas', { ...storage, credentials }).lookup(KEY),
      RegistryUnavailableError,
      /failed: no metadata server/,
    );
  });

  for (const [url, reason] of [
    ['gs://', /bucket name is missing/],
    ['gs:///schemas', /bucket name is missing/],
    ['gs://My_Bucket', /"My_Bucket" is not a bucket name/],
    ['gs://bkt/schemas?x=1', /\?query or #fragment/],
    ['https://bkt', /does not start with gs:\/\//],
  ] as const) {
    test(`rejects ${url}`, () => {
      assert.throws(
        () => new GcsRegistry(url),
        (error: unknown) =>
          error instanceof SluiceError && error.code === 'invalid_registry_url' && reason.test(error.message),
      );
    });
  }

  test('no request left this machine: every HTTP request went to the fake GCS (no auth, no metadata server)', () => {
    assert.ok(outgoing.length >= 10, `expected the tests above to make requests, saw ${outgoing.length}`);
    const fakeHost = new URL(gcs.endpoint).host;
    const elsewhere = outgoing.filter(
      (entry) => !entry.startsWith(fakeHost) && !entry.startsWith(gcs.endpoint) && !entry.startsWith('127.0.0.1:'),
    );
    assert.deepEqual(elsewhere, []);
  });
});

async function rejects<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
  message?: RegExp,
): Promise<T> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    if (message) assert.match(error.message, message);
    return true;
  });
  return caught as T;
}

/** Polls (real time, via setImmediate, which mock.timers leaves alone) until the condition holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition never held');
}
