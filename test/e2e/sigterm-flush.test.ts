import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { fromMessage } from '../../functions/core/contract/message.ts';
import { freePort } from '../support/free-port.ts';
import {
  createTopicsWithSubscriptions,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { delay, waitFor } from '../support/wait-for.ts';

/**
 * The deployed entry point (functions/collect.ts) run by the functions-framework CLI, as the
 * nodejs22 runtime runs it, receives SIGTERM while requests wait for Pub/Sub: they are still
 * answered 2xx and their events are on the topic, new requests meanwhile get 503, and then the
 * process exits. Without the takeover in graceful-shutdown.ts the framework would exit at once and
 * those requests would get no answer.
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FRAMEWORK_CLI = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');
const VALID_TOPIC = 'sigterm-events';
const INVALID_TOPIC = 'sigterm-invalid-events';
const IN_FLIGHT = 5;

function trackerBatch(eid: string): string {
  return JSON.stringify({
    schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
    data: [{ e: 'pv', p: 'web', tv: 'sigterm-test', eid, url: 'https://shop.example/' }],
  });
}

// Both transports: each has its own shutdown path (the REST client's slots and retries, the
// library's gRPC channel), and each must flush before the process exits.
for (const transport of ['rest', 'grpc'] as const) {
  describe(`SIGTERM flushes what is in flight before the function exits (${transport})`, {
    skip: emulatorSkipReason(),
  }, () => {
    let emulator: PubsubEmulator;
    let proxy: TcpProxy;
    let child: ChildProcess | undefined;
    let output = '';

    before(async () => {
      emulator = await startPubsubEmulator();
      await createTopicsWithSubscriptions(emulator, [VALID_TOPIC, INVALID_TOPIC]);
      proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(emulator.host.split(':')[1]) });
    });
    after(async () => {
      if (child && child.exitCode === null) child.kill('SIGKILL');
      await proxy?.close();
      await emulator?.stop();
    });

    test('requests waiting for Pub/Sub at SIGTERM are answered 2xx and published; the process then exits', {
      timeout: 60_000,
    }, async () => {
      const port = await freePort();
      child = spawn(
        process.execPath,
        [
          FRAMEWORK_CLI,
          '--target=collect',
          '--signature-type=http',
          `--port=${port}`,
          `--source=${join(ROOT, 'functions', 'collect.ts')}`,
        ],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            NODE_ENV: 'production',
            SLUICE_CONFIG: '',
            SLUICE_SINK: 'pubsub',
            SLUICE_PROJECT: emulator.projectId,
            SLUICE_PUBSUB_EMULATOR_HOST: proxy.host,
            SLUICE_PUBSUB_PUBLISH_TIMEOUT_MS: '8000',
            SLUICE_PUBSUB_TRANSPORT: transport,
            SLUICE_VALID_TOPIC: VALID_TOPIC,
            SLUICE_INVALID_TOPIC: INVALID_TOPIC,
            SLUICE_REGISTRIES: pathToFileURL(join(ROOT, 'schemas')).href,
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      child.stdout?.on('data', (chunk) => (output += chunk));
      child.stderr?.on('data', (chunk) => (output += chunk));
      const exited = once(child, 'exit');
      const base = `http://127.0.0.1:${port}`;
      const send = (eid: string) =>
        fetch(`${base}/com.snowplowanalytics.snowplow/tp2`, {
          method: 'POST',
          body: trackerBatch(eid),
          headers: { 'content-type': 'application/json' },
        });

      const warm = await waitFor(() => send(randomUUID()).catch(() => undefined), {
        timeoutMs: 15_000,
        intervalMs: 100,
        what: 'the function to start',
      }).catch(() => undefined);
      assert.equal(warm?.status, 200, `the function did not start: ${output}`);

      proxy.setMode('hold'); // Pub/Sub stops answering: the next requests wait for it
      const ids = Array.from({ length: IN_FLIGHT }, () => randomUUID());
      const inFlight = ids.map((eid) =>
        send(eid).then(
          (response) => response.status,
          (error: Error) => `failed: ${error.message}`,
        ),
      );
      // Kept as pauses: that the requests wait inside the function for Pub/Sub, and that the
      // function has taken SIGTERM, are states of the child process a test cannot see from outside
      // (the held proxy reads nothing, and the function logs only once it has shut down).
      await delay(500);

      child.kill('SIGTERM');
      await delay(300);
      const during = await send(randomUUID());
      assert.equal(during.status, 503, 'a request arriving during shutdown is turned away to retry elsewhere');
      assert.equal(during.headers.get('retry-after'), '5');
      assert.equal(child.exitCode, null, 'the process waits for the requests in flight');

      proxy.setMode('forward');
      assert.deepEqual(
        await Promise.all(inFlight),
        ids.map(() => 200),
        output,
      );
      const [code] = await exited;
      assert.equal(code, 0, output);

      const messages = await pullAll(emulator, `${VALID_TOPIC}-sub`, { expected: IN_FLIGHT + 1 });
      const published = new Set(messages.map((message) => fromMessage(message.data, message.attributes).row.event_id));
      for (const eid of ids) assert.ok(published.has(eid), `event ${eid} answered 200 is on the topic`);
      assert.match(output, /SIGTERM: shut down after \d+ ms/);
    });
  });
}
