import { truncateUtf8 } from '../contract/attributes.ts';
import type { RowKind } from '../contract/columns.ts';
import type { InvalidRow, ValidRow } from '../contract/rows.ts';
import { MAX_PUBSUB_REQUEST_BYTES } from '../limits.ts';

/**
 * Largest Pub/Sub message (data plus attribute names and values) a sink sends: a message under
 * this bound always fits a Publish request of its own (see MAX_PUBSUB_REQUEST_BYTES).
 */
export const MAX_PUBSUB_MESSAGE_BYTES = MAX_PUBSUB_REQUEST_BYTES;

/**
 * The same bound for the REST transport. There the 10 MB request limit applies to the JSON body,
 * where the data is base64 (4/3 of its size): a message must fit a 9 MiB body of its own once
 * encoded, so it may be at most 3/4 of that as bytes.
 */
export const MAX_PUBSUB_REST_MESSAGE_BYTES = (MAX_PUBSUB_MESSAGE_BYTES / 4) * 3 - 1024;

/**
 * The row that replaces one whose message is over {@link MAX_PUBSUB_MESSAGE_BYTES}. Publishing it
 * as it is would fail every time, so the request would be answered 503 and retried by the tracker
 * forever. Instead the event becomes a `size_exceeded` invalid row: the identifying columns are
 * kept (all small: ids, times, schema), every free-text and JSON column is left out (any of them
 * may be what made it big), and `raw` keeps the first `maxRawBytes` of the message that could not
 * be sent, so the sender can be found.
 */
export function oversizeMessageRow(
  kind: RowKind,
  row: ValidRow | InvalidRow,
  messageBytes: number,
  messageText: string,
  maxRawBytes: number,
  limitBytes: number = MAX_PUBSUB_MESSAGE_BYTES,
): InvalidRow {
  const schema = row.schema ?? null;
  return {
    event_id: row.event_id,
    collector_tstamp: row.collector_tstamp,
    event_tstamp: row.event_tstamp ?? null,
    protocol: row.protocol,
    event_name: row.event_name ?? null,
    schema,
    schema_vendor: row.schema_vendor ?? null,
    schema_name: row.schema_name ?? null,
    schema_version: row.schema_version ?? null,
    app_id: typeof row.app_id === 'string' ? truncateUtf8(row.app_id, 1024) : null,
    collector: row.collector,
    error_type: 'size_exceeded',
    errors: [
      {
        schema,
        path: '$',
        keyword: 'maxMessageSize',
        message:
          `the ${kind === 'valid' ? 'event' : 'invalid event'} is ${messageBytes} bytes as a Pub/Sub message, over the ${limitBytes} bytes one message may hold; ` +
          'it was kept as this row (raw holds its start); send smaller events or split them',
      },
    ],
    raw: truncateUtf8(messageText, maxRawBytes),
    request: kind === 'invalid' ? ((row as InvalidRow).request ?? null) : null,
  };
}
