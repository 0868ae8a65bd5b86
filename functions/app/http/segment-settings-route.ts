import type { InboundRequest } from '../../core/protocols/protocol.ts';
import { type HttpAnswer, jsonAnswer } from './http-answer.ts';
import type { SegmentAuthenticator } from './segment-auth.ts';

/**
 * `GET /v1/projects/<writeKey>/settings`: the settings analytics-next (the browser library) loads
 * from Segment's CDN before it sends anything. With `cdnURL` pointed at Sluice, the library gets
 * them here, and nothing leaves for Segment: the settings name Sluice itself as the API host
 * (`Segment.io.apiHost`: this request's host + `/v1`, over the scheme the request came in on,
 * `X-Forwarded-Proto` behind Google's front end), turn off remote metrics, and load no
 * destinations or plugins.
 *
 * An unknown key (with `segment.write_keys` set) is answered 404, as Segment's CDN answers one.
 * A collector behind a path prefix cannot know it: there, set `integrations['Segment.io'].apiHost`
 * in the library's load options, which win over these settings.
 */
const SETTINGS_PATH = /^\/v1\/projects\/([^/]+)\/settings$/;

/** How long browsers and proxies may keep the settings, as Segment's CDN lets them. */
const SETTINGS_MAX_AGE_SECONDS = 300;

export function isSegmentSettingsRequest(request: InboundRequest): boolean {
  return (request.method === 'GET' || request.method === 'HEAD') && SETTINGS_PATH.test(request.path);
}

export function segmentSettingsAnswer(request: InboundRequest, auth: SegmentAuthenticator): HttpAnswer {
  const encoded = SETTINGS_PATH.exec(request.path)?.[1] ?? '';
  let key: string;
  try {
    key = decodeURIComponent(encoded);
  } catch {
    key = encoded;
  }
  if (!auth.accepts(key)) {
    return jsonAnswer(404, {
      error: 'not_found',
      message: 'no settings for this write key: it is not in segment.write_keys',
    });
  }
  const host = request.headers.host ?? 'localhost';
  const forwarded = request.headers['x-forwarded-proto']?.split(',')[0]?.trim().toLowerCase();
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : 'http';
  return jsonAnswer(
    200,
    {
      integrations: { 'Segment.io': { apiKey: key, apiHost: `${host}/v1`, protocol } },
      metrics: { sampleRate: 0 },
      remotePlugins: [],
      enabledMiddleware: {},
      middlewareSettings: {},
      legacyVideoPluginsEnabled: false,
    },
    { 'cache-control': `public, max-age=${SETTINGS_MAX_AGE_SECONDS}` },
  );
}
