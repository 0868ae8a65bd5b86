import { toEpochMicros } from '../contract/timestamps.ts';
import { SluiceError } from '../errors.ts';

const DURATION = /^(\d{1,9})(s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * A `--since`/`--until` value: a duration back from now (`90s`, `30m`, `2h`, `7d`, `1w`), an
 * RFC 3339 time (`2026-11-30T08:00:00Z`, `2026-11-30T09:00:00+01:00`) or a UTC date (`2026-11-30`).
 */
export function parseTimeOption(option: string, value: string, now: Date = new Date()): Date {
  const duration = DURATION.exec(value.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * (UNIT_MS[duration[2] as string] as number));
  const text = DATE_ONLY.test(value.trim()) ? `${value.trim()}T00:00:00Z` : value.trim();
  const micros = toEpochMicros(text);
  if (micros === undefined) {
    throw new SluiceError(
      'replay_options',
      `${option} ${JSON.stringify(value)} is neither a duration (30m, 2h, 7d) nor a time (2026-11-30T08:00:00Z, or a date 2026-11-30)`,
    );
  }
  return new Date(Math.floor(micros / 1000));
}
