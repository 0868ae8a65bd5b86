import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { buildSelfDescribingEvent, newTracker } from '@snowplow/node-tracker';
import { CloudEvent, emitterFor, httpTransport, Mode } from 'cloudevents';
import { createCollectorFromConfig } from '../../../functions/app/collector-instance.ts';
import { replayFromConfig } from '../../../functions/app/replay/replay-command.ts';
import { parseReplayOptions } from '../../../functions/app/replay/replay-options.ts';
import type { SluiceConfig } from '../../../functions/core/config/config.ts';
import { resolveConfig } from '../../../functions/core/config/resolve-config.ts';
import { rowProblems } from '../../../functions/core/contract/row-check.ts';
import type { InvalidRow, ValidRow } from '../../../functions/core/contract/rows.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { publishSignupSchema, SIGNUP } from '../../support/replay-fixtures.ts';

/**
 * Local mode end to end: events of every protocol fail because a schema is missing (or because
 * CloudEvents without dataschema have no fallback), the schema is added to the file registry,
 * replay re-validates .sluice/invalid.ndjson and appends what passes to valid.ndjson, once.
 */
const SHIPPED = pathToFileURL(new URL('../../../schemas', import.meta.url).pathname).href;
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';

describe('replay in local mode', () => {
  let dir = '';
  let registry = '';
  let config: SluiceConfig;
  let base = '';
  let close: () => Promise<void>;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-replay-local-'));
    registry = join(dir, 'registry');
    await mkdir(registry);
    config = resolveConfig({
      document: { registries: [pathToFileURL(registry).href, SHIPPED], local: { dir: join(dir, '.sluice') } },
      source: 'test',
      env: {},
    });
    ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
  });
  after(async () => {
    await close?.();
    await rm(dir, { recursive: true, force: true });
  });

  const rows = async () => ({
    valid: (await (await fetch(`${base}/local/valid?limit=100000`)).json()) as ValidRow[],
    invalid: (await (await fetch(`${base}/local/invalid?limit=100000`)).json()) as InvalidRow[],
  });
  const replay = (args: string[], overrides: Record<string, unknown> = {}) =>
    replayFromConfig(
      resolveConfig({
        document: { registries: config.registries, local: config.local, ...overrides },
        source: 'test',
        env: {},
      }),
      'local',
      parseReplayOptions(args),
    );

  test('events that failed for a missing schema pass after it is added; still-invalid ones stay; a second run adds nothing', async () => {
    const post = (
      path: string,
      body: unknown,
      headers: Record<string, string> = { 'content-type': 'application/json' },
    ) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers,
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    // self-describing, one event with a context of the missing schema, one that will still fail
    await post('/self-describing', [
      { schema: SIGNUP, data: { email: 'a@example.com', plan: 'pro' } },
      {
        schema: CHECKOUT,
        data: { order_id: 'A-1', total: 3, currency: 'EUR' },
        contexts: [{ schema: SIGNUP, data: { email: 'c@example.com' } }],
      },
      { schema: SIGNUP, data: { email: 'b@example.com', plan: 'gold' } },
    ]);
    // webhook and pixel naming the missing schema
    await post(
      '/webhook/com.acme/signup/jsonschema/1-0-0',
      { email: 'w@example.com' },
      { 'content-type': 'application/json', 'x-delivery': 'd-1' },
    );
    await fetch(`${base}/pixel/com.acme/signup/jsonschema/1-0-0?email=p%40example.com&plan=free`);
    // the Snowplow tracker, POST with a self-describing event
    const tracker = newTracker(
      { namespace: 'replay', appId: 'shop' },
      { endpoint: base, eventMethod: 'post', bufferSize: 1 },
    );
    tracker.track(buildSelfDescribingEvent({ event: { schema: SIGNUP, data: { email: 't@example.com' } } }));
    await tracker.flush();
    // CloudEvents (binary) without dataschema and no mapping for its type: schema_not_found, its raw body kept
    const emit = emitterFor(httpTransport(`${base}/cloudevents`), { mode: Mode.BINARY });
    await emit(
      new CloudEvent({
        id: 'ce-1',
        type: 'com.acme.signup',
        source: '/shop',
        subject: 'user-9',
        data: { email: 'ce@example.com' },
      }),
    );
    // unparseable: a Snowplow GET whose ue_px is not base64; it stays invalid
    await fetch(`${base}/i?e=ue&eid=bad-ue-px&aid=shop&ue_px=***`);

    const before = await rows();
    assert.equal(before.valid.length, 0, JSON.stringify(before.valid));
    assert.equal(before.invalid.length, 8);

    // Nothing changed yet: a replay re-reads everything and everything still fails.
    const unchanged = await replay([]);
    assert.equal(unchanged.counts.read, 8);
    assert.equal(unchanged.counts.now_valid, 0);
    assert.equal(unchanged.counts.still_invalid, 8);
    assert.deepEqual(unchanged.still_invalid_by_error_type, { schema_not_found: 7, unparseable: 1 });

    await publishSignupSchema(registry);
    const dry = await replay(['--dry-run'], { cloudevents: { type_schemas: { 'com.acme.*': SIGNUP } } });
    assert.equal(dry.counts.now_valid, 6);
    assert.equal(dry.counts.published, 0);
    assert.equal((await rows()).valid.length, 0, '--dry-run adds nothing');

    const first = await replay([], { cloudevents: { type_schemas: { 'com.acme.*': SIGNUP } } });
    assert.equal(first.ok, true);
    assert.equal(first.counts.read, 8);
    assert.equal(first.counts.now_valid, 6);
    assert.equal(first.counts.published, 6);
    assert.equal(first.counts.still_invalid, 2);
    assert.deepEqual(first.still_invalid_by_error_type, { validation_failed: 1, unparseable: 1 });
    assert.deepEqual(first.now_valid_by_schema, { [SIGNUP]: 5, [CHECKOUT]: 1 });

    const after = await rows();
    assert.equal(after.invalid.length, 8, 'the invalid store is left as it was');
    assert.equal(after.valid.length, 6);
    const originals = new Map(before.invalid.map((row) => [row.event_id, row]));
    for (const row of after.valid) {
      assert.deepEqual(rowProblems('valid', row), []);
      const original = originals.get(row.event_id);
      assert.ok(original, `valid row ${row.event_id} has the event_id of an invalid one`);
      assert.equal(row.collector_tstamp, original.collector_tstamp);
      assert.equal(row.protocol, original.protocol);
      assert.equal(row.replay_count, 1);
      assert.ok(row.replayed_at && row.replayed_at > row.collector_tstamp);
    }
    const byProtocol = Object.fromEntries(after.valid.map((row) => [row.protocol, row]));
    assert.deepEqual(Object.keys(byProtocol).sort(), [
      'cloudevents',
      'pixel',
      'self_describing',
      'snowplow',
      'webhook',
    ]);
    assert.equal(byProtocol.cloudevents?.event_id, 'ce-1');
    assert.deepEqual(byProtocol.cloudevents?.payload, { email: 'ce@example.com' });
    assert.equal((byProtocol.cloudevents?.source as Record<string, unknown>).subject, 'user-9');
    assert.deepEqual(byProtocol.pixel?.payload, { email: 'p@example.com', plan: 'free' });
    assert.equal(byProtocol.snowplow?.app_id, 'shop');
    assert.deepEqual((byProtocol.webhook?.source as { headers?: unknown }).headers, { 'x-delivery': 'd-1' });
    const withContext = after.valid.find((row) => row.schema === CHECKOUT);
    assert.deepEqual(withContext?.contexts, [{ schema: SIGNUP, data: { email: 'c@example.com' } }]);

    const second = await replay([], { cloudevents: { type_schemas: { 'com.acme.*': SIGNUP } } });
    assert.equal(second.counts.now_valid, 6);
    assert.equal(second.counts.published, 0);
    assert.equal(second.counts.already_present, 6);
    assert.equal((await rows()).valid.length, 6, 'running it twice adds nothing twice');
    const lines = (await readFile(join(dir, '.sluice', 'valid.ndjson'), 'utf8')).trim().split('\n');
    assert.equal(lines.length, 6);
  });

  test('--schema and --error-type choose what is replayed; the rest is skipped', async () => {
    // The filters apply to the stored rows: the signup events that failed for the missing schema.
    const summary = await replay(['--schema', SIGNUP, '--error-type', 'schema_not_found', '--dry-run']);
    assert.equal(summary.counts.read, 5);
    assert.equal(summary.counts.skipped, 3);
    assert.equal(summary.counts.now_valid, 4);
    assert.equal(summary.counts.still_invalid, 1);
    assert.equal(summary.first_errors[0]?.error_type, 'validation_failed');
    assert.match(summary.first_errors[0]?.message ?? '', /must be one of \["free","pro"\]/);
  });

  test('--since and --until choose rows by collector_tstamp in local mode too', async () => {
    assert.equal((await replay(['--since', '1h', '--dry-run'])).counts.read, 8);
    assert.equal((await replay(['--until', '1h', '--dry-run'])).counts.read, 0);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    assert.equal((await replay(['--since', future, '--dry-run'])).counts.read, 0);
  });
});
