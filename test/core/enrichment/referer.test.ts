import assert from 'node:assert/strict';
import { test } from 'node:test';
import { refererColumns, refererRules } from '../../../functions/core/enrichment/referer.ts';
import { parseHttpUrl } from '../../../functions/core/enrichment/url-parts.ts';

const rules = refererRules([], {});
const classify = (referrer: string, pageHost = 'shop.example', withRules = rules) => {
  const parsed = parseHttpUrl(referrer);
  assert.ok(parsed, referrer);
  return refererColumns(parsed, pageHost, withRules);
};

test('search engines, with the search terms where the URL still carries them', () => {
  const cases: Array<[string, Record<string, string>]> = [
    ['https://www.google.com/', { refr_medium: 'search', refr_source: 'Google' }],
    [
      'https://www.google.co.uk/search?q=running+shoes&hl=en',
      { refr_medium: 'search', refr_source: 'Google', refr_term: 'running shoes' },
    ],
    [
      'https://www.google.de/url?sa=t&source=web&url=https://shop.example/',
      { refr_medium: 'search', refr_source: 'Google' },
    ],
    ['https://www.google.com.au/', { refr_medium: 'search', refr_source: 'Google' }],
    [
      'https://www.bing.com/search?q=sluice+collector&form=QBLH',
      { refr_medium: 'search', refr_source: 'Bing', refr_term: 'sluice collector' },
    ],
    [
      'https://duckduckgo.com/?q=event+collector&ia=web',
      { refr_medium: 'search', refr_source: 'DuckDuckGo', refr_term: 'event collector' },
    ],
    [
      'https://search.yahoo.com/search?p=bigquery+events',
      { refr_medium: 'search', refr_source: 'Yahoo!', refr_term: 'bigquery events' },
    ],
    [
      'https://yandex.ru/search/?text=%D0%BE%D0%B1%D1%83%D0%B2%D1%8C',
      { refr_medium: 'search', refr_source: 'Yandex', refr_term: 'обувь' },
    ],
    ['https://www.baidu.com/s?wd=%E9%9E%8B', { refr_medium: 'search', refr_source: 'Baidu', refr_term: '鞋' }],
    [
      'https://www.ecosia.org/search?method=index&q=shoes',
      { refr_medium: 'search', refr_source: 'Ecosia', refr_term: 'shoes' },
    ],
    [
      'https://search.brave.com/search?q=shoes&source=web',
      { refr_medium: 'search', refr_source: 'Brave Search', refr_term: 'shoes' },
    ],
  ];
  for (const [referrer, expected] of cases) assert.deepEqual(classify(referrer), expected, referrer);
});

test('social networks and their link shorteners', () => {
  const cases: Array<[string, string]> = [
    ['https://l.facebook.com/l.php?u=https%3A%2F%2Fshop.example%2F&h=AT0', 'Facebook'],
    ['https://m.facebook.com/', 'Facebook'],
    ['https://lm.facebook.com/', 'Facebook'],
    ['https://l.instagram.com/?u=https%3A%2F%2Fshop.example', 'Instagram'],
    ['https://t.co/AbCdEf123', 'Twitter'],
    ['https://x.com/someone/status/1', 'Twitter'],
    ['https://www.linkedin.com/feed/', 'LinkedIn'],
    ['https://lnkd.in/eXyZ', 'LinkedIn'],
    ['https://www.reddit.com/r/analytics/comments/abc/', 'Reddit'],
    ['https://out.reddit.com/t3_abc?url=https%3A%2F%2Fshop.example', 'Reddit'],
    ['https://www.youtube.com/', 'YouTube'],
    ['https://news.ycombinator.com/item?id=1', 'Hacker News'],
    ['https://www.pinterest.co.uk/pin/1/', 'Pinterest'],
  ];
  for (const [referrer, source] of cases)
    assert.deepEqual(classify(referrer), { refr_medium: 'social', refr_source: source }, referrer);
});

test('webmail is email, and mail.google.com is Gmail, not a Google search', () => {
  assert.deepEqual(classify('https://mail.google.com/'), { refr_medium: 'email', refr_source: 'Gmail' });
  assert.deepEqual(classify('https://outlook.live.com/mail/0/inbox'), {
    refr_medium: 'email',
    refr_source: 'Outlook.com',
  });
  assert.deepEqual(classify('https://mail.yahoo.com/d/folders/1'), {
    refr_medium: 'email',
    refr_source: 'Yahoo! Mail',
  });
});

test("internal: the page's own host, and internal_domains with their subdomains", () => {
  assert.deepEqual(classify('https://shop.example/cart'), { refr_medium: 'internal' });
  const withInternal = refererRules(['Example.NET', 'pay.example'], {});
  assert.deepEqual(classify('https://blog.example.net/post', 'shop.example', withInternal), {
    refr_medium: 'internal',
  });
  assert.deepEqual(classify('https://pay.example/return', 'shop.example', withInternal), { refr_medium: 'internal' });
  // Not fooled by a name that only ends the same way.
  assert.deepEqual(classify('https://notexample.net/', 'shop.example', withInternal), { refr_medium: 'unknown' });
});

test('any other site is unknown; look-alike hosts are not the engines they imitate', () => {
  assert.deepEqual(classify('https://blog.someone.example/review'), { refr_medium: 'unknown' });
  assert.deepEqual(classify('https://google.com.evil.example/?q=x'), { refr_medium: 'unknown' });
  assert.deepEqual(classify('https://notgoogle.com/?q=x'), { refr_medium: 'unknown' });
  assert.deepEqual(classify('https://www.google.example.com/'), { refr_medium: 'unknown' });
});

test('configured sources extend and override the list', () => {
  const extended = refererRules([], {
    'search.example': { medium: 'search', source: 'Example Search', parameters: ['query'] },
    'Bing.com': { medium: 'search', source: 'Microsoft Bing', parameters: ['q'] },
    'forum.example': { medium: 'social', source: 'Example Forum' },
  });
  assert.deepEqual(classify('https://www.search.example/s?query=shoes', 'shop.example', extended), {
    refr_medium: 'search',
    refr_source: 'Example Search',
    refr_term: 'shoes',
  });
  assert.deepEqual(classify('https://www.bing.com/', 'shop.example', extended), {
    refr_medium: 'search',
    refr_source: 'Microsoft Bing',
  });
  assert.deepEqual(classify('https://forum.example/t/1', 'shop.example', extended), {
    refr_medium: 'social',
    refr_source: 'Example Forum',
  });
});
