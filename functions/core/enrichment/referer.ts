import { DEFAULT_REFERER_SOURCES, type RefererSource } from './referer-sources.ts';
import type { UrlParts } from './url-parts.ts';

/** The referer columns of a row (enrichments.referer). */
export interface RefererColumns {
  refr_medium?: string;
  refr_source?: string;
  refr_term?: string;
}

export interface RefererRules {
  /** Hosts whose links count as internal besides the page's own (each with its subdomains). */
  readonly internalDomains: readonly string[];
  /** Sluice's list with the configured entries merged over it. */
  readonly sources: Readonly<Record<string, RefererSource>>;
}

export function refererRules(
  internalDomains: readonly string[],
  extra: Readonly<Record<string, RefererSource>>,
): RefererRules {
  return {
    internalDomains: internalDomains.map((domain) => domain.toLowerCase()),
    sources: { ...DEFAULT_REFERER_SOURCES, ...lowerCaseKeys(extra) },
  };
}

/**
 * Where a visit came from: `internal` when the referrer is the page's own host or one of
 * `internal_domains`; `search`, `social` or `email` with the site's name when the referrer's host
 * is in the list (and for a search engine the search terms, where it still puts them in the URL:
 * Google and Bing mostly no longer do); `unknown` for any other site. No referrer, or one that is
 * not an http(s) URL, gives no columns.
 */
export function refererColumns(referrer: UrlParts, pageHost: string | undefined, rules: RefererRules): RefererColumns {
  const host = referrer.host;
  if ((pageHost !== undefined && host === pageHost) || rules.internalDomains.some((domain) => within(host, domain)))
    return { refr_medium: 'internal' };
  const source = findSource(host, rules.sources);
  if (source === undefined) return { refr_medium: 'unknown' };
  const columns: RefererColumns = { refr_medium: source.medium, refr_source: source.source };
  for (const name of source.parameters ?? []) {
    const term = referrer.params.get(name);
    if (term !== null && term.trim() !== '') {
      columns.refr_term = term.trim();
      break;
    }
  }
  return columns;
}

/** The entry for a host: the longest key it is within; `name.*` keys after exact ones of the same host. */
export function findSource(host: string, sources: Readonly<Record<string, RefererSource>>): RefererSource | undefined {
  const labels = host.split('.');
  for (let start = 0; start < labels.length - 1; start++) {
    const suffix = labels.slice(start).join('.');
    const exact = sources[suffix];
    if (exact !== undefined) return exact;
    // `google.*`: the label followed by a country domain (de, co.uk, com.au) and nothing else.
    const rest = labels.length - start - 1;
    if (rest <= 2 && labels.slice(start + 1).every(isCountryDomainLabel)) {
      const wildcard = sources[`${labels[start]}.*`];
      if (wildcard !== undefined) return wildcard;
    }
  }
  return undefined;
}

/** A label of a public suffix such as `de`, `co`, `com`, `uk`: short letters only. */
function isCountryDomainLabel(label: string): boolean {
  return label.length >= 2 && label.length <= 3 && /^[a-z]+$/.test(label);
}

function within(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(domain) && host.charCodeAt(host.length - domain.length - 1) === 46); // '.'
}

function lowerCaseKeys<V>(record: Readonly<Record<string, V>>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key.toLowerCase(), value]));
}
