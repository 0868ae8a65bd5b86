import type { RowMessage } from '../../core/contract/message.ts';

/**
 * A message's size as Pub/Sub counts it against its limits: the data plus every attribute name
 * and value, in bytes.
 */
export function messageSize(message: RowMessage): number {
  let size = message.data.length;
  for (const [name, value] of Object.entries(message.attributes))
    size += Buffer.byteLength(name) + Buffer.byteLength(value);
  return size;
}
