import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { configMarkdownTable } from '../functions/core/config/markdown.ts';
import { contractMarkdownTable } from '../functions/core/contract/markdown.ts';
import { readDoc } from './support/docs.ts';

const README = readDoc('README.md');

function section(page: string, name: string): string {
  const match = new RegExp(`<!-- ${name}:start -->\\n([\\s\\S]*?)\\n<!-- ${name}:end -->`).exec(readDoc(page));
  assert.ok(match, `${page} has no ${name} section`);
  return match[1] as string;
}

test('docs/querying.md documents exactly the contract the code defines', () => {
  assert.equal(
    section('docs/querying.md', 'contract-table'),
    contractMarkdownTable(),
    'paste contractMarkdownTable() into docs/querying.md',
  );
});

test('docs/configuration.md documents exactly the settings the config schema defines', () => {
  assert.equal(
    section('docs/configuration.md', 'config-table'),
    configMarkdownTable(),
    'paste configMarkdownTable() into docs/configuration.md',
  );
});

test('the README starts with the two set-up commands that .ci/run runs', () => {
  const ci = readFileSync(new URL('../.ci/run', import.meta.url), 'utf8');
  assert.match(README, /```sh\nnpm ci +#[^\n]*\nnpm start /);
  assert.match(ci, /^npm ci$/m);
  assert.match(ci, /^npm test$/m);
});
