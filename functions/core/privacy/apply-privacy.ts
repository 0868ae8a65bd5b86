import type { PrivacyConfig } from '../config/config.ts';
import type { InvalidRow, JsonValue, ValidRow } from '../contract/rows.ts';
import { isJsonObject } from '../json-object.ts';
import type { RowBatch } from '../sink/event-sink.ts';
import { anonymizeIp } from './ip-anonymization.ts';

/**
 * The `privacy` settings applied to a request's rows just before they are stored, whatever put
 * the values there: the collector (socket address, User-Agent header) or the sender (a tracker's
 * `ip=` and `ua=`). Valid and invalid rows alike, since both tables are read by people.
 */
export function applyPrivacy(batch: RowBatch, privacy: PrivacyConfig): RowBatch {
  // The rows of a request mostly share one address: each distinct one is worked out once.
  const seen = new Map<string, string | null>();
  const keep = (ip: string): string | null => {
    let kept = seen.get(ip);
    if (kept === undefined) {
      kept = anonymizeIp(ip, privacy.ip_anonymization) ?? null;
      seen.set(ip, kept);
    }
    return kept;
  };
  return {
    valid: batch.valid.map((row) => privateRow(row, privacy, keep)),
    invalid: batch.invalid.map((row) => privateRow(row, privacy, keep)),
  };
}

function privateRow<R extends ValidRow | InvalidRow>(
  row: R,
  privacy: PrivacyConfig,
  keep: (ip: string) => string | null,
): R {
  const ip = row.user_ipaddress;
  const keptIp = typeof ip === 'string' ? keep(ip) : (ip ?? null);
  const dropAgent = privacy.drop_useragent && (row.useragent != null || hasUserAgentHeader(row));
  if (keptIp === (ip ?? null) && !dropAgent) return row;
  const changed: Record<string, unknown> = { ...row, user_ipaddress: keptIp };
  if (privacy.drop_useragent) {
    changed.useragent = null;
    if ('request' in row && isJsonObject(row.request) && isJsonObject(row.request.headers)) {
      const { 'user-agent': _dropped, ...headers } = row.request.headers;
      changed.request = { ...row.request, headers } as JsonValue;
    }
  }
  return changed as R;
}

function hasUserAgentHeader(row: ValidRow | InvalidRow): boolean {
  const request = (row as InvalidRow).request;
  return isJsonObject(request) && isJsonObject(request.headers) && 'user-agent' in request.headers;
}
