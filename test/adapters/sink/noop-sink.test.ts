import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createNoopSink, NoopSink } from '../../../functions/adapters/sink/noop-sink.ts';
import type { EventSink } from '../../../functions/core/sink/event-sink.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

describe('NoopSink', () => {
  test('accepts every batch and counts rows per table and calls', async () => {
    const sink: NoopSink = createNoopSink();
    const port: EventSink = sink;
    await port.publish({ valid: [validRow, validRow], invalid: [invalidRow] });
    await port.publish({ valid: [], invalid: [] });
    await port.publish({ valid: [validRow], invalid: [] });
    assert.deepEqual(sink.stats(), { valid: 3, invalid: 1, publishCalls: 3 });
  });

  test('does not encode rows: even an unencodable row is accepted', async () => {
    const sink = new NoopSink();
    await sink.publish({ valid: [{ ...validRow, event_tstamp: 'yesterday' }], invalid: [] });
    assert.equal(sink.stats().valid, 1);
  });

  test('close() resolves and keeps the counters readable', async () => {
    const sink = new NoopSink();
    await sink.publish({ valid: [validRow], invalid: [] });
    await sink.close();
    await sink.close();
    assert.deepEqual(sink.stats(), { valid: 1, invalid: 0, publishCalls: 1 });
  });
});
