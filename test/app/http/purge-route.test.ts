import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createCollectorFromConfig } from '../../../functions/app/collector-instance.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { SIGNUP, SIGNUP_SCHEMA } from '../../support/replay-fixtures.ts';

/**
 * The purge route through the real collector: a running collector keeps serving a cached schema
 * until it is purged; the route is off without a token, refuses wrong tokens, and is never
 * recorded as an event.
 */
const TOKEN = 'purge-token-0123456789abcdef';

describe('the purge route', () => {
  let dir = '';
  let registry = '';
  let base = '';
  let close: () => Promise<void>;

  const writeSignup = async (plans: string[]) => {
    const folder = join(registry, 'com.acme', 'signup', 'jsonschema');
    await mkdir(folder, { recursive: true });
    const schema = {
      ...SIGNUP_SCHEMA,
      properties: { ...SIGNUP_SCHEMA.properties, plan: { type: 'string', enum: plans } },
    };
    await writeFile(join(folder, '1-0-0'), JSON.stringify(schema));
  };
  const send = (plan: string) =>
    fetch(`${base}/self-describing`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ schema: SIGNUP, data: { email: 'a@example.com', plan } }),
    });
  const counts = async () => ({
    valid: ((await (await fetch(`${base}/local/valid`)).json()) as unknown[]).length,
    invalid: ((await (await fetch(`${base}/local/invalid`)).json()) as unknown[]).length,
  });
  const purge = (init: { query?: string; body?: string; headers?: Record<string, string>; method?: string } = {}) =>
    fetch(`${base}/sluice/purge${init.query ?? ''}`, {
      method: init.method ?? 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, ...init.headers },
      ...(init.body === undefined ? {} : { body: init.body }),
    });

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-purge-'));
    registry = join(dir, 'registry');
    await writeSignup(['free']);
    const config = resolveConfig({
      document: {
        registries: [pathToFileURL(registry).href],
        local: { dir: join(dir, '.sluice') },
        purge: { token: TOKEN },
      },
      source: 'test',
      env: {},
    });
    ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
  });
  after(async () => {
    await close?.();
    await rm(dir, { recursive: true, force: true });
  });

  test('a fixed schema is used at once after a purge of its key, not after the cache TTL', async () => {
    await send('pro'); // loads and caches the schema that lacks "pro"
    await writeSignup(['free', 'pro']); // the fix is deployed
    await send('pro'); // still the cached copy
    assert.deepEqual(await counts(), { valid: 0, invalid: 2 });

    const answer = await purge({ query: `?schema=${SIGNUP}` });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { purged: [SIGNUP], scope: SIGNUP });
    await send('pro');
    assert.deepEqual(await counts(), { valid: 1, invalid: 2 }, 'the purge request itself is no event');
  });

  test('the key can come in a JSON or form body; no key purges everything', async () => {
    const json = await purge({
      body: JSON.stringify({ schema: SIGNUP }),
      headers: { 'content-type': 'application/json' },
    });
    assert.equal(json.status, 200);
    assert.equal(((await json.json()) as { scope: string }).scope, SIGNUP);
    const form = await purge({
      body: `schema=${encodeURIComponent(SIGNUP)}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(((await form.json()) as { scope: string }).scope, SIGNUP);
    await send('free');
    const all = await purge();
    assert.equal(all.status, 200);
    assert.deepEqual(await all.json(), { purged: [SIGNUP], scope: 'all' });
  });

  test('wrong, missing or near-miss tokens get 401; other methods 405; a bad key 400', async () => {
    const before = await counts();
    for (const authorization of ['', `Bearer ${TOKEN.slice(0, -1)}`, `Bearer ${TOKEN}x`, `Basic ${TOKEN}`, TOKEN]) {
      const answer = await purge({ headers: { authorization } });
      assert.equal(answer.status, 401, authorization);
      assert.equal(answer.headers.get('www-authenticate'), 'Bearer realm="sluice-purge"');
      assert.match(((await answer.json()) as { message: string }).message, /Authorization: Bearer <purge.token>/);
    }
    const get = await purge({ method: 'GET' });
    assert.equal(get.status, 405);
    assert.equal(get.headers.get('allow'), 'POST');
    const bad = await purge({ query: '?schema=iglu:../../etc/passwd' });
    assert.equal(bad.status, 400);
    assert.match(((await bad.json()) as { message: string }).message, /invalid Iglu schema reference/);
    assert.deepEqual(await counts(), before, 'purge requests are never recorded');
  });

  test('without a token the route is off and says how to turn it on', async () => {
    const config = resolveConfig({
      document: { registries: [pathToFileURL(registry).href], local: { dir: join(dir, 'off') } },
      source: 'test',
      env: {},
    });
    const served = await serveCollector(createCollectorFromConfig(config));
    try {
      const answer = await fetch(`${served.base}/sluice/purge`, {
        method: 'POST',
        headers: { authorization: 'Bearer anything-at-all-long-enough' },
      });
      assert.equal(answer.status, 404);
      assert.match(
        ((await answer.json()) as { message: string }).message,
        /purge route \/sluice\/purge is off: set purge.token \(SLUICE_PURGE_TOKEN\)/,
      );
    } finally {
      await served.close();
    }
  });

  test('a short token stops the collector at start-up, without printing it', () => {
    const config = resolveConfig({ document: { purge: { token: 'hunter2' } }, source: 'test', env: {} });
    assert.throws(
      () => createCollectorFromConfig(config),
      (error: Error) => {
        assert.match(error.message, /purge.token \(SLUICE_PURGE_TOKEN\) is shorter than 16 characters/);
        assert.ok(!error.message.includes('hunter2'));
        return true;
      },
    );
  });

  test('SLUICE_PURGE_TOKEN sets the token', () => {
    const config = resolveConfig({
      document: {},
      source: 'test',
      env: { SLUICE_PURGE_TOKEN: TOKEN, SLUICE_PURGE_PATH: '/ops/purge' },
    });
    assert.deepEqual(config.purge, { path: '/ops/purge', token: TOKEN });
  });
});
