import type { EnrichmentsConfig } from '../config/config.ts';
import type { InvalidRow, ValidRow } from '../contract/rows.ts';
import { ENRICHMENT_CACHE_ENTRIES } from '../limits.ts';
import { normalizeIp } from '../privacy/ip-anonymization.ts';
import type { RowBatch } from '../sink/event-sink.ts';
import { BoundedCache } from './bounded-cache.ts';
import { type CampaignColumns, type CampaignRules, campaignColumns, DEFAULT_CLICK_IDS } from './campaign.ts';
import { asnColumns, cityColumns, type GeoColumns, type IpDatabase } from './geo.ts';
import { type RefererColumns, type RefererRules, refererColumns, refererRules } from './referer.ts';
import { pageUrlColumns, parseHttpUrl, referrerUrlColumns, type UrlPartColumns, type UrlParts } from './url-parts.ts';
import { createUserAgentParser } from './user-agent.ts';

/** The MaxMind databases an instance has opened (adapters/enrichment reads them). */
export interface EnrichmentDatabases {
  readonly geo?: IpDatabase;
  readonly asn?: IpDatabase;
}

/** What the request tells the enrichments beyond its rows. */
export interface EnrichmentRequest {
  /**
   * The client's full address, before privacy.ip_anonymization; undefined for SP-Anonymous
   * requests, which get no geo columns.
   */
  readonly clientIp: string | undefined;
  /** What user_ipaddress holds for that address (the anonymized form) when the collector set it. */
  readonly storedIp: string | undefined;
}

export interface Enricher {
  /** Whether any enrichment is on: when none is, the collector skips the step. */
  readonly active: boolean;
  /**
   * While a database is still downloading (gs://), the promise of its arrival: rows wait for it
   * rather than being stored without their geo columns. Undefined once it has arrived or failed.
   */
  readonly ready: Promise<void> | undefined;
  /**
   * The batch with the enrichment columns added to every row, valid and invalid. The rows are
   * new objects (see enrichRow); the batch given is left as it is.
   */
  enrich(batch: RowBatch, request: EnrichmentRequest): RowBatch;
}

interface PageFacts {
  readonly page: UrlParts | undefined;
  readonly columns: UrlPartColumns & CampaignColumns;
}

const NO_COLUMNS: Readonly<Record<string, never>> = Object.freeze({});

export interface EnricherDatabases {
  /** Databases open now. */
  readonly databases?: EnrichmentDatabases;
  /** All the databases once the ones still downloading have arrived. */
  readonly pending?: Promise<EnrichmentDatabases>;
  /** Told when the download fails; the enricher then goes on without the databases that failed. */
  readonly onLoadFailure?: (error: unknown) => void;
}

/**
 * The enrichment step: pure functions of a row's page_url, page_referrer, useragent and the
 * client address, run on every row that is stored, so that replayed rows keep them too. Each
 * enrichment is switched by its `enrichments.*` setting; geo and ASN only when a database is given.
 * Results are cached per distinct input (bounded), since one visitor repeats them event after event.
 */
export function createEnricher(config: EnrichmentsConfig, loaded: EnricherDatabases = {}): Enricher {
  const urlParts = config.url_parts.enabled;
  const campaign: CampaignRules | undefined = config.campaign.enabled
    ? {
        parameters: {
          mkt_source: config.campaign.mkt_source,
          mkt_medium: config.campaign.mkt_medium,
          mkt_campaign: config.campaign.mkt_campaign,
          mkt_term: config.campaign.mkt_term,
          mkt_content: config.campaign.mkt_content,
        },
        clickIds: { ...DEFAULT_CLICK_IDS, ...config.campaign.click_ids },
      }
    : undefined;
  const referer: RefererRules | undefined = config.referer.enabled
    ? refererRules(config.referer.internal_domains, config.referer.sources)
    : undefined;
  const userAgent = config.user_agent.enabled ? createUserAgentParser(config.user_agent.cache_entries) : undefined;
  let { geo, asn } = loaded.databases ?? {};
  let ready: Promise<void> | undefined = loaded.pending?.then(
    (all) => {
      ({ geo, asn } = all);
      ready = undefined;
    },
    (error: unknown) => {
      ready = undefined;
      loaded.onLoadFailure?.(error);
    },
  );
  const active =
    urlParts ||
    campaign !== undefined ||
    referer !== undefined ||
    userAgent !== undefined ||
    !!geo ||
    !!asn ||
    ready !== undefined;

  const pages = new BoundedCache<PageFacts>(ENRICHMENT_CACHE_ENTRIES);
  const pageFacts = (url: string): PageFacts => {
    const page = parseHttpUrl(url);
    if (page === undefined) return { page, columns: NO_COLUMNS };
    const columns: UrlPartColumns & CampaignColumns = {
      ...(urlParts ? pageUrlColumns(page) : {}),
      ...(campaign ? campaignColumns(page.params, campaign) : {}),
    };
    return { page, columns };
  };
  const referrers = new BoundedCache<UrlPartColumns & RefererColumns>(ENRICHMENT_CACHE_ENTRIES);
  const referrerFacts = (pageHost: string | undefined, url: string) =>
    referrers.getOrCompute(`${pageHost ?? ''} ${url}`, () => {
      const referrer = parseHttpUrl(url);
      if (referrer === undefined) return NO_COLUMNS;
      return {
        ...(urlParts ? referrerUrlColumns(referrer) : {}),
        ...(referer ? refererColumns(referrer, pageHost, referer) : {}),
      };
    });
  const addresses = new BoundedCache<GeoColumns>(ENRICHMENT_CACHE_ENTRIES);
  const addressFacts = (ip: string): GeoColumns =>
    addresses.getOrCompute(ip, () => {
      const address = normalizeIp(ip);
      return { ...lookup(geo, address, cityColumns), ...lookup(asn, address, asnColumns) };
    });

  /**
   * The row and its enrichment columns as one new object, spread in one literal. Adding the 15-odd
   * columns to the row itself (Object.assign) turns it into a dictionary-mode object in V8, which
   * then costs a hash table per row and makes every sink's JSON.stringify of it slower:
   * `enriched-row` in docs/performance.md.
   */
  function enrichRow<R extends ValidRow | InvalidRow>(row: R, request: EnrichmentRequest): R {
    const page =
      typeof row.page_url === 'string' && (urlParts || campaign || referer)
        ? pages.getOrCompute(row.page_url, pageFacts)
        : undefined;
    const referrerColumns =
      typeof row.page_referrer === 'string' && (urlParts || referer)
        ? referrerFacts(page?.page?.host, row.page_referrer)
        : NO_COLUMNS;
    const agentColumns = userAgent && typeof row.useragent === 'string' ? userAgent(row.useragent) : NO_COLUMNS;
    const ip = geo || asn ? addressOf(row, request) : undefined;
    const addressColumns = ip === undefined ? NO_COLUMNS : addressFacts(ip);
    return { ...row, ...page?.columns, ...referrerColumns, ...agentColumns, ...addressColumns };
  }

  return {
    active,
    get ready() {
      return ready;
    },
    enrich(batch, request) {
      if (!active) return batch;
      return {
        valid: batch.valid.map((row) => enrichRow(row, request)),
        invalid: batch.invalid.map((row) => enrichRow(row, request)),
      };
    },
  };
}

/**
 * The address to look up: the one a tracker sent itself (Snowplow `ip=`, still whole: privacy is
 * applied after enrichment), else the request's full client address, which user_ipaddress may
 * hold only truncated. A row without any address (SP-Anonymous) gets no geo columns.
 */
function addressOf(row: ValidRow | InvalidRow, request: EnrichmentRequest): string | undefined {
  const stored = row.user_ipaddress;
  if (typeof stored === 'string' && stored !== '' && stored !== request.storedIp) return stored;
  return request.clientIp;
}

function lookup(
  database: IpDatabase | undefined,
  address: string,
  columns: (record: unknown) => GeoColumns,
): GeoColumns {
  if (database === undefined) return NO_COLUMNS;
  try {
    return columns(database.get(address));
  } catch {
    // Not an address the database can read (a tracker's ip= may hold anything): no columns.
    return NO_COLUMNS;
  }
}
