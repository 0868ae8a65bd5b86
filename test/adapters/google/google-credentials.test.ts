import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import {
  ApplicationDefaultCredentials,
  authorizationHeaders,
  CredentialsError,
  DEFAULT_METADATA_HOST,
  DEFAULT_TOKEN_LIFETIME_MS,
  googleCredentials,
  MetadataServerCredentials,
  metadataHost,
  STORAGE_READ_SCOPE,
  usesMetadataServer,
} from '../../../functions/adapters/google/google-credentials.ts';
import { METADATA_TIMEOUT_MS } from '../../../functions/core/limits.ts';
import { METADATA_SERVER } from '../../support/google-client-behaviour.ts';

/** A fake GCE/Cloud Run metadata server on 127.0.0.1 (never the real one). */
async function startFakeServer(handle: (request: IncomingMessage, response: ServerResponse) => void) {
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

const FLAVOR = { 'metadata-flavor': 'Google' };
const tokenRequests = (requests: IncomingMessage[]) => requests.filter((request) => request.url?.endsWith('/token'));

describe('MetadataServerCredentials against a fake metadata server', () => {
  /** What the token endpoint answers; `hold` keeps answers back until release() is called. */
  const state = {
    expiresIn: 3600 as number | undefined,
    issued: 0,
    status: 200,
    flavor: true,
    hold: false,
    held: [] as Array<() => void>,
  };
  const release = () => {
    for (const answer of state.held.splice(0)) answer();
  };
  let fake: Awaited<ReturnType<typeof startFakeServer>>;
  before(async () => {
    fake = await startFakeServer((request, response) => {
      const headers = state.flavor ? FLAVOR : {};
      if (request.headers['metadata-flavor'] !== 'Google') {
        response.writeHead(403, headers).end('Missing Metadata-Flavor:Google header.');
      } else if (state.status !== 200) {
        response.writeHead(state.status, headers).end('metadata server trouble');
      } else if (request.url === '/computeMetadata/v1/instance/service-accounts/default/token') {
        state.issued += 1;
        const body: Record<string, unknown> = { access_token: `token-${state.issued}`, token_type: 'Bearer' };
        if (state.expiresIn !== undefined) body.expires_in = state.expiresIn;
        const answer = () =>
          response.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify(body));
        if (state.hold) state.held.push(answer);
        else answer();
      } else if (request.url === '/computeMetadata/v1/project/project-id') {
        response.writeHead(200, { ...headers, 'content-type': 'application/text' }).end('my-project');
      } else {
        response.writeHead(404, headers).end('not found');
      }
    });
  });
  afterEach(() => {
    mock.timers.reset();
    release();
    Object.assign(state, { expiresIn: 3600, issued: 0, status: 200, flavor: true, hold: false });
    fake.requests.length = 0;
  });
  after(async () => {
    await fake.stop();
  });

  test('asks with Metadata-Flavor: Google, once for concurrent callers, then from the cache', async () => {
    const credentials = new MetadataServerCredentials(fake.host);
    const tokens = await Promise.all([credentials.accessToken(), credentials.accessToken(), credentials.accessToken()]);
    assert.deepEqual(tokens, ['token-1', 'token-1', 'token-1']);
    assert.equal(await credentials.accessToken(), 'token-1');
    assert.equal(tokenRequests(fake.requests).length, 1, 'one token request');
    assert.equal(fake.requests[0]?.headers['metadata-flavor'], 'Google');
  });

  test('an answer without Metadata-Flavor: Google is not the metadata server: a final error naming the fix', async () => {
    state.flavor = false;
    const credentials = new MetadataServerCredentials(fake.host);
    await assert.rejects(credentials.accessToken(), (error: unknown) => {
      assert.ok(error instanceof CredentialsError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /without the Metadata-Flavor: Google header, so it is not the metadata server/);
      assert.match(error.message, /METADATA_SERVER_DETECTION=none/);
      return true;
    });
    await assert.rejects(credentials.projectId(), /not the metadata server/);
  });

  test('fake clock: the token is served until it really expires while a refresh runs in the background', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    const credentials = new MetadataServerCredentials(fake.host);
    assert.equal(await credentials.accessToken(), 'token-1');
    // 30 s before expiry: inside the refresh margin, outside the expiry margin.
    mock.timers.tick(3_570_000);
    state.hold = true;
    assert.equal(
      await credentials.accessToken(),
      'token-1',
      'the valid token, at once, while the server holds the new one',
    );
    assert.equal(await credentials.accessToken(), 'token-1');
    await waitUntil(() => state.held.length === 1);
    assert.equal(tokenRequests(fake.requests).length, 2, 'one background refresh, not one per caller');
    release();
    await waitUntil(async () => (await credentials.accessToken()) === 'token-2');
    assert.equal(tokenRequests(fake.requests).length, 2);
  });

  test('fake clock: past its expiry a token is not served; callers wait for the new one', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    state.expiresIn = 120;
    const credentials = new MetadataServerCredentials(fake.host);
    assert.equal(await credentials.accessToken(), 'token-1');
    mock.timers.tick(115_000); // 5 s left: less than a request may take
    assert.equal(await credentials.accessToken(), 'token-2');
  });

  test('fake clock: an answer without expires_in is cached for the default lifetime, not fetched per call', async () => {
    mock.timers.enable({ apis: ['Date'], now: 1_000_000 });
    state.expiresIn = undefined;
    const credentials = new MetadataServerCredentials(fake.host);
    assert.equal(await credentials.accessToken(), 'token-1');
    mock.timers.tick(DEFAULT_TOKEN_LIFETIME_MS / 2);
    assert.equal(await credentials.accessToken(), 'token-1');
    assert.equal(tokenRequests(fake.requests).length, 1);
    mock.timers.tick(DEFAULT_TOKEN_LIFETIME_MS / 2);
    assert.equal(await credentials.accessToken(), 'token-2');
  });

  test("a caller's own signal stops only its wait: the shared fetch goes on and serves the others", async () => {
    state.hold = true;
    const credentials = new MetadataServerCredentials(fake.host);
    const hurried = new AbortController();
    const first = credentials.accessToken(hurried.signal);
    const patient = credentials.accessToken();
    const schemaLookup = credentials.accessToken(AbortSignal.timeout(30_000));
    await waitUntil(() => state.held.length === 1);
    hurried.abort(new DOMException('50 ms left', 'TimeoutError'));
    await assert.rejects(first, { name: 'TimeoutError', message: '50 ms left' });
    release();
    assert.equal(await patient, 'token-1');
    assert.equal(await schemaLookup, 'token-1');
    assert.equal(tokenRequests(fake.requests).length, 1);
  });

  test('fake clock: the shared fetch has its own timeout, and that failure is retryable', async () => {
    mock.timers.enable({ apis: ['setTimeout'] });
    state.hold = true;
    const credentials = new MetadataServerCredentials(fake.host);
    const waiting = credentials.accessToken();
    await waitUntil(() => state.held.length === 1);
    mock.timers.tick(METADATA_TIMEOUT_MS);
    await assert.rejects(waiting, (error: unknown) => {
      assert.ok(error instanceof CredentialsError);
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        new RegExp(`cannot reach the metadata server .*no answer within ${METADATA_TIMEOUT_MS} ms`),
      );
      return true;
    });
  });

  test('5xx is retryable, 404 (no service account) is final; the next call tries again', async () => {
    const credentials = new MetadataServerCredentials(fake.host);
    state.status = 500;
    await assert.rejects(credentials.accessToken(), (error: unknown) => {
      assert.ok(error instanceof CredentialsError);
      assert.equal(error.retryable, true);
      assert.match(
        error.message,
        /metadata server answered HTTP 500 for http:\/\/127\.0\.0\.1:\d+\/computeMetadata\/v1\/instance\/service-accounts\/default\/token: metadata server trouble/,
      );
      return true;
    });
    state.status = 404;
    await assert.rejects(
      credentials.accessToken(),
      (error: unknown) => error instanceof CredentialsError && !error.retryable,
    );
    state.status = 200;
    assert.equal(await credentials.accessToken(), 'token-1');
  });

  test('invalidate() forces a new token; the project id is read once', async () => {
    const credentials = new MetadataServerCredentials(fake.host);
    assert.equal(await credentials.accessToken(), 'token-1');
    credentials.invalidate();
    assert.equal(await credentials.accessToken(), 'token-2');
    assert.equal(await credentials.projectId(), 'my-project');
    assert.equal(await credentials.projectId(AbortSignal.timeout(5_000)), 'my-project');
    assert.equal(fake.requests.filter((request) => request.url?.endsWith('/project-id')).length, 1);
  });

  test('an unreachable metadata server is a retryable CredentialsError, not a hang', async () => {
    const gone = await startFakeServer(() => {});
    await gone.stop();
    const credentials = new MetadataServerCredentials(gone.host);
    await assert.rejects(
      credentials.accessToken(AbortSignal.timeout(2_000)),
      (error: unknown) =>
        error instanceof CredentialsError && error.retryable && /cannot reach the metadata server/.test(error.message),
    );
  });
});

describe('googleCredentials: where tokens come from, as google-auth-library decides', () => {
  test(`the metadata server on Cloud Run and Cloud Functions (${METADATA_SERVER.serverlessVariables.join(', ')})`, () => {
    for (const name of METADATA_SERVER.serverlessVariables) {
      assert.ok(googleCredentials({ [name]: 'collect' }) instanceof MetadataServerCredentials, name);
    }
  });

  test('FUNCTION_TARGET alone (the Functions Framework sets it on a laptop too) means Application Default Credentials', () => {
    assert.ok(googleCredentials({ FUNCTION_TARGET: 'collect' }) instanceof ApplicationDefaultCredentials);
    assert.ok(googleCredentials({}) instanceof ApplicationDefaultCredentials);
  });

  test('GOOGLE_APPLICATION_CREDENTIALS comes first; METADATA_SERVER_DETECTION assume-present / none decides', () => {
    assert.equal(usesMetadataServer({ K_SERVICE: 'collect', GOOGLE_APPLICATION_CREDENTIALS: '/key.json' }), false);
    assert.equal(usesMetadataServer({ METADATA_SERVER_DETECTION: 'assume-present' }), true);
    assert.equal(usesMetadataServer({ K_SERVICE: 'collect', METADATA_SERVER_DETECTION: 'none' }), false);
    assert.equal(usesMetadataServer({ K_SERVICE: 'collect', METADATA_SERVER_DETECTION: 'ping-only' }), true);
  });

  test('the link-local address, no DNS name, unless GCE_METADATA_IP or GCE_METADATA_HOST says otherwise', () => {
    assert.equal(DEFAULT_METADATA_HOST, METADATA_SERVER.address);
    assert.equal(metadataHost({}), METADATA_SERVER.address);
    assert.equal(metadataHost({ GCE_METADATA_HOST: '127.0.0.1:7' }), '127.0.0.1:7');
    assert.equal(metadataHost({ GCE_METADATA_IP: '127.0.0.1:6', GCE_METADATA_HOST: '127.0.0.1:7' }), '127.0.0.1:6');
  });

  test('the Pub/Sub sink and the Cloud Storage registry share one metadata-server client, so one token', () => {
    const forPubsub = googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:7' });
    assert.equal(
      googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:7' }, [STORAGE_READ_SCOPE]),
      forPubsub,
    );
    assert.notEqual(googleCredentials({ K_SERVICE: 'collect', GCE_METADATA_HOST: '127.0.0.1:8' }), forPubsub);
  });
});

describe('ApplicationDefaultCredentials (google-auth-library) against a fake token endpoint', () => {
  const state = { issued: 0, hold: false, held: [] as Array<() => void> };
  let tokenServer: Awaited<ReturnType<typeof startFakeServer>>;
  let keyFile: string;
  before(async () => {
    tokenServer = await startFakeServer((_request, response) => {
      state.issued += 1;
      const answer = () =>
        response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ access_token: `adc-token-${state.issued}`, expires_in: 3600, token_type: 'Bearer' }));
      if (state.hold) state.held.push(answer);
      else answer();
    });
    // An ADC file of the kind `gcloud auth application-default login` writes for workforce
    // identity: its token_url can point at the fake, so the real library runs end to end offline.
    const dir = mkdtempSync(join(tmpdir(), 'sluice-adc-'));
    keyFile = join(dir, 'adc.json');
    writeFileSync(
      keyFile,
      JSON.stringify({
        type: 'external_account_authorized_user',
        audience: '//iam.googleapis.com/locations/global/workforcePools/pool/providers/provider',
        client_id: 'client',
        client_secret: 'secret',
        refresh_token: 'refresh',
        token_url: `http://${tokenServer.host}/v1/oauthtoken`,
        quota_project_id: 'billing-project',
      }),
    );
  });
  afterEach(() => {
    for (const answer of state.held.splice(0)) answer();
    state.hold = false;
  });
  after(async () => {
    await tokenServer.stop();
  });

  test('requests carry the token and the quota project (x-goog-user-project) of the credentials', async () => {
    const credentials = new ApplicationDefaultCredentials(undefined, { keyFilename: keyFile });
    assert.deepEqual(await authorizationHeaders(credentials), {
      authorization: `Bearer adc-token-${state.issued}`,
      'x-goog-user-project': 'billing-project',
    });
  });

  test("invalidate() makes the next call fetch a new token; the caller's signal is honoured", async () => {
    const credentials = new ApplicationDefaultCredentials(undefined, { keyFilename: keyFile });
    const first = await credentials.accessToken();
    assert.equal(await credentials.accessToken(), first, 'cached by the library');
    credentials.invalidate();
    const second = await credentials.accessToken();
    assert.notEqual(second, first);
    credentials.invalidate();
    state.hold = true;
    const controller = new AbortController();
    const waiting = credentials.accessToken(controller.signal);
    await waitUntil(() => state.held.length === 1);
    controller.abort(new DOMException('attempt over', 'TimeoutError'));
    await assert.rejects(waiting, { name: 'TimeoutError' });
  });

  test('no credentials at all is a final CredentialsError that says how to log in', async () => {
    const credentials = new ApplicationDefaultCredentials(undefined, {
      keyFilename: join(tmpdir(), 'no-such-adc.json'),
    });
    await assert.rejects(credentials.accessToken(), (error: unknown) => {
      assert.ok(error instanceof CredentialsError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /gcloud auth application-default login/);
      return true;
    });
  });
});

/** Polls (real time, via setImmediate, which mock.timers leaves alone) until the condition holds. */
async function waitUntil(condition: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 5_000; i++) {
    if (await condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition never held');
}
