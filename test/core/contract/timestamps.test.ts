import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { fromEpochMicros, normalizeTimestamp, toEpochMicros } from '../../../functions/core/contract/timestamps.ts';

// The general path, as the module implemented it before its fast paths: the reference they must equal.
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;
const MIN_MICROS = -62135596800000000;
// biome-ignore lint/correctness/noPrecisionLoss: the documented bound as written
const MAX_MICROS = 253402300799999999;
function referenceToMicros(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = '', zone] = match as unknown as [string, string, string, string | undefined, string];
  const millis = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
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
  // Date.parse's overflow (day 31 of a 30-day month, hour 24) and leap days go through the general path unchanged.
  for (const text of [
    '2026-04-31T00:00:00.000Z',
    '2026-02-29T12:00:00.000Z',
    '2024-02-29T12:00:00.000Z',
    '2026-12-01T24:00:00.000Z',
    '2026-12-01T23:59:60.000Z',
  ]) {
    assert.equal(toEpochMicros(text), referenceToMicros(text), text);
  }
});
