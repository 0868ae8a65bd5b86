import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { COLD_COSTS, HOT_COSTS, measureCold, PERFORMANCE_PAGE, withCostTables } from '../../bench/costs.ts';

test('docs/performance.md lists every measured cost, and only those', () => {
  const page = readFileSync(PERFORMANCE_PAGE, 'utf8');
  const block = page.slice(page.indexOf('<!-- bench-costs:start -->'), page.indexOf('<!-- bench-costs:end -->'));
  const listed = [...block.matchAll(/^\| ([a-z0-9-]+) \|/gm)].map((match) => match[1]).filter((id) => id !== 'cost');
  assert.deepEqual(
    listed,
    [...COLD_COSTS, ...HOT_COSTS].map((cost) => cost.id),
  );
  for (const [, figure] of block.matchAll(/\| ([^|]*) \|\n/g)) assert.doesNotMatch(figure ?? '', /NaN/);
});

test('every cost id a comment cites is a measured cost', () => {
  const ids = new Set([...COLD_COSTS, ...HOT_COSTS].map((cost) => cost.id));
  const root = join(import.meta.dirname, '..', '..');
  const files = ['functions', 'build', 'terraform'].flatMap((dir) =>
    readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(dir, name)),
  );
  let citations = 0;
  for (const file of files) {
    const text = readFileSync(join(root, file), 'utf8');
    for (const [, id] of text.matchAll(/`([a-z0-9-]+)` in\s*(?:\*\s*)?docs\/performance\.md/g)) {
      citations++;
      assert.ok(ids.has(id as string), `${file} cites ${id}, which bench/costs.ts does not measure`);
    }
  }
  assert.ok(citations >= 8, `only ${citations} citations found: is the pattern still the one comments use?`);
});

test('each cold measurement runs and gives a time', { timeout: 120_000 }, () => {
  for (const cost of COLD_COSTS) {
    const ms = measureCold(cost, 1);
    assert.ok(Number.isFinite(ms) && ms > 0, `${cost.id}: ${ms}`);
  }
});

test("each per-event pair compares like with like: Sluice's way gives the general way's answer", () => {
  for (const cost of HOT_COSTS) assert.deepEqual(cost.sluice(), cost.general(), cost.id);
});

test('the page keeps what is around the tables when they are written', () => {
  const page = 'before\n<!-- bench-costs:start -->\nold\n<!-- bench-costs:end -->\nafter';
  assert.equal(withCostTables(page, 'new'), 'before\n<!-- bench-costs:start -->\nnew\n<!-- bench-costs:end -->\nafter');
  assert.throws(() => withCostTables('no markers', 'new'), /no <!-- bench-costs:start -->/);
});
