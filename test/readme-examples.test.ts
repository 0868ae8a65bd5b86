import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createCollectorFromConfig } from '../functions/app/collector-instance.ts';
import { resolveConfig } from '../functions/core/config/resolve-config.ts';
import { serveCollector } from './support/framework-server.ts';

/**
 * Every curl example in the README's "Send your first events" section, run as written against the
 * collector in local mode: each must succeed, and every event they send must land as a valid row.
 */
async function readmeCurls(): Promise<string[][]> {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Send your first events'), readme.indexOf('### Against the Pub/Sub emulator'));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((block) => block[1] as string);
  return blocks.flatMap(shellCommands).filter((words) => words[0] === 'curl').map((words) => words.slice(1));
}

/**
 * Splits a script into commands of words as a POSIX shell would for these examples: single quotes
 * (which may span lines), backslash-newline continuations, `#` comments, newlines ending commands.
 */
function shellCommands(script: string): string[][] {
  const commands: string[][] = [];
  let words: string[] = [];
  let current: string | undefined;
  const endWord = () => {
    if (current !== undefined) words.push(current);
    current = undefined;
  };
  for (let i = 0; i < script.length; i++) {
    const char = script[i] as string;
    if (char === "'") {
      const end = script.indexOf("'", i + 1);
      assert.ok(end !== -1, `unmatched quote in a README example: ${script.slice(i, i + 60)}`);
      current = (current ?? '') + script.slice(i + 1, end);
      i = end;
    } else if (char === '\\' && script[i + 1] === '\n') {
      i++;
      endWord();
    } else if (char === '#' && current === undefined) {
      while (i + 1 < script.length && script[i + 1] !== '\n') i++;
    } else if (char === '\n') {
      endWord();
      if (words.length > 0) commands.push(words);
      words = [];
    } else if (/\s/.test(char)) {
      endWord();
    } else {
      current = (current ?? '') + char;
    }
  }
  endWord();
  if (words.length > 0) commands.push(words);
  return commands;
}

function toRequest(args: string[], base: string): { url: string; init: RequestInit } {
  let method: string | undefined;
  let body: string | undefined;
  const headers: Record<string, string> = {};
  let url = '';
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === '-X') method = args[++i];
    else if (arg === '-H') {
      const [name, ...value] = (args[++i] as string).split(':');
      headers[(name as string).trim()] = value.join(':').trim();
    } else if (arg === '-d') body = args[++i];
    else url = arg;
  }
  return { url: url.replace('http://localhost:8080', base), init: { method: method ?? (body ? 'POST' : 'GET'), headers, ...(body === undefined ? {} : { body }) } };
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
    assert.ok(response.status >= 200 && response.status < 300, `${init.method} ${url} answered ${response.status}: ${await response.text()}`);
    if (!url.includes('/local/')) events++;
  }
  const invalid = (await (await fetch(`${base}/local/invalid`)).json()) as Array<{ error_type: string; errors: unknown }>;
  assert.deepEqual(invalid, [], 'no README example should produce an invalid row');
  const valid = (await (await fetch(`${base}/local/valid`)).json()) as unknown[];
  assert.ok(valid.length >= events, `${valid.length} valid rows for ${events} example requests`);
});
