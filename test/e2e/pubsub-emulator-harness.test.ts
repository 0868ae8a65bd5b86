import assert from 'node:assert/strict';
import { mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { portInUse } from '../support/free-port.ts';
import {
  createSubscription,
  createTopic,
  discoverEmulator,
  emulatorAvailable,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  requireEmulator,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';

/** The emulator harness of test/support/pubsub-emulator.ts, started for real; its discovery is tested in test/support/pubsub-emulator.test.ts. */
describe('Pub/Sub emulator harness', { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  const started = Date.now();

  before(async () => {
    emulator = await startPubsubEmulator();
    console.log(`# emulator ready in ${Date.now() - started} ms (${emulatorAvailable().reason})`);
  });

  after(async () => {
    await emulator?.stop().catch(() => {});
  });

  test('it listens on 127.0.0.1 and round-trips a message through the REST helpers', async () => {
    assert.match(emulator.host, /^127\.0\.0\.1:\d+$/);
    await createTopic(emulator, 'harness-topic');
    await createTopic(emulator, 'harness-topic'); // idempotent
    await createSubscription(emulator, 'harness-sub', 'harness-topic');
    const response = await fetch(
      `http://${emulator.host}/v1/projects/${emulator.projectId}/topics/harness-topic:publish`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ messages: [{ data: Buffer.from('hello').toString('base64'), attributes: { a: 'b' } }] }),
      },
    );
    assert.equal(response.status, 200, await response.text());
    const messages = await pullAll(emulator, 'harness-sub', { expected: 1 });
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.data.toString(), 'hello');
    assert.deepEqual(messages[0]?.attributes, { a: 'b' });
    assert.deepEqual(
      await pullAll(emulator, 'harness-sub', { quietMs: 100 }),
      [],
      'acknowledged messages are not delivered again',
    );
  });

  test('restart() keeps the port, gets a new process and forgets all state', {
    skip: process.env.PUBSUB_EMULATOR_HOST ? 'an external emulator cannot be restarted' : false,
  }, async () => {
    const { host } = emulator;
    const oldPid = emulator.pid;
    assert.ok(oldPid !== undefined);
    const began = Date.now();
    await emulator.restart();
    console.log(`# emulator restarted in ${Date.now() - began} ms`);
    assert.equal(emulator.host, host);
    assert.notEqual(emulator.pid, oldPid);
    assert.throws(() => process.kill(oldPid, 0), { code: 'ESRCH' }, 'the old process is gone');
    await assert.rejects(pullAll(emulator, 'harness-sub'), /HTTP 404/, 'subscriptions are gone after a restart');
  });

  test('stop() kills the process and frees the port', {
    skip: process.env.PUBSUB_EMULATOR_HOST ? 'an external emulator cannot be stopped' : false,
  }, async () => {
    const pid = emulator.pid;
    assert.ok(pid !== undefined);
    const port = Number(emulator.host.split(':')[1]);
    assert.equal(await portInUse(port), true);
    const began = Date.now();
    await emulator.stop();
    console.log(`# emulator stopped in ${Date.now() - began} ms`);
    assert.throws(() => process.kill(pid, 0), { code: 'ESRCH' });
    assert.equal(emulator.pid, undefined);
    assert.equal(await portInUse(port), false);
    await emulator.stop(); // a second stop is harmless
  });
});

describe('Pub/Sub emulator discovery, started', () => {
  const noCloudCli = { sdkRoots: [] as string[] };

  // CI machines may lack the Cloud CLI: the copy in ../shared must start on its own.
  test('without the Cloud CLI the shared jar is found and starts', async (t) => {
    if (!requireEmulator(t)) return;
    const java = javaHome();
    if (java === undefined) return t.skip('java was not found by the harness');
    const found = discoverEmulator({ env: { JAVA_HOME: java, PATH: '' }, ...noCloudCli });
    assert.ok(found.available, found.reason);
    assert.match(found.reason, /shared\/pubsub-emulator\/cloud-pubsub-emulator-[^/]*\.jar$/);
    const emulator = await startPubsubEmulator({ discovery: found });
    try {
      await createTopic(emulator, 'shared-jar-topic');
    } finally {
      await emulator.stop();
    }
  });
});

describe('Pub/Sub emulator start failures', { skip: emulatorSkipReason() }, () => {
  test('an emulator that dies on start fails fast with its output in the error', async () => {
    const found = discoverEmulator({ env: { ...process.env, PUBSUB_EMULATOR_HOST: '' } });
    if (found.source?.kind !== 'jar') return;
    const dir = mkdtempSync(join(tmpdir(), 'sluice-bad-jar-'));
    try {
      const jar = join(dir, 'cloud-pubsub-emulator-0.0.0-all.jar');
      writeFileSync(jar, 'not a jar');
      const began = Date.now();
      await assert.rejects(
        startPubsubEmulator({ discovery: { ...found, source: { ...found.source, jar } } }),
        (error: Error) => {
          assert.match(error.message, /did not become ready .*the process exited \(code 1/s);
          assert.match(error.message, /emulator output \(tail\) ---\n.*(corrupt|invalid).*jar/is);
          return true;
        },
      );
      assert.ok(Date.now() - began < 10_000, 'does not wait for the 30 s readiness timeout');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** JAVA_HOME of the java the harness would use, so a test can hide PATH (and gcloud) from discovery. */
function javaHome(): string | undefined {
  const found = discoverEmulator({ env: { ...process.env, PUBSUB_EMULATOR_HOST: '' } });
  return found.source?.kind === 'jar' ? dirname(dirname(realpathSync(found.source.java))) : undefined;
}
