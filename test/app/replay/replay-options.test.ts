import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseReplayOptions, REPLAY_ARGS, REPLAY_HELP } from '../../../functions/app/replay/replay-options.ts';
import { ERROR_TYPES } from '../../../functions/core/contract/columns.ts';
import { progressLine } from '../../../functions/core/replay/progress-line.ts';
import { parseTimeOption } from '../../../functions/core/replay/time-option.ts';

const NOW = new Date('2026-12-01T12:00:00Z');

describe('replay options', () => {
  test('--help explains every option and every error type', () => {
    for (const [name, spec] of Object.entries(REPLAY_ARGS)) {
      assert.match(REPLAY_HELP, new RegExp(`--${name}\\b`), `--help does not mention --${name}`);
      if ('short' in spec) assert.match(REPLAY_HELP, new RegExp(`-${spec.short}, --${name}`));
    }
    for (const type of ERROR_TYPES) assert.ok(REPLAY_HELP.includes(type), type);
  });

  test('defaults, repeated filters and counts', () => {
    const options = parseReplayOptions(
      [
        '--schema',
        'iglu:com.acme/a/jsonschema/1-0-0',
        '--schema',
        'iglu:com.acme/b/jsonschema/2-0-0',
        '--error-type',
        'schema_not_found',
        '--limit',
        '50',
      ],
      NOW,
    );
    assert.deepEqual(options.schemas, ['iglu:com.acme/a/jsonschema/1-0-0', 'iglu:com.acme/b/jsonschema/2-0-0']);
    assert.deepEqual(options.errorTypes, ['schema_not_found']);
    assert.equal(options.limit, 50);
    assert.equal(options.source, undefined, 'the default source follows the configured sink');
    assert.equal(options.dryRun, false);
    assert.equal(options.concurrency, 256);
    assert.equal(options.idleSeconds, 10);
  });

  test('--since takes durations, RFC 3339 times and dates', () => {
    assert.equal(parseReplayOptions(['--since', '2h'], NOW).since?.toISOString(), '2026-12-01T10:00:00.000Z');
    assert.equal(parseTimeOption('--since', '7d', NOW).toISOString(), '2026-11-24T12:00:00.000Z');
    assert.equal(
      parseTimeOption('--since', '2026-11-30T09:30:00+01:00', NOW).toISOString(),
      '2026-11-30T08:30:00.000Z',
    );
    assert.equal(parseTimeOption('--until', '2026-11-30', NOW).toISOString(), '2026-11-30T00:00:00.000Z');
  });

  test('mistakes are named with the fix', () => {
    const cases: Array<[string[], RegExp]> = [
      [['--source', 'kafka'], /--source "kafka" is not one of subscription, bigquery, local/],
      [['--since', 'yesterday'], /--since "yesterday" is neither a duration \(30m, 2h, 7d\) nor a time/],
      [['--since', '1h', '--until', '2h'], /--since .* must be before --until/],
      [['--schema', 'com.acme/a'], /--schema: invalid Iglu schema reference/],
      [['--error-type', 'bogus'], /--error-type "bogus" is not one of schema_not_found/],
      [['--limit', '0'], /--limit must be a whole number >= 1/],
      [['--limit', '1.5'], /--limit must be a whole number >= 1/],
      [['--since', '1h', '--snapshot', 's'], /give one/],
      [['--source', 'local', '--snapshot', 's'], /--snapshot applies to --source subscription/],
      [['--source', 'subscription', '--until', '1h'], /--until does not apply to a subscription/],
      [['--source', 'dead-letter', '--since', '2h'], /--since do not apply to --source dead-letter/],
      [
        ['--source', 'dead-letter', '--schema', 'iglu:com.acme/a/jsonschema/1-0-0', '--error-type', 'unparseable'],
        /--schema, --error-type do not apply to --source dead-letter.*use --limit/,
      ],
      [['--source', 'dead-letter', '--include-delivered'], /--include-delivered do not apply/],
      [['--frobnicate'], /Unknown option '--frobnicate'/],
      [['extra'], /positional/],
    ];
    for (const [args, message] of cases) assert.throws(() => parseReplayOptions(args, NOW), message, args.join(' '));
  });

  test('--source dead-letter takes the run options', () => {
    const options = parseReplayOptions(['--source', 'dead-letter', '--dry-run', '--limit', '5', '--idle', '2'], NOW);
    assert.equal(options.source, 'dead-letter');
    assert.equal(options.dryRun, true);
    assert.equal(options.limit, 5);
    assert.equal(options.idleSeconds, 2);
  });

  test('the progress line shows read, now valid, still invalid, rate and elapsed time', () => {
    const counts = {
      read: 120,
      now_valid: 80,
      still_invalid: 40,
      published: 80,
      already_present: 0,
      not_replayable: 0,
      unreadable: 0,
      retry_later: 0,
      failed: 0,
      skipped: 0,
    };
    assert.equal(progressLine(counts, 4000), 'replay: read 120 · now valid 80 · still invalid 40 · 30/s · 4.0s');
    assert.equal(
      progressLine({ ...counts, read: 3, failed: 1 }, 2000),
      'replay: read 3 · now valid 80 · still invalid 40 · to retry 1 · 1.5/s · 2.0s',
    );
  });
});
