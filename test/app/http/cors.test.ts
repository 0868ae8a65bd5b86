import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createCorsPolicy } from '../../../functions/app/http/cors.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { recordingCollector } from '../../support/recording-sink.ts';

const EVENT = JSON.stringify({
  schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
  data: { order_id: 'A-1', total: 30, currency: 'EUR' },
});

test('an empty allow-list echoes any origin, with credentials', () => {
  const policy = createCorsPolicy([]);
  assert.deepEqual(policy.headers('https://anything.example'), {
    'access-control-allow-origin': 'https://anything.example',
    'access-control-allow-credentials': 'true',
    vary: 'Origin',
  });
  assert.deepEqual(policy.headers(undefined), {});
  assert.equal(policy.allows('null'), true);
});

test('an allow-list matches scheme, host and port exactly, and *. matches subdomains only', () => {
  const policy = createCorsPolicy(['https://shop.example', 'https://*.example.com', 'http://localhost:3000']);
  for (const origin of [
    'https://shop.example',
    'https://SHOP.example',
    'https://a.example.com',
    'https://a.b.example.com',
    'http://localhost:3000',
    undefined,
  ]) {
    assert.equal(policy.allows(origin), true, String(origin));
  }
  for (const origin of [
    'http://shop.example',
    'https://shop.example:8443',
    'https://example.com',
    'https://evilexample.com',
    'https://shop.example.evil',
    'http://localhost:3001',
    'null',
    'https://shop.example/path',
  ]) {
    assert.equal(policy.allows(origin), false, origin);
    assert.deepEqual(policy.headers(origin), {}, origin);
  }
});

describe('CORS allow-list through the HTTP function', () => {
  const { collector, sink } = recordingCollector({ cors: { allowed_origins: ['https://shop.example'] } });
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());
  beforeEach(() => sink.clear());

  const send = (origin: string, method = 'POST') =>
    fetch(`${base}/self-describing`, {
      method,
      ...(method === 'POST' ? { body: EVENT } : {}),
      headers: { 'content-type': 'text/plain', origin },
    });

  test('an allowed origin is served and echoed', async () => {
    const response = await send('https://shop.example');
    assert.equal(response.status, 200);
    assert.equal(response.headers.get('access-control-allow-origin'), 'https://shop.example');
    assert.equal(sink.valid.length, 1);
  });

  test('another origin: preflight refused, and a simple POST refused with 403 and recorded without its body', async () => {
    const preflight = await send('https://evil.example', 'OPTIONS');
    assert.equal(preflight.status, 403);
    assert.equal(preflight.headers.get('access-control-allow-origin'), null);
    sink.clear();
    const pixel = await fetch(`${base}/i?e=pv&url=https%3A%2F%2Fsecret.example%2Fpage`, {
      headers: { origin: 'https://evil.example' },
    });
    assert.equal(pixel.status, 403);
    assert.doesNotMatch(
      JSON.stringify(sink.invalid),
      /secret\.example/,
      'nor is its query string, which is its data on a GET',
    );
    sink.clear();
    const response = await send('https://evil.example');
    assert.equal(response.status, 403);
    assert.equal(response.headers.get('access-control-allow-origin'), null);
    assert.equal(sink.valid.length, 0);
    assert.equal(sink.invalid.length, 1);
    assert.equal(sink.invalid[0]?.error_type, 'unauthorized');
    assert.equal(sink.invalid[0]?.raw, null);
    assert.match(
      JSON.stringify(sink.invalid[0]?.errors),
      /origin \\"https:\/\/evil\.example\\" is not in cors\.allowed_origins/,
    );
  });

  test('requests without an Origin (servers, pixels loaded as images) are not affected', async () => {
    const response = await fetch(`${base}/self-describing`, {
      method: 'POST',
      body: EVENT,
      headers: { 'content-type': 'text/plain' },
    });
    assert.equal(response.status, 200);
  });
});
