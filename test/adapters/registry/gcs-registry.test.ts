import assert from 'node:assert/strict';
import diagnostics from 'node:diagnostics_channel';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, test } from 'node:test';
import { GcsRegistry } from '../../../functions/adapters/registry/gcs-registry.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../../functions/core/limits.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
} from '../../../functions/core/registry/schema-registry.ts';
import { type FakeGcs, startFakeGcs } from '../../support/fake-gcs-server.ts';

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

  test('503 is unavailable, asked once (no library retries), and the next lookup recovers', async () => {
    const registry = new GcsRegistry('gs://bkt/schemas', storage);
    gcs.setDown(true);
    const before = gcs.requests.length;
    const error = await rejects(registry.lookup(KEY), RegistryUnavailableError);
    assert.equal(error.registry, 'gs://bkt/schemas');
    assert.match(
      error.message,
      /reading gs:\/\/bkt\/schemas\/com\.acme\/checkout\/jsonschema\/1-0-0 failed \(HTTP 503\)/,
    );
    assert.equal((error.cause as { code?: unknown }).code, 503);
    assert.equal(gcs.requests.length - before, 1);
    gcs.setDown(false);
    assert.equal((await registry.lookup(KEY)).found, true);
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
