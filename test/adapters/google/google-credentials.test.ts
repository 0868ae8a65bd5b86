import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  ApplicationDefaultCredentials,
  CredentialsError,
  googleCredentials,
  MetadataServerCredentials,
  STORAGE_READ_SCOPE,
} from '../../../functions/adapters/google/google-credentials.ts';

/** A fake GCE/Cloud Run metadata server on 127.0.0.1 (never the real one). */
async function startFakeMetadata(handle: (request: IncomingMessage, response: ServerResponse) => void) {
  const requests: IncomingMessage[] = [];
  const server = createServer((request, response) => {
    requests.push(request);
    handle(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('MetadataServerCredentials against a fake metadata server', () => {
  let expiresIn = 3600;
  let issued = 0;
  let failing = false;
  let fake: Awaited<ReturnType<typeof startFakeMetadata>>;
  before(async () => {
    fake = await startFakeMetadata((request, response) => {
      if (request.headers['metadata-flavor'] !== 'Google') {
        response.writeHead(403).end('Missing Metadata-Flavor:Google header.');
      } else if (failing) {
        response.writeHead(500).end('metadata server trouble');
      } else if (request.url === '/computeMetadata/v1/instance/service-accounts/default/token') {
        issued += 1;
        // Slow enough that concurrent callers overlap.
        setTimeout(
          () =>
            response
              .writeHead(200, { 'content-type': 'application/json' })
              .end(JSON.stringify({ access_token: `token-${issued}`, expires_in: expiresIn, token_type: 'Bearer' })),
          20,
        );
      } else if (request.url === '/computeMetadata/v1/project/project-id') {
        response.writeHead(200, { 'content-type': 'application/text' }).end('my-project');
      } else {
        response.writeHead(404).end('not found');
      }
    });
  });
  after(async () => {
    await fake.stop();
  });

  test('fetches the token with Metadata-Flavor: Google, once for concurrent callers, then from the cache', async () => {
    issued = 0;
    expiresIn = 3600;
    const credentials = new MetadataServerCredentials(fake.host);
    const tokens = await Promise.all([credentials.accessToken(), credentials.accessToken(), credentials.accessToken()]);
    assert.deepEqual(tokens, ['token-1', 'token-1', 'token-1']);
    assert.equal(await credentials.accessToken(), 'token-1');
    assert.equal(issued, 1, 'one token request');
  });

  test('a token close to expiry is replaced; invalidate() forces a new one', async () => {
    issued = 0;
    expiresIn = 30; // inside the refresh margin: never served from the cache
    const credentials = new MetadataServerCredentials(fake.host);
    assert.equal(await credentials.accessToken(), 'token-1');
    assert.equal(await credentials.accessToken(), 'token-2');
    expiresIn = 3600;
    assert.equal(await credentials.accessToken(), 'token-3');
    assert.equal(await credentials.accessToken(), 'token-3');
    credentials.invalidate();
    assert.equal(await credentials.accessToken(), 'token-4');
  });

  test('reads the project id', async () => {
    assert.equal(await new MetadataServerCredentials(fake.host).projectId(), 'my-project');
  });

  test('a failing metadata server is a CredentialsError naming the URL and status; the next call tries again', async () => {
    failing = true;
    const credentials = new MetadataServerCredentials(fake.host);
    try {
      await assert.rejects(credentials.accessToken(), (error: unknown) => {
        assert.ok(error instanceof CredentialsError);
        assert.match(
          error.message,
          /metadata server answered HTTP 500 for http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/v1\/instance\/service-accounts\/default\/token: metadata server trouble/,
        );
        return true;
      });
    } finally {
      failing = false;
    }
    issued = 0;
    assert.equal(await credentials.accessToken(), 'token-1');
  });

  test('an unreachable metadata server is a CredentialsError, not a hang', async () => {
    await fake.stop();
    const credentials = new MetadataServerCredentials(fake.host);
    await assert.rejects(
      credentials.accessToken(AbortSignal.timeout(2_000)),
      (error: unknown) => error instanceof CredentialsError && /cannot reach the metadata server/.test(error.message),
    );
  });
});

describe('googleCredentials', () => {
  test('uses the metadata server on Cloud Run (K_SERVICE) and Cloud Functions (FUNCTION_TARGET), honouring GCE_METADATA_HOST', () => {
    assert.ok(googleCredentials({ K_SERVICE: 'collect' }) instanceof MetadataServerCredentials);
    assert.ok(
      googleCredentials({ FUNCTION_TARGET: 'collect', GCE_METADATA_HOST: '127.0.0.1:9' }) instanceof
        MetadataServerCredentials,
    );
  });

  test('the Pub/Sub sink and the Cloud Storage registry share one metadata-server client, so one token', () => {
    const forPubsub = googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:7' });
    assert.equal(
      googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:7' }, [STORAGE_READ_SCOPE]),
      forPubsub,
    );
    assert.notEqual(googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:8' }), forPubsub);
  });

  test('elsewhere, Application Default Credentials (google-auth-library, loaded only when asked for a token)', () => {
    assert.ok(googleCredentials({}) instanceof ApplicationDefaultCredentials);
  });
});
