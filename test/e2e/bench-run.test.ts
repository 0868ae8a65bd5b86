import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseBenchOptions, UsageError } from '../../bench/options.ts';
import { runBench } from '../../bench/run.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The benchmark harness itself, not the collector's speed (no timed assertion): one short run of
 * the mixed scenario against the baseline, the no-op sink and `npm start` (local sink) produces a
 * complete, well-formed report; the run fails if the local files hold fewer rows than answered events. The mix sends every protocol, so a scenario the collector stops accepting fails here.
 */
test('npm run bench: a one-second run of the mix scenario yields a well-formed report', {
  timeout: 120_000,
}, async () => {
  await mkdir(join(ROOT, 'dist'), { recursive: true });
  const dir = await mkdtemp(join(ROOT, 'dist', 'bench-test-'));
  try {
    const options = parseBenchOptions(
      [
        '--duration',
        '1',
        '--rounds',
        '1',
        '--latency-duration',
        '1',
        '--warmup',
        '0',
        '--connections',
        '4',
        '--latency-connections',
        '2',
        '--scenarios',
        'mix',
        '--sinks',
        'noop,local',
        '--cold-runs',
        '0',
        '--out',
        '',
      ],
      {},
      'unused',
    );
    const lines: string[] = [];
    const { report, markdown } = await runBench(options, (line) => lines.push(line), dir);

    assert.deepEqual(
      report.runs.map((run) => run.server),
      ['baseline', 'noop', 'local'],
    );
    for (const run of report.runs) {
      assert.equal(run.scenario, 'mix');
      assert.ok(run.max.ok > 0, `${run.server} answered no request with 2xx:\n${lines.join('\n')}`);
      assert.equal(run.max.failed, 0, lines.join('\n'));
      assert.ok(run.half !== undefined && run.half.ok > 0, `${run.server}: no half-rate latency run`);
      assert.ok(run.peakRssBytes > 0 && run.cpuMsPerRequest >= 0);
    }
    // The collector's events/s counts the 25 events of the mix's 7 requests.
    const noop = report.runs[1]!;
    assert.ok(Math.abs(noop.max.events / noop.max.ok - 25 / 7) < 1, 'events per request follow the scenario');

    assert.match(markdown, /^# Benchmark results/m);
    assert.match(markdown, new RegExp(`Node.js: ${process.version.replaceAll('.', '\\.')}`));
    const table = markdown
      .split('<!-- bench-table:start -->')[1]!
      .split('<!-- bench-table:end -->')[0]!
      .trim()
      .split('\n');
    assert.match(table[4]!, /^\| Mix, 20% invalid \| Sluice, npm start \(local sink\) \| [\d,]+ \| \d+\.\d\d× \|/);
    assert.equal(table.length, 2 + report.runs.length, 'header, separator and one row per run');
    const columns = table[0]!.split('|').length;
    for (const row of table)
      assert.equal(row.split('|').length, columns, `a row with the wrong number of cells: ${row}`);
    assert.match(table[2]!, /^\| Mix, 20% invalid \| baseline \| [\d,]+ \| 1\.00× \|/);
    assert.match(
      table[3]!,
      /^\| Mix, 20% invalid \| Sluice, no-op sink \| [\d,]+ \| \d+\.\d\d× \| [\d,]+ \| \d+\.\d\d× \|/,
    );
    assert.match(markdown, /<!-- bench-targets:start -->\n\| target \| measured \| met \|/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('bench options: flags win over BENCH_* variables, bad values are refused with the flag named', () => {
  const options = parseBenchOptions(
    ['--duration', '2'],
    { BENCH_DURATION: '9', BENCH_CONNECTIONS: '50', BENCH_SINKS: 'noop' },
    'out.md',
  );
  assert.equal(options.duration, 2);
  assert.equal(options.connections, 50);
  assert.deepEqual(options.sinks, ['noop']);
  assert.equal(options.out, '', 'a partial run (one sink) writes no report unless --out names one');
  assert.equal(parseBenchOptions([], {}, 'out.md').out, 'out.md', 'a full run writes the default report');
  assert.equal(parseBenchOptions(['--out', 'x.md', '--scenarios', 'pixel'], {}, 'out.md').out, 'x.md');
  assert.throws(
    () => parseBenchOptions(['--scenarios', 'tp2-1,nope'], {}, ''),
    (error: unknown) => error instanceof UsageError && /unknown "nope"/.test(error.message),
  );
  assert.throws(
    () => parseBenchOptions(['--duration', '0'], {}, ''),
    (error: unknown) => error instanceof UsageError && /--duration .* >= 1/.test(error.message),
  );
});
