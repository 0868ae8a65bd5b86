import type { PrivacyConfig } from '../config/config.ts';
import type { InvalidRow, JsonValue, ValidRow } from '../contract/rows.ts';
import type { RowBatch } from '../sink/event-sink.ts';
import { isJsonObject } from '../json-object.ts';
import { anonymizeIp } from './ip-anonymization.ts';

/**
 * The `privacy` settings applied to a request's rows just before they are stored, whatever put
 * the values there: the collector (socket address, User-Agent header) or the sender (a tracker's
 * `ip=` and `ua=`). Valid and invalid rows alike, since both tables are read by people.
 */
export function applyPrivacy(batch: RowBatch, privacy: PrivacyConfig): RowBatch {
  return { valid: batch.valid.map((row) => privateRow(row, privacy)), invalid: batch.invalid.map((row) => privateRow(row, privacy)) };
}

function privateRow<R extends ValidRow | InvalidRow>(row: R, privacy: PrivacyConfig): R {
  const ip = row.user_ipaddress;
  const keptIp = typeof ip === 'string' ? (anonymizeIp(ip, privacy.ip_anonymization) ?? null) : (ip ?? null);
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
