import { COLLECTOR } from '../../core/collector-info.ts';

/**
 * Headers that name Sluice on every request to a Google API, as Google's own libraries name
 * themselves: `user-agent` for logs and support, `x-goog-api-client` for Google's per-client
 * metrics (`gl-node/<node version>` and the client's name/version, as gax sends them).
 */
export const GOOGLE_CLIENT_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'user-agent': COLLECTOR,
  'x-goog-api-client': `gl-node/${process.versions.node} ${COLLECTOR}`,
});
