/**
 * TIMESTAMP conversions between the in-memory form (RFC 3339 text) and the wire form Pub/Sub's
 * BigQuery subscriptions document for JSON numbers: microseconds since the Unix epoch.
 * JavaScript's Date stops at milliseconds, so the sub-millisecond digits are carried separately.
 */
const RFC3339 = /^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** BigQuery's TIMESTAMP range: 0001-01-01 to 9999-12-31 23:59:59.999999 UTC. */
const MIN_MICROS = -62135596800000000;
const MAX_MICROS = 253402300799999999;

/** Microseconds since the epoch for an RFC 3339 timestamp, or `undefined` if it is not one. */
export function toEpochMicros(text: string): number | undefined {
  const match = RFC3339.exec(text);
  if (!match) return undefined;
  const [, date, time, fraction = '', zone] = match as unknown as [string, string, string, string | undefined, string];
  const millis = Date.parse(`${date}T${time}${zone.toUpperCase()}`);
  if (Number.isNaN(millis)) return undefined;
  const micros = millis * 1000 + Number(fraction.padEnd(6, '0').slice(0, 6));
  return micros >= MIN_MICROS && micros <= MAX_MICROS ? micros : undefined;
}

/** RFC 3339 UTC text for microseconds since the epoch, with 3 or 6 fraction digits. */
export function fromEpochMicros(micros: number): string {
  const millis = Math.floor(micros / 1000);
  const extra = micros - millis * 1000;
  const text = new Date(millis).toISOString();
  return extra === 0 ? text : `${text.slice(0, -1)}${String(extra).padStart(3, '0')}Z`;
}

/** Normalizes any RFC 3339 timestamp to UTC text (`Z`), keeping microseconds; `undefined` if invalid. */
export function normalizeTimestamp(text: string): string | undefined {
  const micros = toEpochMicros(text);
  return micros === undefined ? undefined : fromEpochMicros(micros);
}
