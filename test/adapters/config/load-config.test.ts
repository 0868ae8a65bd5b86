import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DEFAULT_CONFIG_PATH, loadConfig } from '../../../functions/adapters/config/load-config.ts';
import { ConfigError } from '../../../functions/core/config/config-error.ts';

const root = mkdtempSync(join(tmpdir(), 'sluice-load-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

let counter = 0;
/** A fresh working directory, optionally with `config/sluice.yaml` holding `yaml`. */
function workdir(yaml?: string): string {
  const dir = join(root, `case-${++counter}`);
  mkdirSync(join(dir, 'config'), { recursive: true });
  if (yaml !== undefined) writeFileSync(join(dir, DEFAULT_CONFIG_PATH), yaml);
  return dir;
}

function loadError(env: Record<string, string>, cwd: string): ConfigError {
  try {
    loadConfig(env, cwd);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected loadConfig to throw');
}

describe('loadConfig', () => {
  test('without config/sluice.yaml, defaults are used silently', () => {
    const config = loadConfig({}, workdir());
    assert.equal(config.sink, 'local');
    assert.equal(config.region, 'europe-west1');
  });

  test('reads config/sluice.yaml relative to the working directory', () => {
    const config = loadConfig({}, workdir('sink: pubsub\ncache:\n  ttl_seconds: 60\n'));
    assert.equal(config.sink, 'pubsub');
    assert.equal(config.cache.ttl_seconds, 60);
    assert.equal(config.cache.max_entries, 10000);
  });

  test('an empty or comment-only file means defaults', () => {
    assert.equal(loadConfig({}, workdir('')).sink, 'local');
    assert.equal(loadConfig({}, workdir('# nothing yet\n')).sink, 'local');
  });

  test('environment overrides the file', () => {
    const config = loadConfig({ SLUICE_SINK: 'local', SLUICE_LABELS: 'team=data' }, workdir('sink: pubsub\n'));
    assert.equal(config.sink, 'local');
    assert.deepEqual(config.labels, { team: 'data' });
  });

  test('SLUICE_CONFIG names another file, relative to the working directory or absolute', () => {
    const dir = workdir('sink: local\n');
    writeFileSync(join(dir, 'other.yaml'), 'sink: pubsub\n');
    assert.equal(loadConfig({ SLUICE_CONFIG: 'other.yaml' }, dir).sink, 'pubsub');
    assert.equal(loadConfig({ SLUICE_CONFIG: join(dir, 'other.yaml') }, '/').sink, 'pubsub');
  });

  test('an empty SLUICE_CONFIG counts as unset', () => {
    assert.equal(loadConfig({ SLUICE_CONFIG: '' }, workdir('sink: pubsub\n')).sink, 'pubsub');
  });

  test('a missing file named by SLUICE_CONFIG is an error', () => {
    const dir = workdir();
    const error = loadError({ SLUICE_CONFIG: 'missing.yaml' }, dir);
    assert.match(error.message, /env SLUICE_CONFIG: file not found: .*missing\.yaml/);
  });

  test('a config path that is a directory is an error', () => {
    const dir = workdir();
    assert.match(
      loadError({ SLUICE_CONFIG: 'config' }, dir).message,
      /env SLUICE_CONFIG: cannot read the file \(EISDIR\)/,
    );
  });

  test('YAML syntax errors name the file, line and column', () => {
    const error = loadError({}, workdir('sink: local\ncache:\n  ttl_seconds: [1,\n'));
    assert.match(error.message, /config\/sluice\.yaml:\d+:\d+: YAML: /);
    assert.doesNotMatch(error.message, /\^/, 'the excerpt that yaml appends is left out');
  });

  test('duplicate keys are refused, with their line', () => {
    const error = loadError({}, workdir('sink: local\nregion: x\nsink: pubsub\n'));
    assert.match(error.message, /config\/sluice\.yaml:3:1: YAML: Map keys must be unique/);
  });

  test('a top level that is not a mapping is refused', () => {
    assert.match(
      loadError({}, workdir('- sink\n- local\n')).message,
      /config\/sluice\.yaml: got \["sink","local"\], expected a mapping of settings/,
    );
  });

  test('validation problems point at the line of the key', () => {
    const error = loadError(
      {},
      workdir('sink: local\ncache:\n  ttl_seconds: 0\nregistries:\n  - file://ok\n  - ftp://no\nsinkk: x\n'),
    );
    assert.match(error.message, /config\/sluice\.yaml:3:3: cache\.ttl_seconds: got 0, expected an integer >= 1/);
    assert.match(
      error.message,
      /config\/sluice\.yaml:6:5: registries\[1\]: got "ftp:\/\/no", expected a string matching/,
    );
    assert.match(
      error.message,
      /config\/sluice\.yaml:7:1: sinkk: got "x", unknown key "sinkk" \(did you mean "sink"\?\)/,
    );
  });

  test('problems set by the environment are blamed on the variable, not the file', () => {
    const error = loadError({ SLUICE_CACHE_TTL_SECONDS: '0' }, workdir('cache:\n  ttl_seconds: 60\n'));
    assert.match(error.message, /env SLUICE_CACHE_TTL_SECONDS: cache\.ttl_seconds: got 0, expected an integer >= 1/);
  });

  test('the file source is shown as SLUICE_CONFIG gave it', () => {
    const dir = workdir();
    writeFileSync(join(dir, 'prod.yaml'), 'sink: kafka\n');
    assert.match(loadError({ SLUICE_CONFIG: 'prod.yaml' }, dir).message, /prod\.yaml:1:1: sink: got "kafka"/);
  });
});
