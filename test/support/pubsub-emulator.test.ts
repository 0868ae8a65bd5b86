import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, test } from 'node:test';
import { discoverEmulator, emulatorSkipReason, requireEmulator } from './pubsub-emulator.ts';

/**
 * Finding the emulator, without starting it. Starting, restarting and stopping it are tested in
 * test/e2e/pubsub-emulator-harness.test.ts.
 */
describe('Pub/Sub emulator discovery', () => {
  const noCloudCli = { sdkRoots: [] as string[] };

  test('without java nothing is available: skipped locally, a failure on CI', () => {
    const found = discoverEmulator({ env: { PATH: '' }, ...noCloudCli });
    assert.equal(found.available, false);
    assert.match(found.reason, /no java executable .*install Java 11\+/);
    assert.equal(emulatorSkipReason(found, {}), found.reason);
    assert.equal(emulatorSkipReason(found, { CI: 'false' }), found.reason);
    assert.equal(emulatorSkipReason(found, { CI: 'true' }), false, 'on CI the suite runs and fails in before()');
    assert.equal(emulatorSkipReason({ available: true, reason: 'x' }, {}), false);

    const skipped: unknown[] = [];
    const t = { skip: (message?: string) => void skipped.push(message) };
    assert.equal(requireEmulator(t, found, {}), false);
    assert.deepEqual(skipped, [found.reason]);
    assert.throws(
      () => requireEmulator(t, found, { CI: 'true' }),
      /required on CI \(CI=true\), but no java executable.*gcloud components install pubsub-emulator/,
    );
    assert.equal(requireEmulator(t, { available: true, reason: 'x' }, { CI: 'true' }), true);
  });

  test('an emulator at PUBSUB_EMULATOR_HOST comes first', () => {
    const found = discoverEmulator({ env: { PUBSUB_EMULATOR_HOST: '127.0.0.1:8681', PATH: '' } });
    assert.deepEqual(found.source, { kind: 'external', host: '127.0.0.1:8681' });
  });

  test('the Cloud CLI component jar comes before the shared copy', () => {
    const java = javaHome();
    if (java === undefined) return;
    const sdk = mkdtempSync(join(tmpdir(), 'sluice-sdk-'));
    try {
      const lib = join(sdk, 'platform', 'pubsub-emulator', 'lib');
      mkdirSync(lib, { recursive: true });
      writeFileSync(join(lib, 'cloud-pubsub-emulator-9.9.9-all.jar'), '');
      const found = discoverEmulator({ env: { JAVA_HOME: java, PATH: '' }, sdkRoots: [sdk] });
      assert.equal(found.source?.kind === 'jar' && found.source.jar, join(lib, 'cloud-pubsub-emulator-9.9.9-all.jar'));
    } finally {
      rmSync(sdk, { recursive: true, force: true });
    }
  });
});

/** JAVA_HOME of the java the harness would use, so a test can hide PATH (and gcloud) from discovery. */
function javaHome(): string | undefined {
  const found = discoverEmulator({ env: { ...process.env, PUBSUB_EMULATOR_HOST: '' } });
  return found.source?.kind === 'jar' ? dirname(dirname(realpathSync(found.source.java))) : undefined;
}
