import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { SLUICE_CONFIG_SCHEMA } from '../../functions/core/config/config-schema.ts';
import { MAX_RAW_BYTES_CEILING } from '../../functions/core/limits.ts';

const ROOT = join(import.meta.dirname, '..', '..');

/**
 * Bounds that stay beside their code, each with the reason it is not a limit of core/limits.ts:
 * the width of a message, a format's own range, or a constant derived from a limit there.
 */
const KEPT_BESIDE_THEIR_CODE: Readonly<Record<string, string>> = {
  'functions/adapters/sink/line-buffer.ts:MAX_UTF8_BYTES_PER_UNIT': "UTF-8's own bound, an encoding fact",
  'functions/core/config/config-error.ts:MAX_VALUE_CHARS': 'how much of a bad value an error message quotes',
  'functions/core/validation/validation-issue.ts:MAX_QUOTED_VALUE_LENGTH': 'how much of a value an issue quotes',
  'functions/core/replay/redrive-run.ts:MAX_REASON_CHARS': 'how much of a dead-letter reason a summary shows',
  'functions/core/replay/redrive-run.ts:MAX_PARKED_SAMPLES': 'how many samples a summary shows',
  'functions/core/replay/replay-summary.ts:MAX_ERROR_SAMPLES': 'how many samples a summary shows',
  'functions/core/contract/timestamps.ts:MIN_MICROS': "BigQuery TIMESTAMP's range, a format",
  'functions/core/contract/timestamps.ts:MAX_MICROS': "BigQuery TIMESTAMP's range, a format",
  'functions/core/contract/timestamps.ts:MIN_MILLIS': "BigQuery TIMESTAMP's range, a format",
  'functions/core/contract/timestamps.ts:MAX_MILLIS': "BigQuery TIMESTAMP's range, a format",
  'functions/core/protocols/snowplow-event.ts:MAX_EPOCH_MILLIS': "BigQuery TIMESTAMP's range, a format",
  'functions/core/sink/oversize-message.ts:MAX_PUBSUB_MESSAGE_BYTES': 'derived from MAX_PUBSUB_REQUEST_BYTES',
  'functions/core/sink/oversize-message.ts:MAX_PUBSUB_REST_MESSAGE_BYTES': 'derived from MAX_PUBSUB_REQUEST_BYTES',
  'functions/core/validation/schema-cache.ts:MIN_REFRESH_RETRY_MS': "the cache's own refresh pacing",
  'functions/adapters/http/deadline.ts:MIN_ATTEMPT_MS': "the retry loop's own pacing",
  'functions/adapters/google/google-credentials.ts:MIN_REFRESH_INTERVAL_MS': "the token refresher's own pacing",
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

test('size and time limits (MAX_*, MIN_*) are declared in core/limits.ts, or listed here with a reason', () => {
  const found: string[] = [];
  for (const file of sourceFiles(join(ROOT, 'functions'))) {
    const path = relative(ROOT, file);
    if (path === 'functions/core/limits.ts') continue;
    for (const [, name] of readFileSync(file, 'utf8').matchAll(/^(?:export )?const ((?:MAX|MIN)_[A-Z0-9_]+)\b/gm)) {
      found.push(`${path}:${name}`);
    }
  }
  const unlisted = found.filter((key) => !(key in KEPT_BESIDE_THEIR_CODE));
  assert.deepEqual(unlisted, [], 'move these limits to functions/core/limits.ts, or list them with a reason');
  const stale = Object.keys(KEPT_BESIDE_THEIR_CODE).filter((key) => !found.includes(key));
  assert.deepEqual(stale, [], 'these are listed but no longer declared there: remove them from the list');
});

test('MAX_RAW_BYTES_CEILING is the most limits.max_raw_bytes may be configured to', () => {
  const maxRawBytes = SLUICE_CONFIG_SCHEMA.properties?.limits?.properties?.max_raw_bytes;
  assert.equal(maxRawBytes?.maximum, MAX_RAW_BYTES_CEILING);
});
