import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configMarkdownTable } from '../functions/core/config/markdown.ts';
import { contractMarkdownTable } from '../functions/core/contract/markdown.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

function section(name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(README);
  assert.ok(match, `README.md has no ${name} section`);
  return match[1] as string;
}

test('the README documents exactly the contract the code defines', () => {
  assert.equal(section('contract-table'), contractMarkdownTable(), 'paste contractMarkdownTable() into README.md');
});

test('the README documents exactly the settings the config schema defines', () => {
  assert.equal(section('config-table'), configMarkdownTable(), 'paste configMarkdownTable() into README.md');
});

test('the README starts with the two set-up commands that .ci/run runs', () => {
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
  assert.match(README, /```sh\nnpm install\nnpm start /);
  assert.match(ci, /^npm install$/m);
  assert.match(ci, /^npm test$/m);
});
