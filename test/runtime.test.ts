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

/**
 * Packages whose internals Sluice relies on: the Functions Framework's body-parser (patched by
 * functions/app/http/framework-body-limit.ts) and its /testing entry, and the cloudevents
 * package's compiled schema file (deep-imported by functions/core/protocols/cloudevents/conformance.ts).
 * A new release may move or change them, so each is pinned to the release the tests ran against.
 */
const PINNED = ['@google-cloud/functions-framework', 'cloudevents', '@google-cloud/pubsub'] as const;

test('what is patched or deep-imported is pinned to an exact version, and that version is the one installed', () => {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  for (const name of PINNED) {
    const wanted = packageJson.dependencies[name] as string;
    assert.match(wanted, /^\d+\.\d+\.\d+$/, `${name} must be pinned to an exact version, not ${wanted}`);
    const installed = JSON.parse(
      readFileSync(new URL(`../node_modules/${name}/package.json`, import.meta.url), 'utf8'),
    ) as { version: string };
    assert.equal(installed.version, wanted, `${name}: installed ${installed.version}, package.json says ${wanted}`);
  }
});

test('no dependency that nothing runs: @snowplow/browser-tracker (it needs a DOM) is not installed', () => {
  const packageJson = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  const all = { ...packageJson.dependencies, ...packageJson.devDependencies };
  assert.equal(all['@snowplow/browser-tracker'], undefined);
});
