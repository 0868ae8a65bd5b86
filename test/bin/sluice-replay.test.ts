import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { replayCommand } from '../../functions/app/replay/replay-command.ts';

/** The `sluice-replay` bin and `npm run replay`: they start, explain themselves and report. */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'sluice-replay.mjs');
const run = promisify(execFile);

async function exitOf(command: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: options.cwd ?? ROOT,
      env: options.env ?? process.env,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

test('package.json names the bin, and it is an executable Node script', () => {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
    scripts: Record<string, string>;
  };
  assert.equal(pkg.bin['sluice-replay'], 'bin/sluice-replay.mjs');
  assert.equal(pkg.scripts.replay, 'node functions/replay-cli.ts');
  assert.ok(readFileSync(BIN, 'utf8').startsWith('#!/usr/bin/env node\n'));
  accessSync(BIN, constants.X_OK);
});

test('the bin runs the TypeScript entry on Node 22 (type stripping) and prints --help', async () => {
  const result = await exitOf(process.execPath, [BIN, '--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /^Usage: npm run replay -- \[options\]/);
  assert.match(result.stdout, /--dry-run/);
});

test('npx sluice-replay finds the bin in the project', async () => {
  const result = await exitOf('npm', ['exec', '--no', '--', 'sluice-replay', '--help']);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /--source <name>/);
});

test('bad options exit 2 with the problem and a pointer to --help', async () => {
  const result = await exitOf(process.execPath, [BIN, '--limit', 'lots']);
  assert.equal(result.code, 2);
  assert.equal(result.stdout, '');
  assert.match(result.stderr, /sluice-replay: --limit must be a whole number >= 1, got "lots"\nRun with --help/);
});

test('on a Node older than 22.18 the bin says what to do instead of failing on TypeScript', async (t) => {
  const old = ['/usr/bin/node', '/usr/local/bin/node'].find((path) => {
    try {
      accessSync(path, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
  const version = old ? (await exitOf(old, ['--version'])).stdout.trim() : '';
  const [major = 0, minor = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (!old || major > 22 || (major === 22 && minor >= 18)) {
    t.skip('no Node older than 22.18 on this machine');
    return;
  }
  const result = await exitOf(old, [BIN, '--help']);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /sluice-replay needs Node 22\.18 or newer .* Run it as npm run replay/);
});

test('a terminal gets a progress line on stderr; stdout holds only the JSON summary', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-replay-cli-'));
  try {
    let stdout = '';
    let stderr = '';
    const status = await replayCommand(['--source', 'local'], {
      cwd: dir,
      env: {},
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: (text: string) => (stderr += text), isTTY: true },
    });
    assert.equal(status, 0);
    assert.equal(JSON.parse(stdout).counts.read, 0);
    assert.match(stderr, /replay: read 0 · now valid 0 · still invalid 0 · 0\.0\/s · \d+\.\ds\n$/);

    let quiet = '';
    await replayCommand(['--source', 'local'], {
      cwd: dir,
      env: {},
      stdout: { write: () => true },
      stderr: { write: (text: string) => (quiet += text), isTTY: false },
    });
    assert.equal(quiet, '', 'no progress output when stderr is not a terminal');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a configuration error exits 2 and names the problem', async () => {
  let stderr = '';
  const status = await replayCommand(['--source', 'local'], {
    env: { SLUICE_CACHE_TTL_SECONDS: '0' },
    stdout: { write: () => true },
    stderr: { write: (text: string) => (stderr += text) },
  });
  assert.equal(status, 2);
  assert.match(stderr, /cache.ttl_seconds: got 0/);
});

test('--dry-run refuses to seek a subscription, and --until does not apply to one (exit 2)', async () => {
  for (const [args, message] of [
    [
      ['--source', 'subscription', '--since', '1h', '--dry-run'],
      /--dry-run cannot seek a subscription .* use --source bigquery --since \.\.\. --dry-run/,
    ],
    [['--since', '1h', '--dry-run'], /--dry-run cannot seek a subscription/], // the default source with sink: pubsub
  ] as const) {
    let stderr = '';
    const status = await replayCommand([...args], {
      env: { SLUICE_SINK: 'pubsub' },
      stdout: { write: () => true },
      stderr: { write: (text: string) => (stderr += text) },
    });
    assert.equal(status, 2, args.join(' '));
    assert.match(stderr, message);
  }
});
