import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type CampaignRules, campaignColumns, DEFAULT_CLICK_IDS } from '../../../functions/core/enrichment/campaign.ts';

const DEFAULT_RULES: CampaignRules = {
  parameters: {
    mkt_source: ['utm_source'],
    mkt_medium: ['utm_medium'],
    mkt_campaign: ['utm_campaign'],
    mkt_term: ['utm_term'],
    mkt_content: ['utm_content'],
  },
  clickIds: DEFAULT_CLICK_IDS,
};

const query = (url: string) => new URL(url).searchParams;

test('utm_* parameters fill the mkt_* columns, decoded', () => {
  assert.deepEqual(
    campaignColumns(
      query(
        'https://shop.example/?utm_source=newsletter&utm_medium=email&utm_campaign=spring%20sale&utm_term=running+shoes&utm_content=hero-banner',
      ),
      DEFAULT_RULES,
    ),
    {
      mkt_source: 'newsletter',
      mkt_medium: 'email',
      mkt_campaign: 'spring sale',
      mkt_term: 'running shoes',
      mkt_content: 'hero-banner',
    },
  );
});

test('click ids: gclid is Google, msclkid Microsoft, fbclid Facebook, and the rest of the list', () => {
  const cases: Array<[string, string, string]> = [
    ['https://shop.example/?gclid=EAIaIQobChMI8Jq', 'EAIaIQobChMI8Jq', 'Google'],
    ['https://shop.example/?msclkid=3f1c2e8a9b0d4c5e', '3f1c2e8a9b0d4c5e', 'Microsoft'],
    ['https://shop.example/?fbclid=IwAR2xYz_abc', 'IwAR2xYz_abc', 'Facebook'],
    ['https://shop.example/?dclid=CJKx', 'CJKx', 'DoubleClick'],
    ['https://shop.example/?ttclid=E.C.P.abc', 'E.C.P.abc', 'TikTok'],
    ['https://shop.example/?li_fat_id=5e4d3c2b', '5e4d3c2b', 'LinkedIn'],
    ['https://shop.example/?wbraid=CjkKCQ', 'CjkKCQ', 'Google'],
  ];
  for (const [url, id, network] of cases) {
    assert.deepEqual(campaignColumns(query(url), DEFAULT_RULES), { mkt_clickid: id, mkt_network: network }, url);
  }
});

test('utm and click id together; empty values count as absent', () => {
  assert.deepEqual(
    campaignColumns(
      query('https://shop.example/?utm_source=google&utm_medium=cpc&utm_campaign=&gclid=abc'),
      DEFAULT_RULES,
    ),
    { mkt_source: 'google', mkt_medium: 'cpc', mkt_clickid: 'abc', mkt_network: 'Google' },
  );
});

test('configured parameter names, the first present winning, and extra click ids', () => {
  const rules: CampaignRules = {
    parameters: { ...DEFAULT_RULES.parameters, mkt_source: ['src', 'utm_source'], mkt_medium: ['med'] },
    clickIds: { ...DEFAULT_CLICK_IDS, irclickid: 'Impact', gclid: 'Google Ads' },
  };
  assert.deepEqual(campaignColumns(query('https://shop.example/?utm_source=a&src=b&utm_medium=c'), rules), {
    mkt_source: 'b',
  });
  assert.deepEqual(campaignColumns(query('https://shop.example/?irclickid=x1'), rules), {
    mkt_clickid: 'x1',
    mkt_network: 'Impact',
  });
  assert.deepEqual(campaignColumns(query('https://shop.example/?gclid=g1'), rules), {
    mkt_clickid: 'g1',
    mkt_network: 'Google Ads',
  });
});

test('no campaign parameters, no columns; parameter names are case-sensitive like Google Analytics', () => {
  assert.deepEqual(campaignColumns(query('https://shop.example/?q=1&UTM_SOURCE=x'), DEFAULT_RULES), {});
});
