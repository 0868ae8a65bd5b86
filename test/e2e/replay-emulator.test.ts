import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Collector } from '../../functions/app/collector-handler.ts';
import { createCollectorFromConfig } from '../../functions/app/collector-instance.ts';
import { replayFromConfig } from '../../functions/app/replay/replay-command.ts';
import { parseReplayOptions } from '../../functions/app/replay/replay-options.ts';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { fromMessage } from '../../functions/core/contract/message.ts';
import { rowProblems } from '../../functions/core/contract/row-check.ts';
import type { ValidRow } from '../../functions/core/contract/rows.ts';
import { serveCollector } from '../support/framework-server.ts';
import {
  createSnapshot,
  createSubscription,
  createTopic,
  emulatorSkipReason,
  type PubsubEmulator,
  type PulledMessage,
  pullAll,
  pullOnce,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { publishSignupSchema, SIGNUP } from '../support/replay-fixtures.ts';
import { delay, waitFor } from '../support/wait-for.ts';

/**
 * Replay end to end on the Pub/Sub emulator, as the docs/replay.md recipe runs it: events that name a
 * schema the registry lacks go through the real collector to the invalid topic; the schema is
 * added; replay reads the replay subscription (retaining acknowledged messages, as the stack
 * creates it) and publishes what passes to the valid topic.
 */
const SHIPPED = pathToFileURL(new URL('../../schemas', import.meta.url).pathname).href;
const CLI = fileURLToPath(new URL('../../functions/replay-cli.ts', import.meta.url));
/** Short, so that messages a killed replay held come back soon. The emulator's minimum is 10 s. */
const ACK_DEADLINE_SECONDS = 10;

function validRowsOf(messages: readonly PulledMessage[]): ValidRow[] {
  return messages.map((message) => {
    const decoded = fromMessage(message.data, message.attributes);
    assert.equal(decoded.kind, 'valid');
    assert.equal(message.attributes.valid, 'true');
    return decoded.row as ValidRow;
  });
}

// Both transports: the collector and the replay tool's publisher use pubsub.transport.
for (const transport of ['rest', 'grpc'] as const) {
  describe(`replay on the Pub/Sub emulator (${transport})`, { skip: emulatorSkipReason() }, () => {
    let emulator: PubsubEmulator;
    let dir = '';
    let registry = '';
    let suite = 0;

    before(async () => {
      emulator = await startPubsubEmulator();
      dir = await mkdtemp(join(tmpdir(), 'sluice-replay-emu-'));
    });
    after(async () => {
      await emulator?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    /** Fresh topics, subscriptions, registry and collector for one test. */
    async function stack() {
      const n = ++suite;
      const names = {
        valid: `replay-events-${n}`,
        invalid: `replay-invalid-${n}`,
        replay: `replay-invalid-${n}-replay`,
      };
      await createTopic(emulator, names.valid);
      await createTopic(emulator, names.invalid);
      await createSubscription(emulator, `${names.valid}-sub`, names.valid);
      await createSubscription(emulator, names.replay, names.invalid, {
        retainAckedMessages: true,
        messageRetentionDuration: '604800s',
        ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
      });
      registry = join(dir, `registry-${n}`);
      await mkdir(registry);
      const document = {
        registries: [pathToFileURL(registry).href, SHIPPED],
        sink: 'pubsub',
        project: emulator.projectId,
        valid_topic: names.valid,
        invalid_topic: names.invalid,
        replay_subscription: names.replay,
        // Generous: the first publish loads the client and connects, which on a loaded 2-core
        // machine took over 3 s (a 503 for the 300 events of the kill test). No test here times it.
        pubsub: { emulator_host: emulator.host, publish_timeout_ms: 15_000, transport },
      };
      const config: SluiceConfig = resolveConfig({ document, source: 'test', env: {} });
      const collector: Collector = createCollectorFromConfig(config);
      const served = await serveCollector(collector);
      const env: Record<string, string> = {
        SLUICE_REGISTRIES: document.registries.join(','),
        SLUICE_SINK: 'pubsub',
        SLUICE_PROJECT: emulator.projectId,
        SLUICE_VALID_TOPIC: names.valid,
        SLUICE_INVALID_TOPIC: names.invalid,
        SLUICE_REPLAY_SUBSCRIPTION: names.replay,
        SLUICE_PUBSUB_EMULATOR_HOST: emulator.host,
        SLUICE_PUBSUB_TRANSPORT: transport,
      };
      return {
        names,
        config,
        env,
        base: served.base,
        async close() {
          await served.close();
          await collector.sink.close();
        },
        send: (events: unknown[]) =>
          fetch(`${served.base}/self-describing`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(events),
          }),
        replay: (args: string[]) =>
          replayFromConfig(config, 'subscription', parseReplayOptions(['--idle', '1', ...args])),
        async validRows(expected = 0): Promise<ValidRow[]> {
          return validRowsOf(await pullAll(emulator, `${names.valid}-sub`, { expected, quietMs: 500 }));
        },
        /** The valid rows there are now, without waiting for more. */
        async validRowsNow(): Promise<ValidRow[]> {
          return validRowsOf(await pullOnce(emulator, `${names.valid}-sub`));
        },
      };
    }

    test('after the schema is added each event appears once on the valid topic; a second run adds nothing; --since re-reads', async () => {
      const s = await stack();
      try {
        const sentAt = new Date(Date.now() - 1000);
        const response = await s.send([
          { schema: SIGNUP, data: { email: 'a@example.com' } },
          { schema: SIGNUP, data: { email: 'b@example.com', plan: 'pro' } },
          {
            schema: SIGNUP,
            data: { email: 'c@example.com' },
            contexts: [{ schema: SIGNUP, data: { email: 'ctx@example.com' } }],
          },
          { schema: SIGNUP, data: { email: 'd@example.com', plan: 'gold' } }, // fails the schema once it exists
        ]);
        assert.equal(response.status, 200);
        assert.deepEqual(await s.validRows(), [], 'all four are invalid while the schema is missing');
        const invalid = await pullAll(emulator, s.names.replay, { expected: 4, timeoutMs: 5000 });
        assert.equal(invalid.length, 4);
        const invalidRows = invalid.map((message) => fromMessage(message.data, message.attributes).row);
        const stillFailing = invalidRows.find((row) => (row.payload as { plan?: string }).plan === 'gold')?.event_id;
        const expectedIds = invalidRows
          .map((row) => row.event_id)
          .filter((id) => id !== stillFailing)
          .sort();
        // pullAll acknowledged them: seek back, as a user whose first replay found nothing would.
        await publishSignupSchema(registry);

        const dry = await s.replay(['--dry-run']);
        assert.equal(dry.counts.read, 0, 'nothing unacknowledged before the seek');
        const rewound = await s.replay(['--since', sentAt.toISOString(), '--limit', '1000']);
        assert.equal(rewound.ok, true);
        assert.equal(rewound.counts.read, 4);
        assert.equal(rewound.counts.published, 3);
        assert.equal(rewound.counts.still_invalid, 1);
        assert.deepEqual(rewound.still_invalid_by_error_type, { validation_failed: 1 });
        const published = await s.validRows(3);
        assert.deepEqual(published.map((row) => row.event_id).sort(), expectedIds);
        for (const row of published) {
          assert.deepEqual(rowProblems('valid', row), []);
          assert.equal(row.replay_count, 1);
          assert.ok(row.replayed_at);
          const original = invalidRows.find((candidate) => candidate.event_id === row.event_id);
          assert.equal(row.collector_tstamp, original?.collector_tstamp);
        }

        const again = await s.replay([]);
        assert.equal(again.counts.read, 0);
        assert.deepEqual(await s.validRows(), [], 'a second replay of the same window publishes nothing');

        const reread = await s.replay(['--since', sentAt.toISOString()]);
        assert.equal(reread.counts.read, 4);
        assert.deepEqual(
          (await s.validRows(3)).map((row) => row.event_id).sort(),
          expectedIds,
          '--since re-reads the same event_ids only',
        );
      } finally {
        await s.close();
      }
    });

    test('--dry-run publishes nothing and acknowledges nothing; --schema leaves other events; --snapshot re-reads', async () => {
      const s = await stack();
      try {
        await s.send([
          { schema: SIGNUP, data: { email: 'a@example.com' } },
          { schema: SIGNUP, data: { email: 'b@example.com' } },
        ]);
        await publishSignupSchema(registry);
        await createSnapshot(emulator, `${s.names.replay}-before`, s.names.replay);
        const other = await s.replay(['--schema', 'iglu:com.acme/other/jsonschema/1-0-0']);
        assert.equal(other.counts.read, 0);
        assert.equal(other.counts.skipped, 2, 'events of other schemas are left unacknowledged for another replay');
        const dry = await s.replay(['--dry-run']);
        assert.equal(dry.dry_run, true);
        assert.equal(dry.counts.read, 2);
        assert.equal(dry.counts.now_valid, 2);
        assert.equal(dry.counts.published, 0);
        assert.deepEqual(await s.validRows(), []);
        // Nothing was acknowledged: the real run finds both at once.
        const real = await s.replay([]);
        assert.equal(real.counts.read, 2);
        assert.equal(real.counts.published, 2);
        assert.equal((await s.validRows(2)).length, 2);
        // --snapshot seeks back to the state before the replay acknowledged them.
        const fromSnapshot = await s.replay(['--snapshot', `${s.names.replay}-before`]);
        assert.equal(fromSnapshot.counts.read, 2);
        assert.equal((await s.validRows(2)).length, 2);
      } finally {
        await s.close();
      }
    });

    test('a replay killed mid-run and started again ends with every now-valid event published', {
      timeout: 120_000,
    }, async () => {
      const s = await stack();
      const total = 300;
      try {
        const events = Array.from({ length: total }, (_, index) => ({
          schema: SIGNUP,
          data: { email: `user-${index}@example.com` },
        }));
        assert.equal((await s.send(events)).status, 200);
        await publishSignupSchema(registry);

        const run = (args: string[]) => {
          const child = spawn(process.execPath, [CLI, '--source', 'subscription', '--idle', '2', ...args], {
            env: { ...process.env, ...s.env },
            stdio: ['ignore', 'pipe', 'pipe'],
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
          const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
            child.on('exit', (code, signal) => resolve({ code, signal })),
          );
          return { child, exited, output: () => ({ stdout, stderr }) };
        };

        const seen: string[] = [];
        const first = run(['--concurrency', '1', '--batch-size', '10']);
        // Kill at the first replayed event (one pull at a time, each returning at once): the run
        // publishes 10 at a time, so most of the 300 are then certainly still to come.
        await waitFor(
          async () => {
            assert.equal(
              first.child.exitCode,
              null,
              `the first run ended before it could be killed: ${JSON.stringify(first.output())}`,
            );
            seen.push(...(await s.validRowsNow()).map((row) => row.event_id));
            return seen.length > 0;
          },
          { timeoutMs: 60_000, what: 'the first replayed event' },
        );
        first.child.kill('SIGKILL');
        console.log(`# killed with ${new Set(seen).size} of ${total} replayed`);
        const killed = await first.exited;
        assert.equal(killed.signal, 'SIGKILL');
        seen.push(...(await s.validRows()).map((row) => row.event_id));
        assert.ok(
          new Set(seen).size < total,
          `the first run was killed mid-run (${new Set(seen).size} of ${total} published)`,
        );

        // Messages the killed run held come back when their ack deadline expires: the emulator's
        // own clock, with nothing to poll for (a pull would take them), so this waits it out.
        await delay((ACK_DEADLINE_SECONDS + 1) * 1000);
        const second = run([]);
        const ended = await second.exited;
        assert.equal(ended.code, 0, JSON.stringify(second.output()));
        const summary = JSON.parse(second.output().stdout) as { counts: { published: number; still_invalid: number } };
        assert.equal(summary.counts.still_invalid, 0);
        seen.push(...(await s.validRows()).map((row) => row.event_id));
        assert.equal(new Set(seen).size, total, 'every now-valid event was published');
      } finally {
        await s.close();
      }
    });
  });
}
