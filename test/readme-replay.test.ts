import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createCollectorFromConfig } from '../functions/app/collector-instance.ts';
import { resolveConfig } from '../functions/core/config/resolve-config.ts';
import type { InvalidRow, ValidRow } from '../functions/core/contract/rows.ts';
import { readDoc } from './support/docs.ts';
import { serveCollector } from './support/framework-server.ts';
import { shellCommands, toRequest } from './support/readme-shell.ts';

/**
 * The local "fix a schema and replay" recipe of docs/replay.md, run command by command as written,
 * in a fresh project directory (its own schemas/ and .sluice/), against a collector in local mode.
 */
const CLI = fileURLToPath(new URL('../functions/replay-cli.ts', import.meta.url));
const run = promisify(execFile);

async function recipe(): Promise<string[][]> {
  const page = readDoc('docs/replay.md');
  const start = page.indexOf('# Fix a schema and replay\n');
  assert.ok(start !== -1, 'docs/replay.md is the "Fix a schema and replay" page');
  const section = page.slice(
    page.indexOf('\n## Locally (`npm start`)\n', start),
    page.indexOf('\n## On Google Cloud\n', start),
  );
  const block = /```sh\n([\s\S]*?)```/.exec(section)?.[1];
  assert.ok(block, 'the local recipe has a sh block');
  return shellCommands(block);
}

let dir = '';
let base = '';
let close: () => Promise<void>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-readme-replay-'));
  // What npm start uses with no config file: file://./schemas and .sluice in the project directory.
  const config = resolveConfig({
    document: { registries: [pathToFileURL(join(dir, 'schemas')).href], local: { dir: join(dir, '.sluice') } },
    source: 'test',
    env: {},
  });
  await mkdir(join(dir, 'schemas'));
  ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
});
after(async () => {
  await close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs one command of the recipe in the project directory; returns what a curl printed. */
async function runCommand(words: string[]): Promise<string> {
  const [command, ...args] = words;
  switch (command) {
    case 'curl': {
      const { url, init } = toRequest(args, base);
      const response = await fetch(url, init);
      assert.ok(response.ok, `${init.method} ${url} answered ${response.status}`);
      return response.text();
    }
    case 'mkdir':
      assert.equal(args[0], '-p');
      await mkdir(join(dir, args[1] as string), { recursive: true });
      return '';
    case 'echo': {
      assert.equal(args[1], '>', 'echo writes a file');
      await writeFile(join(dir, args[2] as string), `${args[0]}\n`);
      return '';
    }
    case 'npm': {
      assert.deepEqual(args.slice(0, 3), ['run', 'replay', '--']);
      // npm run replay runs this file with the project's Node; the environment names no settings,
      // so the defaults apply in the project directory, as for npm start.
      const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('SLUICE_')));
      const { stdout } = await run(process.execPath, [CLI, ...args.slice(3)], { cwd: dir, env });
      return stdout;
    }
    default:
      throw new Error(`the docs/replay.md recipe has a command this test cannot run as written: ${words.join(' ')}`);
  }
}

test('the docs/replay.md recipe turns an invalid event into a valid one with the same event_id, once', async () => {
  const commands = await recipe();
  assert.deepEqual(
    commands.map((words) => words[0]),
    ['curl', 'mkdir', 'echo', 'npm', 'curl'],
  );
  const outputs: string[] = [];
  for (const [index, words] of commands.entries()) {
    outputs.push(await runCommand(words));
    if (index === 0) {
      const invalid = (await (await fetch(`${base}/local/invalid`)).json()) as InvalidRow[];
      assert.equal(invalid.length, 1);
      assert.equal(invalid[0]?.error_type, 'schema_not_found');
    }
  }
  const summary = JSON.parse(outputs[3] as string) as { counts: { published: number; still_invalid: number } };
  assert.equal(summary.counts.published, 1);
  const invalid = (await (await fetch(`${base}/local/invalid`)).json()) as InvalidRow[];
  const valid = JSON.parse(outputs[4] as string) as ValidRow[];
  assert.equal(valid.length, 1);
  assert.equal(valid[0]?.event_id, invalid[0]?.event_id);
  assert.deepEqual(valid[0]?.payload, { email: 'ada@example.com' });

  // "running the replay again adds nothing twice"
  await runCommand(commands[3] as string[]);
  assert.equal((JSON.parse(await runCommand(commands[4] as string[])) as unknown[]).length, 1);
});
