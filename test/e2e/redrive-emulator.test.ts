import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { redriveFromConfig } from '../../functions/app/replay/replay-command.ts';
import { parseReplayOptions } from '../../functions/app/replay/replay-options.ts';
import type { SluiceConfig } from '../../functions/core/config/config.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { deadLetterName } from '../../functions/core/replay/dead-letter.ts';
import type { RedriveSummaryJson } from '../../functions/core/replay/redrive-run.ts';
import {
  createSubscription,
  createTopic,
  emulatorSkipReason,
  type PubsubEmulator,
  type PulledMessage,
  publishMessages,
  pullAll,
  refuseUntilDeadLettered,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { delay } from '../support/wait-for.ts';

/**
 * The redrive end to end on the Pub/Sub emulator, which dead-letters for real: messages published
 * to the valid and invalid topics are refused by a subscription standing in for the BigQuery one
 * until Pub/Sub forwards them, with its CloudPubSubDeadLetter* attributes, to `<topic>-dead-letter`,
 * where a pull subscription of the same name holds them, as the stack creates them. The redrive
 * must send each back to its topic byte for byte with its own attributes, once.
 */
const CLI = fileURLToPath(new URL('../../functions/replay-cli.ts', import.meta.url));
/** Short, so that messages a killed redrive held come back soon. The emulator's minimum is 10 s. */
const ACK_DEADLINE_SECONDS = 10;

interface Original {
  readonly data: Buffer;
  readonly attributes: Record<string, string>;
}

/** A message as the test compares it: its bytes and its attributes, in a stable text form. */
const key = (message: { data: Uint8Array; attributes: Readonly<Record<string, string>> }) =>
  `${Buffer.from(message.data).toString('base64')} ${JSON.stringify(Object.entries(message.attributes).sort())}`;

describe('redrive of the dead letters on the Pub/Sub emulator', { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  let suite = 0;

  before(async () => {
    emulator = await startPubsubEmulator();
  });
  after(async () => {
    await emulator?.stop();
  });

  /**
   * Fresh topics as the stack makes them, `count` messages parked in each dead-letter subscription,
   * and a subscription per topic created only afterwards, which sees what the redrive publishes.
   */
  async function parkedStack(counts: Readonly<Record<'valid' | 'invalid', number>>) {
    const n = ++suite;
    const topics = { valid: `redrive-events-${n}`, invalid: `redrive-invalid-${n}` };
    const originals: Record<'valid' | 'invalid', Original[]> = { valid: [], invalid: [] };
    for (const kind of ['valid', 'invalid'] as const) {
      const topic = topics[kind];
      await createTopic(emulator, topic);
      await createTopic(emulator, deadLetterName(topic));
      await createSubscription(emulator, deadLetterName(topic), deadLetterName(topic), {
        ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
      });
      // Stands in for the BigQuery subscription (the emulator writes nothing to BigQuery).
      await createSubscription(emulator, `${topic}-bigquery`, topic, {
        ackDeadlineSeconds: ACK_DEADLINE_SECONDS,
        deadLetterPolicy: { deadLetterTopic: deadLetterName(topic), maxDeliveryAttempts: 5 },
      });
      for (let index = 0; index < counts[kind]; index++) {
        originals[kind].push({
          // Arbitrary bytes, not only JSON: the redrive must not decode or re-encode anything.
          data:
            index % 3 === 0 ? randomBytes(64) : Buffer.from(JSON.stringify({ event_id: `${kind}-${index}`, n: index })),
          attributes:
            index % 4 === 0
              ? {}
              : { valid: String(kind === 'valid'), protocol: 'snowplow', note: `ünïcode ${index} "quoted"` },
        });
      }
      await publishMessages(emulator, topic, originals[kind]);
      const refused = await refuseUntilDeadLettered(emulator, `${topic}-bigquery`);
      assert.ok(refused >= counts[kind], `each message was delivered and refused (${refused} refusals)`);
      await createSubscription(emulator, `${topic}-after`, topic);
    }
    const env: Record<string, string> = {
      SLUICE_SINK: 'pubsub',
      SLUICE_PROJECT: emulator.projectId,
      SLUICE_VALID_TOPIC: topics.valid,
      SLUICE_INVALID_TOPIC: topics.invalid,
      SLUICE_PUBSUB_EMULATOR_HOST: emulator.host,
    };
    const config: SluiceConfig = resolveConfig({
      document: {
        sink: 'pubsub',
        project: emulator.projectId,
        valid_topic: topics.valid,
        invalid_topic: topics.invalid,
        pubsub: { emulator_host: emulator.host },
      },
      source: 'test',
      env: {},
    });
    return {
      topics,
      originals,
      env,
      redrive: (args: string[]) =>
        redriveFromConfig(config, parseReplayOptions(['--source', 'dead-letter', '--idle', '1', ...args])),
      republished: (kind: 'valid' | 'invalid', expected = 0, quietMs = 500): Promise<PulledMessage[]> =>
        pullAll(emulator, `${topics[kind]}-after`, { expected, quietMs }),
    };
  }

  test('parked messages go back to their topic byte for byte with their own attributes, once; a second run publishes 0', async () => {
    const count = 12;
    const s = await parkedStack({ valid: count, invalid: count });

    const dry = await s.redrive(['--dry-run']);
    assert.equal(dry.dry_run, true);
    assert.deepEqual(dry.counts, { read: 2 * count, published: 0, failed: 0 });
    assert.deepEqual(dry.by_topic, { [s.topics.valid]: count, [s.topics.invalid]: count });
    const [first] = dry.first_messages;
    assert.equal(first?.delivery_attempts, 5, 'the reason Pub/Sub gives: how often it was refused');
    assert.equal(first?.source_subscription, `${s.topics.valid}-bigquery`);
    assert.ok(first?.first_published, 'when it was first published');
    for (const sample of dry.first_messages)
      assert.ok(!Object.keys(sample.attributes).some((name) => name.startsWith('CloudPubSubDeadLetter')));
    assert.deepEqual(await s.republished('valid'), [], 'a dry run publishes nothing');

    const run = await s.redrive([]);
    assert.equal(run.ok, true);
    assert.deepEqual(run.counts, { read: 2 * count, published: 2 * count, failed: 0 });
    for (const kind of ['valid', 'invalid'] as const) {
      const back = await s.republished(kind, count);
      assert.deepEqual(
        back.map(key).sort(),
        s.originals[kind].map(key).sort(),
        `${kind}: the same messages, each once`,
      );
    }

    const again = await s.redrive([]);
    assert.deepEqual(again.counts, { read: 0, published: 0, failed: 0 });
    assert.deepEqual(await s.republished('valid'), []);
    assert.deepEqual(await s.republished('invalid'), []);
  });

  test('a redrive killed mid-run loses nothing: the next run sends back what the first did not', {
    timeout: 120_000,
  }, async () => {
    // Enough that a run publishing one at a time cannot finish between two looks on a busy machine.
    const count = 400;
    const s = await parkedStack({ valid: count, invalid: 10 });
    const run = (args: string[]) => {
      const child = spawn(process.execPath, [CLI, '--source', 'dead-letter', '--idle', '2', ...args], {
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

    const seen: PulledMessage[] = [];
    const first = run(['--concurrency', '1', '--batch-size', '5']);
    // Kill as soon as the first messages are back: the run is then certainly mid-way.
    while (seen.length < 1) {
      seen.push(...(await s.republished('valid', 0, 50)));
      assert.equal(
        first.child.exitCode,
        null,
        `the first run ended before it could be killed: ${JSON.stringify(first.output())}`,
      );
    }
    first.child.kill('SIGKILL');
    assert.equal((await first.exited).signal, 'SIGKILL');
    seen.push(...(await s.republished('valid')));
    const invalidSeen = await s.republished('invalid');
    assert.ok(new Set(seen.map(key)).size < count, `killed mid-run (${new Set(seen.map(key)).size} of ${count} back)`);

    // What the killed run held comes back to the dead-letter subscription after its ack deadline:
    // the emulator's own clock, with nothing to poll for (a pull would take them), so this waits it out.
    await delay((ACK_DEADLINE_SECONDS + 1) * 1000);
    const second = run([]);
    const ended = await second.exited;
    assert.equal(ended.code, 0, JSON.stringify(second.output()));
    const summary = JSON.parse(second.output().stdout) as RedriveSummaryJson;
    assert.equal(summary.ok, true);
    seen.push(...(await s.republished('valid')));
    invalidSeen.push(...(await s.republished('invalid', s.originals.invalid.length - invalidSeen.length)));
    assert.deepEqual(
      [...new Set(seen.map(key))].sort(),
      [...new Set(s.originals.valid.map(key))].sort(),
      'every valid message is back',
    );
    assert.deepEqual(
      [...new Set(invalidSeen.map(key))].sort(),
      [...new Set(s.originals.invalid.map(key))].sort(),
      'every invalid message is back',
    );
    // Nothing is left parked.
    const third = await s.redrive([]);
    assert.equal(third.counts.read, 0);
  });
});
