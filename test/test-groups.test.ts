import assert from 'node:assert/strict';
import { existsSync, globSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

/**
 * The two test groups (CONTRIBUTING.md, "Tests"): `npm run test:e2e` runs what starts the Pub/Sub
 * emulator, a real server with `npm start`, or Chromium, and all of it lives in test/e2e/;
 * `npm run test:unit` runs the rest. These tests keep the split true as files are added.
 */
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
  .scripts;

/** The quoted file patterns of an npm script, expanded as `node --test` expands them (node:fs glob). */
function filesOf(script: string): string[] {
  const command = scripts[script];
  assert.ok(command, `package.json has a ${script} script`);
  const patterns = [...command.matchAll(/"([^"]+\.test\.ts)"/g)].map((match) => match[1] as string);
  assert.ok(patterns.length > 0, `${script} names its test files: ${command}`);
  return [...new Set(patterns.flatMap((pattern) => globSync(pattern, { cwd: ROOT })))].sort();
}

const allTests = globSync('test/**/*.test.ts', { cwd: ROOT }).sort();
const isE2e = (file: string): boolean => file.startsWith('test/e2e/');

test('test:unit and test:e2e together run every test file exactly once, and npm test runs both', () => {
  const unit = filesOf('test:unit');
  const e2e = filesOf('test:e2e');
  assert.deepEqual(
    unit.filter((file) => e2e.includes(file)),
    [],
    'no file is in both groups',
  );
  assert.deepEqual([...unit, ...e2e].sort(), allTests, 'every test file is in a group');
  assert.deepEqual(e2e, allTests.filter(isE2e), 'test:e2e is exactly test/e2e/');
  assert.match(
    scripts.test ?? '',
    /^npm run lint && npm run typecheck && npm run test:unit && npm run test:e2e$/,
    'npm test: lint, type check, then both groups',
  );
});

/**
 * What makes a module an end-to-end one: it imports one of these names from one of these helpers
 * (undefined: anything from it), or starts the local server's entry itself.
 */
const STARTERS: ReadonlyArray<{ readonly module: string; readonly names?: readonly string[] }> = [
  { module: 'test/support/pubsub-emulator.ts', names: ['startPubsubEmulator'] },
  { module: 'test/support/npm-start.ts' },
  { module: 'test/support/headless-chromium.ts' },
];
const STARTS_LOCAL_SERVER = /['"]local-server\.ts['"]|functions\/local-server\.ts['"]/;

interface ModuleImport {
  readonly file: string;
  /** Imported names; undefined for a namespace, default or side-effect import. */
  readonly names: readonly string[] | undefined;
}

/** The project modules a file imports (relative specifiers only; packages cannot start anything of ours). */
function importsOf(file: string): ModuleImport[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const found: ModuleImport[] = [];
  const statement = /(?:^|\n)\s*(?:import|export)\s+(?:type\s+)?([\s\S]*?)\s*from\s+'(\.[^']+)'/g;
  for (const [, clause = '', specifier = ''] of text.matchAll(statement)) {
    const braces = /^\{([\s\S]*)\}$/.exec(clause.trim());
    const names = braces?.[1]
      ?.split(',')
      .map((part) =>
        part
          .trim()
          .replace(/^type\s+/, '')
          .split(/\s+as\s+/)[0]
          ?.trim(),
      )
      .filter((name): name is string => name !== undefined && name !== '');
    found.push({ file: relative(ROOT, resolve(ROOT, dirname(file), specifier)), names });
  }
  for (const [, specifier = ''] of text.matchAll(/import\(\s*'(\.[^']+)'\s*\)/g))
    found.push({ file: relative(ROOT, resolve(ROOT, dirname(file), specifier)), names: undefined });
  // A specifier inside a string (code a test writes to a temporary directory) names no file here.
  return found.filter((entry) => entry.file.endsWith('.ts') && existsSync(join(ROOT, entry.file)));
}

/** Why a module starts an end-to-end dependency (itself or through what it imports), or undefined. */
function startsE2e(file: string, seen = new Map<string, string | undefined>()): string | undefined {
  if (seen.has(file)) return seen.get(file);
  seen.set(file, undefined); // cycles: a module does not start anything through itself
  let why: string | undefined;
  if (STARTS_LOCAL_SERVER.test(readFileSync(join(ROOT, file), 'utf8'))) why = `${file} runs functions/local-server.ts`;
  for (const imported of importsOf(file)) {
    if (why !== undefined) break;
    const starter = STARTERS.find((candidate) => candidate.module === imported.file);
    const used =
      starter?.names === undefined ? imported.names : imported.names?.filter((name) => starter.names?.includes(name));
    if (starter !== undefined && (starter.names === undefined || (used?.length ?? 0) > 0))
      why = `${file} imports ${used?.join(', ') ?? 'it'} from ${imported.file}`;
    else if (STARTERS.every((candidate) => candidate.module !== imported.file)) {
      const through = startsE2e(imported.file, seen);
      if (through !== undefined) why = `${file} imports ${imported.file}: ${through}`;
    }
  }
  seen.set(file, why);
  return why;
}

test('no test outside test/e2e starts the Pub/Sub emulator, npm start or Chromium, not even through a helper', () => {
  const seen = new Map<string, string | undefined>();
  const misplaced = allTests
    .filter((file) => !isE2e(file))
    .map((file) => startsE2e(file, seen))
    .filter((why) => why !== undefined);
  assert.deepEqual(misplaced, [], 'move these tests into test/e2e/ (test:unit must run without the emulator)');
});

test('the check finds a starter through a helper: the e2e tests that start the emulator are seen to', () => {
  const seen = new Map<string, string | undefined>();
  const e2e = allTests.filter(isE2e);
  assert.match(startsE2e('test/e2e/pubsub-sink-emulator.test.ts', seen) ?? '', /startPubsubEmulator/);
  assert.match(startsE2e('test/e2e/segment-browser-sdk.test.ts', seen) ?? '', /headless-chromium|npm-start/);
  assert.match(startsE2e('test/e2e/bench-run.test.ts', seen) ?? '', /bench\/run\.ts/);
  assert.equal(startsE2e('test/support/pubsub-emulator.test.ts', seen), undefined, 'discovery alone starts nothing');
  assert.ok(e2e.length > 0);
});
