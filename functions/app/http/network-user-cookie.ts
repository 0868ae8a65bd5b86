import { randomUUID } from 'node:crypto';
import type { CookieConfig } from '../../core/config/config.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The network user id: the collector's own cookie, the same for a browser across every site that
 * uses this collector. An existing valid cookie is kept (and its expiry renewed); anything else in
 * it is replaced, so a client cannot choose another user's id format or inject text into rows.
 */
export function networkUserId(cookieHeader: string | undefined, config: CookieConfig): string {
  const existing = readCookie(cookieHeader, config.name);
  return existing !== undefined && UUID.test(existing) ? existing.toLowerCase() : randomUUID();
}

export function setCookieHeader(id: string, config: CookieConfig, now: Date): string {
  return `${config.name}=${id}${cookieAttributes(config, Math.floor(now.getTime() / 1000))}`;
}

/**
 * Everything after `name=id`, which changes only with the second of `Expires`: made once per
 * second and configuration rather than per tracker request, which would format the date and join
 * the attributes every time.
 */
let lastAttributes: { readonly config: CookieConfig; readonly second: number; readonly text: string } | undefined;

function cookieAttributes(config: CookieConfig, second: number): string {
  if (lastAttributes !== undefined && lastAttributes.config === config && lastAttributes.second === second)
    return lastAttributes.text;
  const maxAge = config.ttl_days * 24 * 60 * 60;
  const expires = new Date((second + maxAge) * 1000).toUTCString();
  const parts = ['', `Expires=${expires}`, `Max-Age=${maxAge}`, `Path=${config.path}`];
  if (config.domain !== '') parts.push(`Domain=${config.domain}`);
  parts.push(`SameSite=${config.same_site}`);
  if (config.secure) parts.push('Secure');
  // Trackers never read it; HttpOnly keeps page scripts from reading it too.
  parts.push('HttpOnly');
  const text = parts.join('; ');
  lastAttributes = { config, second, text };
  return text;
}

function readCookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const separator = pair.indexOf('=');
    if (separator !== -1 && pair.slice(0, separator).trim() === name) return pair.slice(separator + 1).trim();
  }
  return undefined;
}
