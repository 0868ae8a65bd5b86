import { isIP } from 'node:net';

/**
 * The client's address, counted from the right of X-Forwarded-For.
 *
 * Every proxy appends the address it received the request from to the header, and a client can
 * send the header with anything in it. So only the entries the deployment's own proxies appended
 * can be trusted, and those are the right-most ones: with `trustedHops` proxies in front, the
 * client is the entry `trustedHops` places from the right. What Google documents (cited in
 * test/support/forwarded-for.ts):
 * - a function reached directly: Google's front end appends the address that connected to it,
 *   so the client is the last entry (trustedHops 1, the default);
 * - behind an external Application Load Balancer, which appends `<client-ip>,<load-balancer-ip>`,
 *   the client is the second entry from the right (trustedHops 2).
 * A header with fewer entries than hops (a request that reached the function without passing the
 * load balancer, or a local test) gives its left-most entry: every entry of it came from a
 * proxy. `trustedHops` 0 ignores the header for the connection's own address (`npm start` with
 * nothing in front). An entry that is not an IP address falls back to the connection's address.
 */
export function clientAddress(
  forwardedFor: string | undefined,
  socketAddress: string | undefined,
  trustedHops: number,
): string | undefined {
  if (trustedHops <= 0 || forwardedFor === undefined || forwardedFor === '') return socketAddress;
  const entries = forwardedFor.split(',');
  const index = Math.max(0, entries.length - trustedHops);
  const entry = (entries[index] as string).trim();
  return isIP(entry) === 0 ? socketAddress : entry;
}
