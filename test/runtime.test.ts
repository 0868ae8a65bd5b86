import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

/** docs/deploy.md promises that npm scripts run on Node 22 (the nodejs22 deploy target), whatever Node ran npm install. */
test('tests run on Node 22.18 or newer 22.x, the deploy target', () => {
  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  assert.equal(major, 22, `running on Node ${process.version}; run through npm so node_modules/.bin/node is used`);
  assert.ok(minor >= 18, `Node ${process.version} lacks unflagged type stripping (22.18+)`);
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  assert.equal(packageJson.engines.node, '>=22.18.0');
  assert.match(packageJson.devDependencies.node, /^\^22\./);
});
