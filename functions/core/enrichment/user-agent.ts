import { isbot } from 'isbot';
import UAParser from 'ua-parser-js';
import { MAX_PARSED_USER_AGENT_LENGTH } from '../limits.ts';
import { BoundedCache } from './bounded-cache.ts';

/** The user-agent columns of a row (enrichments.user_agent). */
export interface UserAgentColumns {
  br_family?: string;
  br_version?: string;
  os_family?: string;
  os_version?: string;
  dvce_type?: string;
  dvce_ismobile?: boolean;
  is_bot?: boolean;
}

/** The device types ua-parser-js reports, as dvce_type keeps them. */
const DEVICE_TYPES: ReadonlySet<string> = new Set([
  'mobile',
  'tablet',
  'smarttv',
  'console',
  'wearable',
  'embedded',
  'xr',
]);

/**
 * User-agent parsing with ua-parser-js 1.x (MIT; the 2.x line is AGPL and is not used) and bot
 * detection with isbot's maintained pattern list (Unlicense). Parsing one string costs tens of
 * microseconds, and a visitor sends the same string with every event, so results are cached per
 * string, at most `cacheEntries` of them.
 *
 * - br_family / os_family: the parser's names (Chrome, Mobile Safari, Firefox, Edge; Windows,
 *   Mac OS, iOS, Android, Linux); versions as it reads them.
 * - dvce_type: the parser's device type (mobile, tablet, smarttv, console, wearable, embedded,
 *   xr); `bot` for a bot; `desktop` when the parser recognised the browser or the OS but no
 *   device type, which is how it reports computers; nothing when it recognised nothing.
 * - dvce_ismobile: true for mobile phones and tablets.
 * - is_bot: isbot's verdict; empty user agents give no columns at all.
 */
export function createUserAgentParser(cacheEntries: number): (userAgent: string) => UserAgentColumns {
  const cache = new BoundedCache<UserAgentColumns>(cacheEntries);
  return (userAgent) => cache.getOrCompute(userAgent, parseUserAgent);
}

export function parseUserAgent(userAgent: string): UserAgentColumns {
  if (userAgent.trim() === '') return {};
  const text =
    userAgent.length > MAX_PARSED_USER_AGENT_LENGTH ? userAgent.slice(0, MAX_PARSED_USER_AGENT_LENGTH) : userAgent;
  const result = new UAParser(text).getResult();
  const bot = isbot(text);
  const columns: UserAgentColumns = { is_bot: bot };
  if (result.browser.name) columns.br_family = result.browser.name;
  if (result.browser.version) columns.br_version = result.browser.version;
  if (result.os.name) columns.os_family = result.os.name;
  if (result.os.version) columns.os_version = result.os.version;
  const type = result.device.type;
  if (bot) columns.dvce_type = 'bot';
  else if (type !== undefined && DEVICE_TYPES.has(type)) columns.dvce_type = type;
  else if (result.browser.name || result.os.name) columns.dvce_type = 'desktop';
  if (columns.dvce_type !== undefined) columns.dvce_ismobile = type === 'mobile' || type === 'tablet';
  return Object.freeze(columns);
}
