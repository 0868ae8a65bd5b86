import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createSubscription, emulatorSkipReason, pullAll, startPubsubEmulator } from '../support/pubsub-emulator.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

/** `npm start` as the README runs it: the banner's example request works as printed. */
test('npm start serves the collector and its printed example request lands in /local/valid', { timeout: 30_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-start-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['functions/local-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), SLUICE_LOCAL_DIR: dir, SLUICE_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('See it:')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    assert.match(output, new RegExp(`listening on http://localhost:${port}`));
    assert.match(output, /registries: file:\/\/\.\/schemas/);
    const curl = /curl -X POST (\S+) -H 'Content-Type: application\/json' -d '(.+)'/.exec(output);
    assert.ok(curl, output);
    const response = await fetch(curl[1] as string, { method: 'POST', headers: { 'content-type': 'application/json' }, body: curl[2] });
    assert.equal(response.status, 200);
    const valid = (await (await fetch(`http://localhost:${port}/local/valid`)).json()) as Array<{ schema: string }>;
    assert.deepEqual(valid.map((row) => row.schema), ['iglu:com.example/checkout/jsonschema/1-0-0']);
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await rm(dir, { recursive: true, force: true });
  }
});

/** The README's emulator recipe: SLUICE_SINK=pubsub with PUBSUB_EMULATOR_HOST, topics created on start. */
test('SLUICE_SINK=pubsub npm start publishes to the emulator, creating its topics', { timeout: 60_000, skip: emulatorSkipReason() }, async () => {
  const emulator = await startPubsubEmulator();
  const port = await freePort();
  const child = spawn(process.execPath, ['functions/local-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), SLUICE_SINK: 'pubsub', PUBSUB_EMULATOR_HOST: emulator.host, SLUICE_PROJECT: emulator.projectId, SLUICE_CONFIG: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let output = '';
    child.stderr.on('data', (chunk) => (output += chunk));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        output += chunk;
        if (output.includes('Send an event:')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
    });
    assert.match(output, /pubsub \(topics sluice-events, sluice-invalid-events\)/);
    await createSubscription(emulator, 'readme-check', 'sluice-events');
    const body = JSON.stringify({ schema: 'iglu:com.example/checkout/jsonschema/1-0-0', data: { order_id: 'E-1', total: 3, currency: 'EUR' } });
    const response = await fetch(`http://localhost:${port}/self-describing`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    assert.equal(response.status, 200);
    const messages = await pullAll(emulator, 'readme-check', { expected: 1 });
    assert.equal(messages.length, 1);
    assert.equal(messages[0]?.attributes.schema, 'iglu:com.example/checkout/jsonschema/1-0-0');
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
    await emulator.stop();
  }
});
