import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { RUNTIME_DEPENDENCIES } from '../../build/bundle-function.ts';
import { functionLockfile, type LockEntry, type Lockfile } from '../../build/function-lockfile.ts';

const ROOT_LOCK = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as Lockfile;

/** Where Node would find `name` from the package at `from`, within `packages` (test's own walk). */
function resolvable(packages: Record<string, LockEntry>, from: string, name: string): boolean {
  const bases = [from];
  for (let base = from; base !== ''; ) {
    const index = base.lastIndexOf('/node_modules/');
    base = index < 0 ? '' : base.slice(0, index);
    bases.push(base);
  }
  return bases.some((base) => packages[base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`]);
}

describe("the function bundle's package-lock.json", () => {
  const tiny: Lockfile = {
    name: 'repo',
    version: '1.0.0',
    lockfileVersion: 3,
    packages: {
      '': { dependencies: { a: '1.0.0' }, devDependencies: { tool: '1.0.0' } },
      'node_modules/a': {
        version: '1.0.0',
        dependencies: { b: '^2.0.0', c: '^1.0.0' },
        optionalDependencies: { gone: '1' },
      },
      'node_modules/a/node_modules/b': { version: '2.0.0' },
      'node_modules/b': { version: '1.0.0', dev: true },
      'node_modules/c': { version: '1.0.0', devOptional: true },
      'node_modules/tool': { version: '1.0.0', dev: true, dependencies: { b: '^1.0.0' } },
    },
  };

  test('keeps what the runtime dependencies reach, at the same paths, and nothing a development tool needs', () => {
    const lock = functionLockfile(tiny, 'fn', '0.1.0', { a: '1.0.0' });
    assert.deepEqual(lock.packages, {
      '': { name: 'fn', version: '0.1.0', dependencies: { a: '1.0.0' } },
      'node_modules/a': tiny.packages['node_modules/a'],
      'node_modules/a/node_modules/b': { version: '2.0.0' },
      'node_modules/c': { version: '1.0.0', optional: true },
    });
    assert.equal(lock.lockfileVersion, 3);
  });

  test('a required package missing from the lockfile is an error that says what to run', () => {
    const broken: Lockfile = { ...tiny, packages: { ...tiny.packages, 'node_modules/c': undefined as never } };
    assert.throws(
      () => functionLockfile(broken, 'fn', '0.1.0', { a: '1.0.0' }),
      /package-lock\.json has no c reachable from node_modules\/a: run npm install, then bundle again/,
    );
  });

  test("cut from this repository's lockfile: the framework's whole tree, closed, exact, without dev tools", () => {
    const dependencies = Object.fromEntries(
      RUNTIME_DEPENDENCIES.map((name) => [name, ROOT_LOCK.packages[`node_modules/${name}`]?.version as string]),
    );
    const lock = functionLockfile(ROOT_LOCK, 'sluice-function', '0.1.0', dependencies);
    const packages = lock.packages as Record<string, LockEntry>;
    assert.deepEqual(packages['']?.dependencies, dependencies);
    for (const name of RUNTIME_DEPENDENCIES) assert.ok(packages[`node_modules/${name}`], name);
    for (const [path, entry] of Object.entries(packages)) {
      if (path === '') continue;
      assert.equal(entry.dev, undefined, `${path} is a development package`);
      // The integrity pins the tarball; `resolved` may be omitted (npm then asks the configured registry).
      assert.match(String(entry.integrity), /^sha512-/, path);
      for (const dep of Object.keys(entry.dependencies ?? {}))
        assert.ok(resolvable(packages, path, dep), `${path} needs ${dep}, which the lockfile lacks`);
    }
    for (const tool of ['esbuild', 'typescript', 'cdktf', '@biomejs/biome', '@google-cloud/pubsub'])
      assert.equal(packages[`node_modules/${tool}`], undefined, `${tool} is not installed in the cloud`);
  });
});
