import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromEpochMicros, normalizeTimestamp, toEpochMicros } from '../../../functions/core/contract/timestamps.ts';

// The reference the fast and general paths must equal: Date.parse for a timestamp whose every
// field is in its range, and no value for any other (Date.parse would roll 2026-02-30 into March
// and accept hour 24). Leap seconds (second 60) are checked on their own below.
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const MIN_MICROS = -62135596800000000;
// biome-ignore lint/correctness/noPrecisionLoss: the documented bound as written
const MAX_MICROS = 253402300799999999;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
function fieldsInRange(
  year: number,
  month: number,
  day: number,
  hour: number,
  minute: number,
  second: number,
  zone: string,
): boolean {
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
  const zoneOk = /^[Zz]$/.test(zone) || (Number(zone.slice(1, 3)) <= 23 && Number(zone.slice(4, 6)) <= 59);
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59 && zoneOk;
}
function referenceToMicros(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone] = match as unknown as string[] as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
    string | undefined,
    string,
  ];
  // A leap second: 23:59:60 in UTC, read as the instant after 23:59:59 + 1 s.
  const leap =
    second === '60' && Date.parse(`2000-01-01T${hour}:${minute}:00${zone.toUpperCase()}`) % 86_400_000 === 86_340_000;
  if (!fieldsInRange(+year, +month, +day, +hour, +minute, leap ? 59 : +second, zone)) return undefined;
  const millis =
    Date.parse(`${year}-${month}-${day}T${hour}:${minute}:${leap ? '59' : second}${zone.toUpperCase()}`) +
    (leap ? 1000 : 0);
  if (Number.isNaN(millis)) return undefined;
  const micros = millis * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  return micros >= MIN_MICROS && micros <= MAX_MICROS ? micros : undefined;
}
function referenceFromMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const extra = micros - millis * 1000;
  const text = new Date(millis).toISOString();
  return extra === 0 ? text : `${text.slice(0, -1)}${String(extra).padStart(3, '0')}Z`;
}

// Microseconds are JavaScript numbers, exact up to 2^53 (year 2255); beyond that both paths round alike.
const safeMicros = fc.bigInt({ min: BigInt(MIN_MICROS), max: BigInt(Number.MAX_SAFE_INTEGER) }).map(Number);
const anyMicros = fc.oneof(
  safeMicros,
  fc.constantFrom(MIN_MICROS, 0, -1, 1, 951782400000000, 951868799999999, 4107542400000000, Number.MAX_SAFE_INTEGER),
);
const two = (max: number) => fc.integer({ min: 0, max }).map((value) => String(value).padStart(2, '0'));
const timestampText = fc
  .record({
    year: fc
      .oneof(fc.integer({ min: 0, max: 9999 }), fc.constantFrom(1, 1600, 1900, 2000, 2024, 2100, 9999))
      .map((value) => String(value).padStart(4, '0')),
    month: two(13),
    day: two(32),
    hour: two(24),
    minute: two(60),
    second: two(60),
    fraction: fc.oneof(
      fc.constant(''),
      fc.stringMatching(/^\.\d{3}$/),
      fc.stringMatching(/^\.\d{6}$/),
      fc.stringMatching(/^\.\d{1,9}$/),
    ),
    separator: fc.constantFrom('T', 'T', 't', ' '),
    zone: fc.constantFrom('Z', 'Z', 'Z', 'z', '+01:00', '-23:59'),
  })
  .map(
    ({ year, month, day, hour, minute, second, fraction, separator, zone }) =>
      `${year}-${month}-${day}${separator}${hour}:${minute}:${second}${fraction}${zone}`,
  );

test('fromEpochMicros equals Date#toISOString over the whole TIMESTAMP range, and toEpochMicros reads it back', () => {
  fc.assert(
    fc.property(anyMicros, (micros) => {
      const text = fromEpochMicros(micros);
      assert.equal(text, referenceFromMicros(micros));
      assert.equal(toEpochMicros(text), micros);
    }),
    { numRuns: 20_000 },
  );
});

test('at the far end of the range, where microseconds round, the fast path rounds as the general path does', () => {
  // biome-ignore lint/correctness/noPrecisionLoss: 9999999999999999 is the double above 2^53 that rounds
  for (const micros of [MAX_MICROS, MAX_MICROS - 999, 253402300799000000, 9999999999999999]) {
    assert.equal(fromEpochMicros(micros), referenceFromMicros(micros), String(micros));
    const text = fromEpochMicros(micros);
    assert.equal(toEpochMicros(text), referenceToMicros(text), text);
  }
});

test('toEpochMicros and normalizeTimestamp equal the general path (regex and Date.parse) on every RFC 3339 form', () => {
  fc.assert(
    fc.property(timestampText, (text) => {
      const expected = referenceToMicros(text);
      assert.equal(toEpochMicros(text), expected, text);
      assert.equal(normalizeTimestamp(text), expected === undefined ? undefined : referenceFromMicros(expected), text);
    }),
    { numRuns: 20_000 },
  );
  // Leap days are dates; what Date.parse would roll over (day 31 of a 30-day month, 30 February in
  // another zone, hour 24, an offset of 24 hours) is not a timestamp.
  for (const [text, expected] of [
    ['2024-02-29T12:00:00.000Z', '2024-02-29T12:00:00.000Z'],
    ['2026-04-31T00:00:00.000Z', undefined],
    ['2026-02-29T12:00:00.000Z', undefined],
    ['2026-02-30T00:00:00+01:00', undefined],
    ['2026-12-01T24:00:00.000Z', undefined],
    ['2026-12-01T24:00:00+01:00', undefined],
    ['2026-12-01T10:00:00+24:00', undefined],
    ['2026-12-01T10:00:00-01:60', undefined],
    ['2026-00-10T10:00:00Z', undefined],
  ] as const) {
    assert.equal(normalizeTimestamp(text), expected, text);
  }
});

test('a leap second (UTC 23:59:60, RFC 3339 section 5.6) is the first instant after it; second 60 elsewhere is not a time', () => {
  for (const [text, expected] of [
    ['2016-12-31T23:59:60Z', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T23:59:60.250Z', '2017-01-01T00:00:00.250Z'],
    ['2017-01-01T00:59:60+01:00', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T18:59:60-05:00', '2017-01-01T00:00:00.000Z'],
    ['2016-12-31T22:59:60Z', undefined],
    ['2016-12-31T23:59:60+01:00', undefined],
    ['2016-12-31T23:59:61Z', undefined],
  ] as const) {
    assert.equal(normalizeTimestamp(text), expected, text);
  }
  assert.equal(toEpochMicros('2016-12-31T23:59:60.000001Z'), toEpochMicros('2017-01-01T00:00:00.000001Z'));
});
