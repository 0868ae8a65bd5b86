import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bundleFunction } from '../../build/bundle-function.ts';
import {
  createTopicsWithSubscriptions,
  emulatorSkipReason,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { firstAnswer, postJson, serveBundle } from '../support/served-bundle.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The Pub/Sub SDK is bundled (it imports several times faster from one file than from
 * node_modules) into a chunk of its own that index.js loads only when the grpc transport first
 * publishes. This runs the bundle as the runtime would, against the emulator, with each transport,
 * and checks that the event arrives on the topic. For the rest transport (the default) the SDK
 * chunks are deleted first: the bundle must publish without ever loading them.
 */
for (const transport of ['rest', 'grpc'] as const) {
  test(`the bundle publishes with transport ${transport}${transport === 'rest' ? ', without the Pub/Sub SDK chunk' : ' through its bundled Pub/Sub chunk, loaded only when needed'}`, {
    timeout: 90_000,
    skip: emulatorSkipReason(),
  }, async () => {
    await mkdir(join(ROOT, 'dist'), { recursive: true });
    const outDir = await mkdtemp(join(ROOT, 'dist', 'bundle-test-'));
    const emulator = await startPubsubEmulator();
    try {
      await bundleFunction(outDir);
      const index = await readFile(join(outDir, 'index.js'), 'utf8');
      assert.ok(
        !index.includes('node_modules/@google-cloud/pubsub/'),
        'the Pub/Sub SDK must not be in index.js, so that other sinks never load it',
      );
      const chunkNames = (await readdir(join(outDir, 'chunks'))).filter((name) => name.endsWith('.js'));
      const sdkChunks: string[] = [];
      for (const name of chunkNames) {
        if ((await readFile(join(outDir, 'chunks', name), 'utf8')).includes('node_modules/@google-cloud/pubsub/'))
          sdkChunks.push(name);
      }
      assert.ok(sdkChunks.length > 0, 'the Pub/Sub SDK is bundled into a chunk');
      if (transport === 'rest') for (const name of sdkChunks) await rm(join(outDir, 'chunks', name));

      await createTopicsWithSubscriptions(emulator, ['bundle-events', 'bundle-invalid-events']);
      const served = await serveBundle(outDir, {
        PUBSUB_EMULATOR_HOST: '',
        SLUICE_CONFIG: '',
        SLUICE_SINK: 'pubsub',
        SLUICE_PUBSUB_TRANSPORT: transport,
        SLUICE_PROJECT: emulator.projectId,
        SLUICE_PUBSUB_EMULATOR_HOST: emulator.host,
        SLUICE_VALID_TOPIC: 'bundle-events',
        SLUICE_INVALID_TOPIC: 'bundle-invalid-events',
        SLUICE_REGISTRIES: `file://${join(ROOT, 'schemas')}`,
      });
      try {
        const event = {
          schema: 'iglu:com.example/checkout/jsonschema/1-0-0',
          data: { order_id: 'A-1', total: 30, currency: 'EUR' },
        };
        const response = await firstAnswer(served, '/self-describing', postJson(event), 20_000);
        assert.ok(response, `the bundle did not start: ${served.output()}`);
        assert.equal(response.status, 200, served.output());
        const messages = await pullAll(emulator, 'bundle-events-sub', { expected: 1 });
        assert.deepEqual(
          messages.map((message) => message.attributes.schema),
          [event.schema],
        );
      } finally {
        await served.stop();
      }
    } finally {
      await emulator.stop();
      await rm(outDir, { recursive: true, force: true });
    }
  });
}
