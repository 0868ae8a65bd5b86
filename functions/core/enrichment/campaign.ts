/** The campaign columns of a row (enrichments.campaign). */
export interface CampaignColumns {
  mkt_source?: string;
  mkt_medium?: string;
  mkt_campaign?: string;
  mkt_term?: string;
  mkt_content?: string;
  mkt_clickid?: string;
  mkt_network?: string;
}

export const CAMPAIGN_FIELDS = ['mkt_source', 'mkt_medium', 'mkt_campaign', 'mkt_term', 'mkt_content'] as const;
export type CampaignField = (typeof CAMPAIGN_FIELDS)[number];

/**
 * Click-id parameters ad networks add to landing-page URLs, and the network each names. The
 * `enrichments.campaign.click_ids` setting adds to these or renames a network. Sources: each
 * network's own documentation of its auto-tagging parameter (Google Ads gclid/gbraid/wbraid and
 * Campaign Manager dclid, Microsoft Advertising msclkid, Meta fbclid, TikTok ttclid, LinkedIn
 * li_fat_id, X twclid, Yandex yclid, Pinterest epik, Snapchat ScCid).
 */
export const DEFAULT_CLICK_IDS: Readonly<Record<string, string>> = {
  gclid: 'Google',
  gbraid: 'Google',
  wbraid: 'Google',
  dclid: 'DoubleClick',
  msclkid: 'Microsoft',
  fbclid: 'Facebook',
  ttclid: 'TikTok',
  li_fat_id: 'LinkedIn',
  twclid: 'Twitter',
  yclid: 'Yandex',
  epik: 'Pinterest',
  ScCid: 'Snapchat',
};

export interface CampaignRules {
  /** For each column, the query parameters that fill it, the first one present winning. */
  readonly parameters: Readonly<Record<CampaignField, readonly string[]>>;
  /** Click-id parameter -> network, in the order they are looked for. */
  readonly clickIds: Readonly<Record<string, string>>;
}

/**
 * Campaign attribution from the page URL's query, as Snowplow's campaign attribution enrichment
 * does it: utm_* by default, each column's parameter names configurable, and the first click id
 * found giving mkt_clickid and mkt_network. Parameter names match exactly (utm_source, not
 * UTM_SOURCE), as Google Analytics reads them; empty values count as absent.
 */
export function campaignColumns(params: URLSearchParams, rules: CampaignRules): CampaignColumns {
  const columns: CampaignColumns = {};
  for (const field of CAMPAIGN_FIELDS) {
    for (const name of rules.parameters[field]) {
      const value = params.get(name);
      if (value !== null && value !== '') {
        columns[field] = value;
        break;
      }
    }
  }
  for (const name in rules.clickIds) {
    const value = params.get(name);
    if (value !== null && value !== '') {
      columns.mkt_clickid = value;
      columns.mkt_network = rules.clickIds[name] as string;
      break;
    }
  }
  return columns;
}
