import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

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
