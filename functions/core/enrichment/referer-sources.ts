/**
 * Sluice's own list of referring sites, written for this project (Apache-2.0, like the rest of
 * it): not derived from the Snowplow/Matomo referer list, which is GPL. It names the sites that
 * send most traffic; `enrichments.referer.sources` adds to it or overrides an entry.
 *
 * Keys are host names; a key matches the host itself and any subdomain of it (`google.com`
 * matches `www.google.com`), the longest matching key winning (`mail.google.com` is Gmail, not a
 * Google search). A key ending in `.*` matches that name under any country domain
 * (`google.*`: google.de, google.co.uk, google.com.au). `parameters` name the query parameters a
 * search engine keeps the search terms in, the first one present winning.
 */
export type RefererMedium = 'search' | 'social' | 'email';

export interface RefererSource {
  readonly medium: RefererMedium;
  readonly source: string;
  readonly parameters?: readonly string[];
}

export const DEFAULT_REFERER_SOURCES: Readonly<Record<string, RefererSource>> = {
  // ---- search ----
  'google.*': { medium: 'search', source: 'Google', parameters: ['q'] },
  'bing.com': { medium: 'search', source: 'Bing', parameters: ['q'] },
  'duckduckgo.com': { medium: 'search', source: 'DuckDuckGo', parameters: ['q'] },
  'search.yahoo.com': { medium: 'search', source: 'Yahoo!', parameters: ['p', 'q'] },
  'search.yahoo.co.jp': { medium: 'search', source: 'Yahoo! Japan', parameters: ['p'] },
  'yandex.*': { medium: 'search', source: 'Yandex', parameters: ['text'] },
  'ya.ru': { medium: 'search', source: 'Yandex', parameters: ['text'] },
  'baidu.com': { medium: 'search', source: 'Baidu', parameters: ['wd', 'word'] },
  'ecosia.org': { medium: 'search', source: 'Ecosia', parameters: ['q'] },
  'qwant.com': { medium: 'search', source: 'Qwant', parameters: ['q'] },
  'startpage.com': { medium: 'search', source: 'Startpage', parameters: ['query', 'q'] },
  'search.brave.com': { medium: 'search', source: 'Brave Search', parameters: ['q'] },
  'ask.com': { medium: 'search', source: 'Ask', parameters: ['q'] },
  'search.naver.com': { medium: 'search', source: 'Naver', parameters: ['query'] },
  'search.seznam.cz': { medium: 'search', source: 'Seznam', parameters: ['q'] },
  'sogou.com': { medium: 'search', source: 'Sogou', parameters: ['query'] },
  'so.com': { medium: 'search', source: '360 Search', parameters: ['q'] },
  'search.aol.com': { medium: 'search', source: 'AOL', parameters: ['q', 'query'] },
  'perplexity.ai': { medium: 'search', source: 'Perplexity', parameters: ['q'] },
  'kagi.com': { medium: 'search', source: 'Kagi', parameters: ['q'] },
  // ---- social ----
  'facebook.com': { medium: 'social', source: 'Facebook' },
  'fb.me': { medium: 'social', source: 'Facebook' },
  'instagram.com': { medium: 'social', source: 'Instagram' },
  'threads.net': { medium: 'social', source: 'Threads' },
  'twitter.com': { medium: 'social', source: 'Twitter' },
  'x.com': { medium: 'social', source: 'Twitter' },
  't.co': { medium: 'social', source: 'Twitter' },
  'linkedin.com': { medium: 'social', source: 'LinkedIn' },
  'lnkd.in': { medium: 'social', source: 'LinkedIn' },
  'reddit.com': { medium: 'social', source: 'Reddit' },
  'youtube.com': { medium: 'social', source: 'YouTube' },
  'youtu.be': { medium: 'social', source: 'YouTube' },
  'pinterest.*': { medium: 'social', source: 'Pinterest' },
  'pin.it': { medium: 'social', source: 'Pinterest' },
  'tiktok.com': { medium: 'social', source: 'TikTok' },
  'vk.com': { medium: 'social', source: 'VKontakte' },
  'bsky.app': { medium: 'social', source: 'Bluesky' },
  'mastodon.social': { medium: 'social', source: 'Mastodon' },
  'news.ycombinator.com': { medium: 'social', source: 'Hacker News' },
  'quora.com': { medium: 'social', source: 'Quora' },
  'tumblr.com': { medium: 'social', source: 'Tumblr' },
  'weibo.com': { medium: 'social', source: 'Weibo' },
  'web.whatsapp.com': { medium: 'social', source: 'WhatsApp' },
  't.me': { medium: 'social', source: 'Telegram' },
  'discord.com': { medium: 'social', source: 'Discord' },
  // ---- email (webmail) ----
  'mail.google.com': { medium: 'email', source: 'Gmail' },
  'outlook.live.com': { medium: 'email', source: 'Outlook.com' },
  'outlook.office.com': { medium: 'email', source: 'Outlook' },
  'outlook.office365.com': { medium: 'email', source: 'Outlook' },
  'mail.yahoo.com': { medium: 'email', source: 'Yahoo! Mail' },
  'mail.proton.me': { medium: 'email', source: 'Proton Mail' },
  'mail.aol.com': { medium: 'email', source: 'AOL Mail' },
  'mail.yandex.ru': { medium: 'email', source: 'Yandex Mail' },
  'e.mail.ru': { medium: 'email', source: 'Mail.ru' },
  'mail.zoho.com': { medium: 'email', source: 'Zoho Mail' },
  'icloud.com': { medium: 'email', source: 'iCloud Mail' },
};
