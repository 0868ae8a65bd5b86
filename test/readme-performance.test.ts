import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { markedBlock, PERFORMANCE_PAGE, QUOTED_BLOCKS, quoteResults } from '../bench/report.ts';
import { readDoc } from './support/docs.ts';

const PAGE = readDoc(PERFORMANCE_PAGE);
const RESULTS = readFileSync(new URL('../bench/RESULTS.md', import.meta.url), 'utf8');

/** docs/performance.md quotes bench/RESULTS.md; `npm run bench` rewrites both together. */
test('docs/performance.md quotes the latest benchmark results exactly as bench/RESULTS.md has them', () => {
  assert.ok(PAGE.startsWith('# Performance\n'), `${PERFORMANCE_PAGE} is the Performance page`);
  for (const name of QUOTED_BLOCKS) {
    const results = markedBlock(RESULTS, name);
    assert.ok(results, `bench/RESULTS.md has no ${name} block: run npm run bench`);
    assert.equal(
      markedBlock(PAGE, name),
      results,
      `${PERFORMANCE_PAGE}'s ${name} block differs from bench/RESULTS.md: run npm run bench, or copy the block`,
    );
  }
});

test('quoting replaces only the marked blocks, and leaves a block the results lack as it was', () => {
  const page =
    'intro\n<!-- bench-table:start -->\nold\n<!-- bench-table:end -->\nmiddle\n<!-- bench-cold-start:start -->\nkept\n<!-- bench-cold-start:end -->\nend\n';
  const results = '# r\n<!-- bench-table:start -->\n| new |\n<!-- bench-table:end -->\n';
  assert.equal(quoteResults(page, results), page.replace('old', '| new |'));
});
