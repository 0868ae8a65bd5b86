import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { COLLECTOR } from '../../functions/core/collector-info.ts';
import '../../functions/collect.ts';

/** The registered `collect` function, served by the functions framework's own server. */
describe('collect function', () => {
  const server = getTestServer('collect');
  let base = '';

  before(async () => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => server.close());

  test('GET /health reports the collector, sink and registries', async () => {
    const response = await fetch(`${base}/health`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), { status: 'ok', collector: COLLECTOR, sink: 'local', registries: ['file://./schemas'] });
    assert.match(COLLECTOR, /^sluice\/\d+\.\d+\.\d+/);
  });

  test('HEAD /health answers 200', async () => {
    assert.equal((await fetch(`${base}/health`, { method: 'HEAD' })).status, 200);
  });

  test('an unknown route is a 404 naming the method and path', async () => {
    const response = await fetch(`${base}/nowhere?x=1`, { method: 'POST', body: '{}' , headers: { 'content-type': 'application/json' } });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: 'not_found', message: 'no route for POST /nowhere' });
  });
});
