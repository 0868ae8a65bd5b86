import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createWebhookAuthenticator } from '../../../functions/app/http/webhook-auth.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { inboundRequest } from '../../support/inbound-request.ts';
import { recordingCollector } from '../../support/recording-sink.ts';

const GITHUB_SECRET = "It's a Secret to Everybody";
const WEBHOOKS = {
  auth: {
    'com.github/push': {
      type: 'hmac_sha256',
      header: 'X-Hub-Signature-256',
      prefix: 'sha256=',
      encoding: 'hex',
      secret_env: 'GITHUB_WEBHOOK_SECRET',
    },
    'com.shopify/order': {
      type: 'hmac_sha256',
      header: 'X-Shopify-Hmac-Sha256',
      prefix: '',
      encoding: 'base64',
      secret_env: 'SHOPIFY_WEBHOOK_SECRET',
    },
    'dev.sluice/webhook': {
      type: 'shared_secret',
      header: 'Authorization',
      prefix: 'Bearer ',
      encoding: 'hex',
      secret_env: 'SLUICE_TEST_WEBHOOK_TOKEN',
    },
  },
  require_auth: false,
} as const;
const ENV = {
  GITHUB_WEBHOOK_SECRET: GITHUB_SECRET,
  SHOPIFY_WEBHOOK_SECRET: 'shpss_123',
  SLUICE_TEST_WEBHOOK_TOKEN: 't0ken',
};

describe('webhook authentication', () => {
  const authenticator = createWebhookAuthenticator(WEBHOOKS, ENV);
  const github = (body: string, signature: string | undefined) =>
    authenticator.check(
      inboundRequest({
        method: 'POST',
        path: '/webhook/com.github/push/jsonschema/1-0-0',
        body,
        headers: signature === undefined ? {} : { 'x-hub-signature-256': signature },
      }),
    );

  test("GitHub's documented example signature is accepted (HMAC-SHA256, hex, sha256= prefix)", () => {
    // From GitHub's "Validating webhook deliveries": secret "It's a Secret to Everybody", payload "Hello, World!".
    assert.deepEqual(
      github('Hello, World!', 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17'),
      { ok: true },
    );
    assert.deepEqual(
      github('Hello, World!', 'sha256=757107EA0EB2509FC211221CCE984B8A37570B6D7586C22C46F4379C8B043E17'),
      { ok: true },
      'hex in either case',
    );
  });

  test('a wrong, truncated, unprefixed or missing signature is refused with the reason', () => {
    const good = `sha256=${createHmac('sha256', GITHUB_SECRET).update('{"a":1}').digest('hex')}`;
    assert.equal(github('{"a":1}', good).ok, true);
    for (const bad of [good.slice(0, -1), good.slice('sha256='.length), `sha256=${'0'.repeat(64)}`, '']) {
      const check = github('{"a":1}', bad);
      assert.equal(check.ok, false, bad);
    }
    assert.match(
      (github('{"a":2}', good) as { reason: string }).reason,
      /X-Hub-Signature-256 does not hold the HMAC-SHA256 signature of the body/,
    );
    assert.match((github('{"a":1}', undefined) as { reason: string }).reason, /header X-Hub-Signature-256 is missing/);
  });

  test('base64 signatures (Shopify) and shared secrets with a prefix (Bearer) work the same way', () => {
    const body = '{"id":1}';
    const shopify = (signature: string) =>
      authenticator.check(
        inboundRequest({
          method: 'POST',
          path: '/webhook/com.shopify/order/jsonschema/1-0-0',
          body,
          headers: { 'x-shopify-hmac-sha256': signature },
        }),
      );
    assert.equal(shopify(createHmac('sha256', 'shpss_123').update(body).digest('base64')).ok, true);
    assert.equal(shopify(createHmac('sha256', 'shpss_123').update(body).digest('hex')).ok, false);
    const plain = (authorization: string) =>
      authenticator.check(inboundRequest({ method: 'POST', path: '/webhook', body, headers: { authorization } }));
    assert.equal(plain('Bearer t0ken').ok, true);
    assert.equal(plain('Bearer t0ken2').ok, false);
    assert.equal(plain('t0ken').ok, false);
  });

  test('every version of a named webhook is covered, and unnamed ones are open unless require_auth is set', () => {
    assert.equal(
      authenticator.check(
        inboundRequest({ method: 'POST', path: '/webhook/com.github/push/jsonschema/2-0-0', body: '{}' }),
      ).ok,
      false,
    );
    assert.equal(
      authenticator.check(
        inboundRequest({ method: 'POST', path: '/webhook/com.github/push/jsonschema/1-0-0/extra', body: '{}' }),
      ).ok,
      false,
      'a malformed variant of the path is checked too',
    );
    assert.equal(
      authenticator.check(
        inboundRequest({ method: 'POST', path: '/webhook/com.acme/other/jsonschema/1-0-0', body: '{}' }),
      ).ok,
      true,
    );
    const strict = createWebhookAuthenticator({ ...WEBHOOKS, require_auth: true }, ENV);
    const check = strict.check(
      inboundRequest({ method: 'POST', path: '/webhook/com.acme/other/jsonschema/1-0-0', body: '{}' }),
    );
    assert.equal(check.ok, false);
    assert.match(
      (check as { reason: string }).reason,
      /com\.acme\/other has no entry in webhooks\.auth and webhooks\.require_auth is on/,
    );
  });

  test('a secret variable that is not set stops start-up, naming the variable', () => {
    assert.throws(
      () => createWebhookAuthenticator(WEBHOOKS, { ...ENV, SHOPIFY_WEBHOOK_SECRET: '' }),
      /secret_env names the environment variable SHOPIFY_WEBHOOK_SECRET, which is not set/,
    );
  });
});

describe('webhook authentication through the HTTP function', () => {
  const { collector, sink } = recordingCollector({ webhooks: WEBHOOKS }, ENV);
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());
  beforeEach(() => sink.clear());

  const body = JSON.stringify({ ref: 'refs/heads/main', secret_data: 'do-not-store' });
  const post = (headers: Record<string, string>) =>
    fetch(`${base}/webhook/com.github/push/jsonschema/1-0-0`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
    });

  test('a failed signature answers 401 and is recorded as an unauthorized invalid row without the body', async () => {
    const response = await post({ 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` });
    assert.equal(response.status, 401);
    assert.equal(((await response.json()) as { error: string }).error, 'unauthorized');
    assert.equal(sink.valid.length, 0);
    const [row] = sink.invalid;
    assert.equal(sink.invalid.length, 1);
    assert.equal(row?.error_type, 'unauthorized');
    assert.equal(row?.schema, 'iglu:com.github/push/jsonschema/1-0-0');
    assert.equal(row?.raw, null);
    assert.equal(row?.payload ?? null, null);
    assert.doesNotMatch(JSON.stringify(row), /do-not-store|0000000000/, 'neither the body nor the signature is stored');
  });

  test('a correctly signed delivery is taken (its event is then validated as usual)', async () => {
    const response = await post({
      'x-hub-signature-256': `sha256=${createHmac('sha256', GITHUB_SECRET).update(body).digest('hex')}`,
    });
    assert.equal(response.status, 200);
    assert.equal(sink.invalid[0]?.error_type, 'schema_not_found', 'authenticated: the body reached validation');
  });
});
