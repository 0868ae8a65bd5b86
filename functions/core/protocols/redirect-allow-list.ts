import { truncate } from '../text.ts';

/**
 * Decides whether the collector may redirect to a URL a request names (`?redirect=` of a pixel,
 * `u=` of Snowplow's `/r/tp2`). An open redirect on the collector's domain would lend that domain
 * to phishing links, so only hosts on an allow-list are redirected to: `example.com` allows exactly
 * that host, `*.example.com` any subdomain of it at any depth (not the apex, which is listed on its
 * own). Hosts compare case-insensitively, as DNS does, and a trailing dot (`example.com.`, the same
 * host) is ignored.
 */
export type RedirectDecision =
  | { readonly allowed: true; readonly location: string }
  | { readonly allowed: false; readonly reason: string };

/** C0 controls and DEL: `new URL` silently strips tabs and newlines, so they are refused first. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/**
 * `setting` names the configuration key holding `allowedDomains`, so that a refusal says what to
 * change. The allowed `location` is the URL as `new URL` serializes it: absolute, ASCII, percent-
 * encoded, safe to put in a `Location` header.
 */
export function checkRedirect(target: string, allowedDomains: readonly string[], setting: string): RedirectDecision {
  if (target === '') return { allowed: false, reason: 'the redirect target is empty; give an absolute http(s) URL' };
  if (CONTROL_CHARACTERS.test(target)) {
    return {
      allowed: false,
      reason: 'the redirect target contains control characters (such as CR or LF); percent-encode them in the URL',
    };
  }
  const url = URL.parse(target);
  if (url === null)
    return {
      allowed: false,
      reason: `the redirect target ${JSON.stringify(truncate(target, 100))} is not an absolute URL`,
    };
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return {
      allowed: false,
      reason: `the redirect target must be an http or https URL, not ${JSON.stringify(truncate(url.protocol, 20))}`,
    };
  }
  if (!hostAllowed(url.hostname, allowedDomains)) {
    const why = allowedDomains.length === 0 ? `${setting} is empty` : `it is not listed in ${setting}`;
    return {
      allowed: false,
      reason: `redirects to host "${truncate(url.hostname, 100)}" are not allowed because ${why}; add the host (or *.its-domain for its subdomains) there to allow them`,
    };
  }
  return { allowed: true, location: url.href };
}

/** Whether `host` (as `URL.hostname` gives it: lower-case, punycode) matches an allow-list entry. */
export function hostAllowed(host: string, allowedDomains: readonly string[]): boolean {
  const wanted = withoutTrailingDot(host.toLowerCase());
  if (wanted === '') return false;
  return allowedDomains.some((entry) => {
    const pattern = withoutTrailingDot(entry.trim().toLowerCase());
    if (pattern.startsWith('*.')) {
      const suffix = pattern.slice(1); // ".example.com"
      return suffix.length > 1 && wanted.length > suffix.length && wanted.endsWith(suffix);
    }
    return pattern !== '' && wanted === pattern;
  });
}

function withoutTrailingDot(host: string): string {
  return host.endsWith('.') ? host.slice(0, -1) : host;
}
