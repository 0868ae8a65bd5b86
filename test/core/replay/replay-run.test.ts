import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { InvalidRow, ValidRow } from '../../../functions/core/contract/rows.ts';
import type { Replayer, ReplayOutcome } from '../../../functions/core/replay/replay-event.ts';
import { type ReplayRunOptions, runReplay } from '../../../functions/core/replay/replay-run.ts';
import type { ReplayItem, ReplaySource, ReplayTarget } from '../../../functions/core/replay/replay-source.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

/**
 * The replay loop with fake sources, targets and re-validation: when an item is acknowledged,
 * released or counted, whatever the outcome.
 */
type Log = string[];

function source(rows: Array<InvalidRow | { unreadable: string }>, log: Log): ReplaySource & { closed: boolean } {
  const state = {
    closed: false,
    description: 'fake source',
    async *[Symbol.asyncIterator](): AsyncIterator<ReplayItem> {
      for (const [index, row] of rows.entries()) {
        log.push(`read ${index}`);
        yield {
          id: `item ${index}`,
          row,
          ack: async () => void log.push(`ack ${index}`),
          release: async () => void log.push(`release ${index}`),
        };
      }
    },
    async close() {
      state.closed = true;
      log.push('close');
    },
  };
  return state;
}

function target(log: Log, fail: (rows: readonly ValidRow[]) => boolean = () => false): ReplayTarget {
  return {
    description: 'fake target',
    async deliver(rows) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      if (fail(rows)) throw new Error('Pub/Sub unavailable');
      log.push(`deliver ${rows.map((row) => row.event_id).join(',')}`);
      return { delivered: rows.length, alreadyPresent: 0 };
    },
    close: async () => {},
  };
}

/** Re-validation decided by the row's event_id prefix: ok-, bad-, down-, gone-. */
const replayer: Replayer = {
  async replay(row): Promise<ReplayOutcome> {
    if (row.event_id.startsWith('ok'))
      return { kind: 'rows', valid: [{ ...validRow, event_id: row.event_id }], invalid: [] };
    if (row.event_id.startsWith('gone')) return { kind: 'not_replayable', reason: 'raw was cut' };
    const errorType = row.event_id.startsWith('down') ? 'registry_unavailable' : 'validation_failed';
    return {
      kind: 'rows',
      valid: [],
      invalid: [{ ...row, error_type: errorType, errors: [{ message: `still ${errorType}` }] }],
    };
  },
};

const row = (eventId: string, extra: Partial<InvalidRow> = {}): InvalidRow => ({
  ...invalidRow,
  event_id: eventId,
  schema: 'iglu:com.acme/x/jsonschema/1-0-0',
  ...extra,
});

function options(
  rows: Array<InvalidRow | { unreadable: string }>,
  log: Log,
  extra: Partial<ReplayRunOptions> = {},
): ReplayRunOptions {
  return {
    source: source(rows, log),
    target: target(log),
    replayer,
    filter: { schemas: [], errorTypes: [] },
    dryRun: false,
    concurrency: 4,
    ...extra,
  };
}

describe('runReplay', () => {
  test('an item is acknowledged only after its valid row was delivered', async () => {
    const log: Log = [];
    const summary = await runReplay(options([row('ok-1')], log));
    assert.deepEqual(log, ['read 0', 'deliver ok-1', 'ack 0', 'close']);
    assert.equal(summary.counts.published, 1);
    assert.equal(summary.ok, true);
  });

  test('still invalid, not replayable and unreadable items are acknowledged and counted; nothing is delivered for them', async () => {
    const log: Log = [];
    const summary = await runReplay(options([row('bad-1'), row('gone-1'), { unreadable: 'not a row' }], log));
    assert.ok(!log.some((line) => line.startsWith('deliver')));
    assert.deepEqual(log.filter((line) => line.startsWith('ack')).sort(), ['ack 0', 'ack 1', 'ack 2']);
    assert.deepEqual(summary.counts, {
      read: 3,
      now_valid: 0,
      published: 0,
      already_present: 0,
      still_invalid: 1,
      not_replayable: 1,
      unreadable: 1,
      retry_later: 0,
      failed: 0,
      skipped: 0,
    });
    assert.deepEqual(summary.still_invalid_by_error_type, { validation_failed: 1 });
    assert.deepEqual(summary.still_invalid_by_schema, { 'iglu:com.acme/x/jsonschema/1-0-0': 1 });
    assert.deepEqual(
      summary.first_errors.map((sample) => [sample.outcome, sample.message]),
      [
        ['still_invalid', 'still validation_failed'],
        ['not_replayable', 'raw was cut'],
        ['unreadable', 'not a row'],
      ],
    );
  });

  test('a failed publish or an unavailable registry releases the item and makes the run not ok', async () => {
    const log: Log = [];
    const summary = await runReplay({
      ...options([row('ok-1'), row('ok-2'), row('down-1')], log),
      target: target(log, (rows) => rows[0]?.event_id === 'ok-2'),
    });
    assert.ok(log.includes('ack 0'));
    assert.ok(log.includes('release 1') && !log.includes('ack 1'), 'the unpublished item is not acknowledged');
    assert.ok(
      log.includes('release 2') && !log.includes('ack 2'),
      'an event the registry could not judge is tried again later',
    );
    assert.equal(summary.counts.failed, 1);
    assert.equal(summary.counts.retry_later, 1);
    assert.equal(summary.ok, false);
    assert.match(
      summary.first_errors.find((sample) => sample.outcome === 'failed')?.message ?? '',
      /Pub\/Sub unavailable/,
    );
  });

  test('--dry-run delivers and acknowledges nothing but counts what would pass', async () => {
    const log: Log = [];
    const summary = await runReplay(options([row('ok-1'), row('bad-1')], log, { dryRun: true }));
    assert.ok(!log.some((line) => line.startsWith('deliver') || line.startsWith('ack')), log.join('; '));
    assert.equal(summary.counts.now_valid, 1);
    assert.equal(summary.counts.published, 0);
    assert.equal(summary.dry_run, true);
  });

  test('filters skip (and release) other rows; --limit stops reading; the source is always closed', async () => {
    const log: Log = [];
    const rows = [
      row('ok-1', { error_type: 'schema_not_found' }),
      row('ok-2'),
      row('ok-3', { error_type: 'schema_not_found' }),
      row('ok-4', { error_type: 'schema_not_found' }),
    ];
    const summary = await runReplay(
      options(rows, log, { filter: { schemas: [], errorTypes: ['schema_not_found'] }, limit: 2 }),
    );
    assert.equal(summary.counts.read, 2);
    assert.equal(summary.counts.skipped, 1);
    assert.ok(log.includes('release 1'));
    assert.ok(!log.includes('read 3'), 'nothing is read after the limit');
    assert.equal(log.at(-1), 'close');
  });

  test('at most `concurrency` items are in flight', async () => {
    let inFlight = 0;
    let most = 0;
    const slow: ReplayTarget = {
      description: 'slow',
      async deliver(rows) {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setTimeout(resolve, 10));
        inFlight--;
        return { delivered: rows.length, alreadyPresent: 0 };
      },
      close: async () => {},
    };
    const summary = await runReplay({
      ...options(
        Array.from({ length: 20 }, (_, i) => row(`ok-${i}`)),
        [],
      ),
      target: slow,
      concurrency: 3,
    });
    assert.equal(summary.counts.published, 20);
    assert.equal(most, 3);
  });

  test('an abort stops reading; what was read finishes', async () => {
    const controller = new AbortController();
    const log: Log = [];
    const progress: number[] = [];
    const summary = await runReplay({
      ...options([row('ok-1'), row('ok-2'), row('ok-3')], log),
      concurrency: 1,
      signal: controller.signal,
      onProgress: (counts) => {
        progress.push(counts.read);
        controller.abort();
      },
    });
    assert.equal(summary.counts.published, 1);
    assert.ok(log.includes('release 1'), 'the item read after the abort is handed back');
    assert.ok(progress.length >= 1);
  });
});
