import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { markedBlock, QUOTED_BLOCKS, quoteResultsInReadme } from '../bench/report.ts';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const RESULTS = readFileSync(new URL('../bench/RESULTS.md', import.meta.url), 'utf8');

/** The README's Performance section quotes bench/RESULTS.md; `npm run bench` rewrites both together. */
test('the README quotes the latest benchmark results exactly as bench/RESULTS.md has them', () => {
  for (const name of QUOTED_BLOCKS) {
    const results = markedBlock(RESULTS, name);
    assert.ok(results, `bench/RESULTS.md has no ${name} block: run npm run bench`);
    assert.equal(
      markedBlock(README, name),
      results,
      `README.md's ${name} block differs from bench/RESULTS.md: run npm run bench, or copy the block`,
    );
  }
  assert.ok(
    README.indexOf('## Performance') < README.indexOf('## Node.js versions'),
    'the Performance section comes before Node.js versions',
  );
});

test('quoting replaces only the marked blocks, and leaves a block the results lack as it was', () => {
  const readme =
    'intro\n<!-- bench-table:start -->\nold\n<!-- bench-table:end -->\nmiddle\n<!-- bench-cold-start:start -->\nkept\n<!-- bench-cold-start:end -->\nend\n';
  const results = '# r\n<!-- bench-table:start -->\n| new |\n<!-- bench-table:end -->\n';
  assert.equal(quoteResultsInReadme(readme, results), readme.replace('old', '| new |'));
});
