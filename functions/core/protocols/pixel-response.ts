import type { ProtocolResponse } from './protocol.ts';
import { textResponse } from './text-response.ts';

/**
 * The answers tracking pixels and click redirects give. Every one forbids caching: a cached pixel
 * or redirect is served again without reaching the collector, and that event is lost.
 */
export const NO_CACHE = 'no-cache, no-store, must-revalidate';

/**
 * A 1×1 transparent GIF, 43 bytes: the one Snowplow's collector serves. The 42-byte variant often
 * quoted (`...AAIBRAA7`) cuts the image data short before its end-of-information code; browsers
 * forgive that, strict decoders in mail clients and proxies need not, so the complete one is used.
 */
const TRANSPARENT_GIF_BASE64 = 'R0lGODlhAQABAPAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';

/** The GIF's bytes (a fresh copy per call, so that no caller can alter another's answer). */
export function transparentGif(): Buffer {
  return Buffer.from(TRANSPARENT_GIF_BASE64, 'base64');
}

/** `200` with the transparent GIF. */
export function transparentGifResponse(): ProtocolResponse {
  return { status: 200, headers: { 'content-type': 'image/gif', 'cache-control': NO_CACHE }, body: transparentGif() };
}

/** `302` to a location already checked against the redirect allow-list. */
export function redirectResponse(location: string): ProtocolResponse {
  return { status: 302, headers: { location, 'cache-control': NO_CACHE }, body: '' };
}

/** `400` explaining why a redirect was refused (the reason names the host and the setting to change). */
export function refusedRedirectResponse(reason: string): ProtocolResponse {
  return textResponse(400, `${reason}\n`, { 'cache-control': NO_CACHE });
}
