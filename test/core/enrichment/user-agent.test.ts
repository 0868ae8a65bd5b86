import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createUserAgentParser, parseUserAgent } from '../../../functions/core/enrichment/user-agent.ts';

// Real user-agent strings, as browsers, apps and crawlers send them (copied from each vendor's
// documentation or from real traffic).
const CASES: Array<[string, Record<string, unknown>]> = [
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    {
      br_family: 'Chrome',
      br_version: '131.0.0.0',
      os_family: 'Windows',
      os_version: '10',
      dvce_type: 'desktop',
      dvce_ismobile: false,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4.1 Safari/605.1.15',
    {
      br_family: 'Safari',
      br_version: '17.4.1',
      os_family: 'Mac OS',
      os_version: '10.15.7',
      dvce_type: 'desktop',
      dvce_ismobile: false,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
    {
      br_family: 'Firefox',
      br_version: '133.0',
      os_family: 'Ubuntu',
      dvce_type: 'desktop',
      dvce_ismobile: false,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
    { br_family: 'Edge', br_version: '131.0.0.0', os_family: 'Windows', dvce_type: 'desktop', is_bot: false },
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
    {
      br_family: 'Mobile Safari',
      br_version: '17.5',
      os_family: 'iOS',
      os_version: '17.5',
      dvce_type: 'mobile',
      dvce_ismobile: true,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.81 Mobile Safari/537.36',
    {
      br_family: 'Chrome',
      br_version: '131.0.6778.81',
      os_family: 'Android',
      os_version: '14',
      dvce_type: 'mobile',
      dvce_ismobile: true,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (Linux; Android 13; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0.0.0 Mobile Safari/537.36',
    {
      br_family: 'Samsung Internet',
      br_version: '23.0',
      os_family: 'Android',
      dvce_type: 'mobile',
      dvce_ismobile: true,
      is_bot: false,
    },
  ],
  [
    'Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1',
    { br_family: 'Mobile Safari', os_family: 'iOS', dvce_type: 'tablet', dvce_ismobile: true, is_bot: false },
  ],
  [
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/470.0.0.38.109;FBBV/611000000;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.5;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]',
    { br_family: 'Facebook', os_family: 'iOS', dvce_type: 'mobile', dvce_ismobile: true, is_bot: false },
  ],
  [
    'Mozilla/5.0 (SMART-TV; Linux; Tizen 6.0) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/4.0 Chrome/76.0.3809.146 TV Safari/537.36',
    { os_family: 'Tizen', dvce_type: 'smarttv', dvce_ismobile: false, is_bot: false },
  ],
  [
    'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    { dvce_type: 'bot', dvce_ismobile: false, is_bot: true },
  ],
  ['Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)', { dvce_type: 'bot', is_bot: true }],
  [
    'Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.6778.108 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
    { dvce_type: 'bot', is_bot: true },
  ],
  ['curl/8.5.0', { is_bot: true, dvce_type: 'bot' }],
  ['python-requests/2.32.3', { is_bot: true }],
  ['Mozilla/5.0 (compatible; GPTBot/1.2; +https://openai.com/gptbot)', { is_bot: true }],
];

for (const [userAgent, expected] of CASES) {
  test(`user agent: ${userAgent.slice(0, 90)}`, () => {
    const columns = parseUserAgent(userAgent) as Record<string, unknown>;
    for (const [name, value] of Object.entries(expected)) assert.equal(columns[name], value, name);
  });
}

test('an empty user agent gives no columns; an unknown one is no device, not a desktop', () => {
  assert.deepEqual(parseUserAgent(''), {});
  assert.deepEqual(parseUserAgent('   '), {});
  const unknown = parseUserAgent('MyApp/1.0 (unknown device)');
  assert.equal(unknown.dvce_type, undefined);
  assert.equal(unknown.dvce_ismobile, undefined);
  assert.equal(unknown.is_bot, false);
});

test('hostile user agents: very long, control characters, unicode: columns or none, never a throw', () => {
  for (const userAgent of [
    `Mozilla/5.0 ${'(a; '.repeat(100_000)}`,
    'Mozilla/5.0\u0000\u0001 Chrome/1.0',
    '\u{1F600}'.repeat(1000),
    'Chrome/'.repeat(10_000),
  ]) {
    assert.doesNotThrow(() => parseUserAgent(userAgent));
  }
});

test('results are cached per string, within the bound', () => {
  const parse = createUserAgentParser(2);
  const first = parse(CASES[0]?.[0] as string);
  assert.equal(parse(CASES[0]?.[0] as string), first, 'the same object: served from the cache');
  parse(CASES[1]?.[0] as string);
  parse(CASES[2]?.[0] as string); // evicts the first
  assert.notEqual(parse(CASES[0]?.[0] as string), first, 'worked out again after eviction');
  assert.deepEqual(parse(CASES[0]?.[0] as string), first);
});
