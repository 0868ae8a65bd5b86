import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createCollectorFromConfig } from '../functions/app/collector-instance.ts';
import { resolveConfig } from '../functions/core/config/resolve-config.ts';
import { serveCollector } from './support/framework-server.ts';
import { shellCommands, toRequest } from './support/readme-shell.ts';

/**
 * Every curl example in the README's "Send your first events" section, run as written against the
 * collector in local mode: each must succeed, and every event they send must land as a valid row.
 */
async function readmeCurls(): Promise<string[][]> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const start = readme.indexOf('\n## Send your first events\n');
  assert.ok(start !== -1, 'README.md has a "Send your first events" section');
  const end = readme.indexOf('\n## ', start + 1);
  const section = readme.slice(start, end === -1 ? undefined : end);
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1] as string);
  return blocks
    .flatMap(shellCommands)
    .filter((words) => words[0] === 'curl')
    .map((words) => words.slice(1));
}

let dir = '';
let base = '';
let close: () => Promise<void>;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sluice-readme-'));
  const schemas = pathToFileURL(new URL('../schemas', import.meta.url).pathname).href;
  const config = resolveConfig({ document: { registries: [schemas], local: { dir } }, source: 'test', env: {} });
  ({ base, close } = await serveCollector(createCollectorFromConfig(config)));
});
after(async () => {
  await close();
  await rm(dir, { recursive: true, force: true });
});

test('every curl example of the README works as written and its events are valid', async () => {
  const commands = await readmeCurls();
  assert.ok(commands.length >= 12, `found only ${commands.length} curl examples`);
  let events = 0;
  for (const args of commands) {
    const { url, init } = toRequest(args, base);
    if (url.includes('/local/reset')) continue; // would erase what the other examples sent
    const response = await fetch(url, init);
    assert.ok(
      response.status >= 200 && response.status < 300,
      `${init.method} ${url} answered ${response.status}: ${await response.text()}`,
    );
    if (!url.includes('/local/')) events++;
  }
  const invalid = (await (await fetch(`${base}/local/invalid`)).json()) as Array<{
    error_type: string;
    errors: unknown;
  }>;
  assert.deepEqual(invalid, [], 'no README example should produce an invalid row');
  const valid = (await (await fetch(`${base}/local/valid`)).json()) as unknown[];
  assert.ok(valid.length >= events, `${valid.length} valid rows for ${events} example requests`);
});
