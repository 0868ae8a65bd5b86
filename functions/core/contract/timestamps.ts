/**
 * TIMESTAMP conversions between the in-memory form (RFC 3339 text) and the wire form Pub/Sub's
 * BigQuery subscriptions document for JSON numbers: microseconds since the Unix epoch.
 * JavaScript's Date stops at milliseconds, so the sub-millisecond digits are carried separately.
 */
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** BigQuery's TIMESTAMP range: 0001-01-01 to 9999-12-31 23:59:59.999999 UTC. */
const MIN_MICROS = -62135596800000000;
// biome-ignore lint/correctness/noPrecisionLoss: the documented bound as written; a double rounds it up (see MAX_MILLIS)
const MAX_MICROS = 253402300799999999;

/**
 * Microseconds since the epoch for an RFC 3339 timestamp, or `undefined` if it is not one: every
 * field must be in its range (no 30 February, no hour 24, no offset +24:00), which Date.parse
 * does not check (it rolls 2026-02-30 over into March).
 *
 * A leap second (second 60, allowed by RFC 3339 section 5.6 only where the UTC time is 23:59) is
 * read as the first instant after it, as PostgreSQL reads it: Google's timestamps have no leap
 * seconds (google.protobuf.Timestamp: "all minutes are 60 seconds long", leap seconds smeared).
 */
export function toEpochMicros(text: string): number | undefined {
  const canonical = canonicalMicros(text);
  if (canonical !== undefined) return canonical;
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, fraction = '', zone] = match as unknown as [
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
  const y = Number(year);
  const mo = Number(month);
  const d = Number(day);
  const h = Number(hour);
  const mi = Number(minute);
  const s = Number(second);
  let offsetMinutes = 0;
  if (zone !== 'Z' && zone !== 'z') {
    const offsetHours = Number(zone.slice(1, 3));
    const offsetRest = Number(zone.slice(4, 6));
    if (offsetHours > 23 || offsetRest > 59) return undefined;
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + offsetRest);
  }
  if (mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo) || h > 23 || mi > 59) return undefined;
  const minuteOfUtcDay = (((h * 60 + mi - offsetMinutes) % 1440) + 1440) % 1440;
  if (s > 60 || (s === 60 && minuteOfUtcDay !== 1439)) return undefined;
  const millis = daysFromCivil(y, mo, d) * MILLIS_PER_DAY + ((h * 60 + mi - offsetMinutes) * 60 + s) * 1000;
  const micros = millis * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  return micros >= MIN_MICROS && micros <= MAX_MICROS ? micros : undefined;
}

/** Whether `micros` is a whole number of microseconds within BigQuery's TIMESTAMP range. */
export function isTimestampMicros(micros: number): boolean {
  return Number.isInteger(micros) && micros >= MIN_MICROS && micros <= MAX_MICROS;
}

/** RFC 3339 UTC text for microseconds since the epoch, with 3 or 6 fraction digits. */
export function fromEpochMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const extra = micros - millis * 1000;
  const text =
    millis >= MIN_MILLIS && millis <= MAX_MILLIS ? isoFromEpochMillis(millis) : new Date(millis).toISOString();
  return extra === 0 ? text : `${text.slice(0, -1)}${String(extra).padStart(3, '0')}Z`;
}

/*
 * Fast paths for the forms Sluice itself writes and reads on every event (`2026-12-02T07:10:14.123Z`
 * and `….123456Z`): the regular expression, Date.parse and Date#toISOString cost more than twice as
 * much per timestamp (`timestamp` in docs/performance.md, "Measured costs behind the code"), and
 * a tp2 event has several. Each computes exactly what
 * the general path does (test/core/contract/timestamps.test.ts compares them over the whole
 * TIMESTAMP range); anything unusual (another zone, a leap second, a field out of its range) is
 * left to the general path.
 */

const MILLIS_PER_DAY = 86_400_000;
/** Years 0001 to 9999 in milliseconds (exact, unlike MAX_MICROS, which a double rounds up into year 10000). */
const MIN_MILLIS = -62135596800000;
const MAX_MILLIS = 253402300799999;

/** Microseconds for `YYYY-MM-DDTHH:MM:SS[.fff[fff]]Z` with every field in its normal range, else undefined. */
function canonicalMicros(text: string): number | undefined {
  const length = text.length;
  if ((length !== 20 && length !== 24 && length !== 27) || text.charCodeAt(length - 1) !== 90 /* Z */) return undefined;
  if (
    text.charCodeAt(4) !== 45 ||
    text.charCodeAt(7) !== 45 ||
    text.charCodeAt(10) !== 84 ||
    text.charCodeAt(13) !== 58 ||
    text.charCodeAt(16) !== 58
  )
    return undefined;
  if (length !== 20 && text.charCodeAt(19) !== 46) return undefined;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  const fraction = length === 20 ? 0 : digitsAt(text, 20, length - 21);
  if (
    year < 0 ||
    fraction < 0 ||
    month < 1 ||
    month > 12 ||
    day < 1 ||
    day > daysInMonth(year, month) ||
    hour < 0 ||
    hour > 23 ||
    minute < 0 ||
    minute > 59 ||
    second < 0 ||
    second > 59
  ) {
    return undefined;
  }
  const millis = daysFromCivil(year, month, day) * MILLIS_PER_DAY + ((hour * 60 + minute) * 60 + second) * 1000;
  const micros = millis * 1000 + (length === 24 ? fraction * 1000 : fraction);
  return micros >= MIN_MICROS && micros <= MAX_MICROS ? micros : undefined;
}

/** The decimal number in text[from, from + count), or -1 if any of those is not a digit. */
function digitsAt(text: string, from: number, count: number): number {
  let value = 0;
  for (let index = from; index < from + count; index++) {
    const digit = text.charCodeAt(index) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

/** Date#toISOString() for a millisecond in years 0000 to 9999 (civil_from_days, the inverse of the above). */
function isoFromEpochMillis(millis: number): string {
  const days = Math.floor(millis / MILLIS_PER_DAY);
  let rest = millis - days * MILLIS_PER_DAY;
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) / 365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const shifted = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * shifted + 2) / 5) + 1;
  const month = shifted < 10 ? shifted + 3 : shifted - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  const hour = Math.floor(rest / 3_600_000);
  rest -= hour * 3_600_000;
  const minute = Math.floor(rest / 60_000);
  rest -= minute * 60_000;
  const second = Math.floor(rest / 1000);
  const milli = rest - second * 1000;
  return `${pad(year, 4)}-${pad(month, 2)}-${pad(day, 2)}T${pad(hour, 2)}:${pad(minute, 2)}:${pad(second, 2)}.${pad(milli, 3)}Z`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}

/** Normalizes any RFC 3339 timestamp to UTC text (`Z`), keeping microseconds; `undefined` if invalid. */
export function normalizeTimestamp(text: string): string | undefined {
  const micros = toEpochMicros(text);
  return micros === undefined ? undefined : fromEpochMicros(micros);
}
