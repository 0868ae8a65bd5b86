import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { startLocalServer } from '../support/npm-start.ts';
import { createSubscription, emulatorSkipReason, pullAll, startPubsubEmulator } from '../support/pubsub-emulator.ts';

/** `npm start` as the README runs it: the banner's example request works as printed. */
test('npm start serves the collector and its printed example request lands in /local/valid', {
  timeout: 30_000,
}, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-start-'));
  const server = await startLocalServer({ SLUICE_LOCAL_DIR: dir }, 'See it:');
  try {
    const output = server.output();
    assert.match(output, new RegExp(`listening on http://localhost:${server.port}`));
    assert.match(output, /registries: file:\/\/\.\/schemas/);
    const curl = /curl -X POST (\S+) -H 'Content-Type: application\/json' -d '(.+)'/.exec(output);
    assert.ok(curl, output);
    const response = await fetch(curl[1] as string, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: curl[2] ?? '',
    });
    assert.equal(response.status, 200);
    const valid = (await (await fetch(`http://localhost:${server.port}/local/valid`)).json()) as Array<{
      schema: string;
    }>;
    assert.deepEqual(
      valid.map((row) => row.schema),
      ['iglu:com.example/checkout/jsonschema/1-0-0'],
    );
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
});

/** The emulator recipe of docs/deploy.md: SLUICE_SINK=pubsub with PUBSUB_EMULATOR_HOST, topics created on start. */
test('SLUICE_SINK=pubsub npm start publishes to the emulator, creating its topics', {
  timeout: 60_000,
  skip: emulatorSkipReason(),
}, async () => {
  const emulator = await startPubsubEmulator();
  try {
    const server = await startLocalServer(
      { SLUICE_SINK: 'pubsub', PUBSUB_EMULATOR_HOST: emulator.host, SLUICE_PROJECT: emulator.projectId },
      'Send an event:',
    );
    try {
      assert.match(server.output(), /pubsub \(topics sluice-events, sluice-invalid-events\)/);
      await createSubscription(emulator, 'readme-check', 'sluice-events');
      const body = JSON.stringify({
        schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
        data: { order_id: 'E-1', total: 3, currency: 'EUR' },
      });
      const response = await fetch(`http://localhost:${server.port}/self-describing`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      assert.equal(response.status, 200);
      const messages = await pullAll(emulator, 'readme-check', { expected: 1 });
      assert.equal(messages.length, 1);
      assert.equal(messages[0]?.attributes.schema, 'iglu:com.example/checkout/jsonschema/1-0-0');
    } finally {
      await server.stop();
    }
  } finally {
    await emulator.stop();
  }
});
