import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { appendFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import { LocalSink } from '../../../functions/adapters/sink/local-sink.ts';
import type { ValidRow } from '../../../functions/core/contract/rows.ts';
import { SinkUnavailableError } from '../../../functions/core/sink/event-sink.ts';
import { invalidRow, validRow } from '../../support/sample-rows.ts';

const row = (n: number, schema = validRow.schema): ValidRow => ({ ...validRow, event_id: `event-${n}`, schema });

describe('LocalSink', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-local-sink-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('group commit: requests publishing in the same tick share one append per file', async () => {
    const sink = new LocalSink(dir);
    const writes = Array.from({ length: 100 }, (_, n) =>
      sink.publish({ valid: [row(n)], invalid: n % 10 === 0 ? [{ ...invalidRow, event_id: `bad-${n}` }] : [] }),
    );
    await Promise.all(writes);
    assert.deepEqual(sink.stats(), { valid: 100, invalid: 10, appends: 2 });
    const lines = (await readFile(sink.path('valid'), 'utf8')).trimEnd().split('\n');
    assert.deepEqual(
      lines.map((line) => JSON.parse(line).event_id),
      Array.from({ length: 100 }, (_, n) => `event-${n}`),
      'rows in publish order, one per line',
    );
  });

  test('each publish resolves only once its own rows are in the file; rows arriving during a write form the next group', async () => {
    const sink = new LocalSink(dir);
    const seenAtResolve: boolean[] = [];
    const publishOne = (n: number) =>
      sink.publish({ valid: [row(n)], invalid: [] }).then(() => {
        seenAtResolve.push(readFileSync(sink.path('valid'), 'utf8').includes(`"event-${n}"`));
      });
    const first = publishOne(0);
    // Wait until the first group is being written, then publish more while it is.
    await new Promise((resolve) => setImmediate(resolve));
    const later = Array.from({ length: 20 }, (_, n) => publishOne(n + 1));
    await Promise.all([first, ...later]);
    assert.deepEqual(seenAtResolve, Array(21).fill(true));
    assert.equal(sink.stats().appends, 2, 'one append for the first request, one for the 20 that came during it');
  });

  test('a failed append rejects every request of its group with SinkUnavailableError; the sink recovers', async () => {
    const blocked = join(dir, 'blocked');
    await writeFile(blocked, 'a file where the directory should be');
    const sink = new LocalSink(blocked);
    const results = await Promise.allSettled([
      sink.publish({ valid: [row(1)], invalid: [] }),
      sink.publish({ valid: [], invalid: [invalidRow] }),
    ]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.ok(result.reason instanceof SinkUnavailableError);
      assert.match(result.reason.message, /cannot append to .*blocked/);
    }
    await rm(blocked);
    await sink.publish({ valid: [row(2)], invalid: [] });
    assert.deepEqual(
      (await sink.read('valid')).map((r) => r.event_id),
      ['event-2'],
    );
  });

  test('a row that cannot be encoded fails its own request only, not the others of its group', async () => {
    const sink = new LocalSink(dir);
    const before = sink.publish({ valid: [row(0)], invalid: [] });
    // Its first row encodes: it must leave the group with the row that does not.
    const bad = sink.publish({
      valid: [row(1), { ...row(1), payload: { n: 1n } as never }],
      invalid: [{ ...invalidRow, event_id: 'bad-1' }],
    });
    const good = sink.publish({ valid: [row(2)], invalid: [{ ...invalidRow, event_id: 'bad-2' }] });
    await assert.rejects(
      bad,
      (error: unknown) => error instanceof SinkUnavailableError && /cannot encode/.test(error.message),
    );
    await Promise.all([before, good]);
    assert.deepEqual(
      (await sink.read('valid')).map((r) => r.event_id),
      ['event-0', 'event-2'],
    );
    assert.deepEqual(
      (await sink.read('invalid')).map((r) => r.event_id),
      ['bad-2'],
    );
  });

  test('groups one after another reuse their buffers without mixing rows; a group larger than a buffer grows it', async () => {
    const sink = new LocalSink(dir);
    const titled = (n: number): ValidRow => ({
      ...row(n),
      page_title: `Produit ${n} – Boutique ${'é'.repeat(n % 7)} 😀`,
    });
    const expected: ValidRow[] = [];
    // Group sizes: small, then over the first 256 KiB buffer at once (1,200 rows), then small again.
    for (const size of [3, 1, 1200, 2, 5]) {
      const rows = Array.from({ length: size }, (_, n) => titled(expected.length + n));
      expected.push(...rows);
      await Promise.all(rows.map((one) => sink.publish({ valid: [one], invalid: [] })));
    }
    assert.deepEqual(await sink.read('valid'), expected);
    assert.equal(sink.stats().appends, 5, 'one append per group');
  });

  test('a last line cut by a crash stays a line of its own: the next rows are not glued to it', async () => {
    await mkdir(dir, { recursive: true });
    const sink = new LocalSink(dir);
    await writeFile(sink.path('valid'), `${JSON.stringify(row(1))}\n{"event_id":"cut-in-the-mid`);
    await sink.publish({ valid: [row(2)], invalid: [] });
    assert.deepEqual(
      (await sink.query('valid', { where: {}, limit: 10 })).map((r) => r.event_id),
      ['event-1', 'event-2'],
    );
  });

  test('query: filters on the indexed fields, the newest `limit` rows oldest first, rows other processes append included', async () => {
    const sink = new LocalSink(dir);
    const other = 'iglu:com.acme/other/jsonschema/1-0-0';
    await sink.publish({ valid: [row(1), row(2, other), row(3), row(4, other)], invalid: [] });
    assert.deepEqual(
      (await sink.query('valid', { where: { schema: other }, limit: 10 })).map((r) => r.event_id),
      ['event-2', 'event-4'],
    );
    assert.deepEqual(
      (await sink.query('valid', { where: {}, limit: 2 })).map((r) => r.event_id),
      ['event-3', 'event-4'],
    );
    // As `npm run replay -- --source local` does from another process.
    await appendFile(sink.path('valid'), `${JSON.stringify(row(5, other))}\nnot json\n`);
    assert.deepEqual(
      (await sink.query('valid', { where: { schema: other }, limit: 10 })).map((r) => r.event_id),
      ['event-2', 'event-4', 'event-5'],
    );
    assert.deepEqual(await sink.query('valid', { where: { event_id: 'event-3', schema: other }, limit: 10 }), []);
    assert.deepEqual(await sink.query('invalid', { where: {}, limit: 10 }), [], 'no file yet: no rows');
  });

  test('query reads only what was appended since the last query; a file emptied or replaced is indexed again', async () => {
    const sink = new LocalSink(dir);
    const rows = Array.from({ length: 100_000 }, (_, n) => row(n));
    await sink.publish({ valid: rows, invalid: [] });
    const newest = await sink.query('valid', { where: {}, limit: 1000 });
    assert.equal(newest.length, 1000);
    assert.equal(newest[0]?.event_id, 'event-99000');
    assert.equal(newest.at(-1)?.event_id, 'event-99999');
    assert.equal(sink.indexedLines('valid'), 100_000);

    await sink.publish({ valid: [row(100_000)], invalid: [] });
    assert.deepEqual(
      (await sink.query('valid', { where: { event_id: 'event-100000' }, limit: 5 })).map((r) => r.event_id),
      ['event-100000'],
    );
    assert.deepEqual(
      (await sink.query('valid', { where: { event_id: 'event-7' }, limit: 5 })).map((r) => r.event_id),
      ['event-7'],
    );
    assert.equal(sink.indexedLines('valid'), 100_001, 'the second and third query parsed the one new line only');

    // Replaced by a shorter file behind the sink's back (an editor, `> valid.ndjson`).
    await writeFile(sink.path('valid'), `${JSON.stringify(row(42))}\n`);
    assert.deepEqual(
      (await sink.query('valid', { where: {}, limit: 5 })).map((r) => r.event_id),
      ['event-42'],
    );
    // Rewritten in place (same inode) and longer than before: noticed by its first bytes.
    await writeFile(
      sink.path('valid'),
      [row(7), row(8), row(9)].map((r) => `${JSON.stringify({ ...r, app_id: 'other' })}\n`).join(''),
    );
    assert.deepEqual(
      (await sink.query('valid', { where: {}, limit: 5 })).map((r) => r.event_id),
      ['event-7', 'event-8', 'event-9'],
    );
    await sink.reset();
    assert.deepEqual(await sink.query('valid', { where: {}, limit: 5 }), []);
  });
});
