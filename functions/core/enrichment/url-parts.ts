/** The URL-part columns of a row (enrichments.url_parts). */
export interface UrlPartColumns {
  page_urlhost?: string;
  page_urlpath?: string;
  page_urlquery?: string;
  page_urlfragment?: string;
  refr_urlhost?: string;
  refr_urlpath?: string;
}

/** A URL split as the columns keep it; undefined parts are absent from the URL. */
export interface UrlParts {
  readonly host: string;
  readonly path: string;
  readonly query: string | undefined;
  readonly fragment: string | undefined;
  /** The parsed query, for the campaign and referer enrichments. */
  readonly params: URLSearchParams;
}

/**
 * A page or referrer URL as WHATWG URL parsing reads it (what browsers do), so that hosts come out
 * lower-cased and punycoded, and paths percent-encoded, the same however the tracker spelled
 * them. Only http(s) URLs have the parts the columns mean; anything else (`android-app://`, a
 * relative path, free text a tracker put in `url=`) gives undefined: the row keeps the raw value
 * in page_url / page_referrer and the part columns stay empty.
 */
export function parseHttpUrl(value: string | null | undefined): UrlParts | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.hostname === '') return undefined;
  return {
    host: url.hostname,
    path: url.pathname,
    query: url.search === '' ? undefined : url.search.slice(1),
    fragment: url.hash === '' ? undefined : url.hash.slice(1),
    params: url.searchParams,
  };
}

/** The page_url* columns of a parsed page URL. */
export function pageUrlColumns(page: UrlParts): UrlPartColumns {
  const columns: UrlPartColumns = { page_urlhost: page.host, page_urlpath: page.path };
  if (page.query !== undefined) columns.page_urlquery = page.query;
  if (page.fragment !== undefined) columns.page_urlfragment = page.fragment;
  return columns;
}

/** The refr_url* columns of a parsed referrer URL. */
export function referrerUrlColumns(referrer: UrlParts): UrlPartColumns {
  return { refr_urlhost: referrer.host, refr_urlpath: referrer.path };
}
