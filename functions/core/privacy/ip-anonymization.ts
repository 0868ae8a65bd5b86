import { isIPv4, isIPv6 } from 'node:net';
import type { IpAnonymization } from '../config/config.ts';

/**
 * Client IP addresses as the `user_ipaddress` column keeps them (`privacy.ip_anonymization`).
 *
 * First, an IPv4 address in IPv6 form (`::ffff:203.0.113.7`, what a dual-stack socket reports for
 * an IPv4 client) is written as the IPv4 address it is: otherwise the same client would appear
 * under two spellings, and truncating it as IPv6 to /48 would keep it whole (the address sits in
 * the last 32 bits).
 *
 * Then, by mode:
 * - `none`: the address as normalized;
 * - `truncate`: IPv4 keeps its first three octets (`203.0.113.0`, a /24), IPv6 its first 48 bits
 *   (`2001:db8:85a3::`), the granularity commonly used for analytics IP anonymization;
 * - `drop`: no address.
 * A value that is not an IP address (trackers may send `ip=` themselves) cannot be truncated, so
 * under `truncate` it is dropped rather than kept as sent.
 */
export function anonymizeIp(value: string, mode: IpAnonymization): string | undefined {
  if (mode === 'drop') return undefined;
  const address = normalizeIp(value);
  if (mode === 'none') return address;
  if (isIPv4(address)) return `${address.slice(0, address.lastIndexOf('.'))}.0`;
  if (isIPv6(address)) return formatIpv6([...expandIpv6(address).slice(0, 3), 0, 0, 0, 0, 0]);
  return undefined;
}

const IPV4_MAPPED_PREFIX = '::ffff:';

/** `::ffff:a.b.c.d` (and `::ffff:XXXX:XXXX`) as `a.b.c.d`; any other value trimmed, as it was. */
export function normalizeIp(value: string): string {
  const address = value.trim();
  // The common case, a dual-stack socket's IPv4 client, without expanding the IPv6 form.
  if (address.startsWith(IPV4_MAPPED_PREFIX) && isIPv4(address.slice(IPV4_MAPPED_PREFIX.length)))
    return address.slice(IPV4_MAPPED_PREFIX.length);
  if (!isIPv6(address)) return address;
  const groups = expandIpv6(address);
  const mapped = groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff;
  if (!mapped) return address.toLowerCase();
  const [high, low] = [groups[6] as number, groups[7] as number];
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** The eight 16-bit groups of a valid IPv6 address (zone id ignored, embedded IPv4 read). */
function expandIpv6(address: string): number[] {
  let text = address.split('%')[0] as string;
  const lastColon = text.lastIndexOf(':');
  const last = text.slice(lastColon + 1);
  if (isIPv4(last)) {
    // Written as the two groups it stands for: `::ffff:1.2.3.4` is `::ffff:102:304`.
    const [a, b, c, d] = last.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  if (tail === undefined) return parse(head);
  const front = parse(head);
  const back = parse(tail);
  return [...front, ...Array.from({ length: 8 - front.length - back.length }, () => 0), ...back];
}

/** RFC 5952 text: lower case, no leading zeros, the longest run of zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let start = 0; start < groups.length; ) {
    if (groups[start] !== 0) {
      start++;
      continue;
    }
    let end = start;
    while (end < groups.length && groups[end] === 0) end++;
    if (end - start > bestLength) [bestStart, bestLength] = [start, end - start];
    start = end;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart === -1) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
