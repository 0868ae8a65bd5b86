import type { IncomingMessage } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';

/**
 * The functions framework reads a body only when the request has a Content-Type (body-parser
 * skips requests without one), so a webhook or tracker that sends none would reach the function
 * with its body unread. This reads it from the stream, stopping one byte past `limit` (enough to
 * know it is too big), and decodes gzip/deflate/br with the same bound on the decoded size.
 */
export async function readUnparsedBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  if (!hasUnreadBody(request)) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  let size = 0;
  // Past the limit the rest is drained and dropped rather than the socket destroyed, so that the
  // sender still gets its 413 (Cloud Run caps a request at 32 MiB anyway).
  await new Promise<void>((resolve, reject) => {
    request.on('data', (chunk: Buffer) => {
      if (size <= limit) chunks.push(chunk);
      size += chunk.length;
    });
    request.on('end', resolve);
    request.on('error', reject);
  });
  return decode(Buffer.concat(chunks), request.headers['content-encoding'], limit);
}

/** Whether the request still has a body to read (a GET without one, or a body already read, has not). */
export function hasUnreadBody(request: IncomingMessage): boolean {
  return !request.readableEnded && hasBody(request);
}

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

async function decode(body: Buffer, encoding: string | undefined, limit: number): Promise<Buffer> {
  const decoder = decoderFor(encoding);
  if (!decoder) return body;
  // Streamed so that a bomb costs at most limit + 1 bytes, and those are the real first bytes
  // (an over-limit body's first bytes are kept in its size_exceeded row).
  const chunks: Buffer[] = [];
  let size = 0;
  decoder.end(body);
  try {
    for await (const chunk of decoder as AsyncIterable<Buffer>) {
      chunks.push(chunk);
      size += chunk.length;
      if (size > limit) break;
    }
  } catch {
    return body; // not really compressed: keep the bytes as sent, the protocol reports them
  }
  return Buffer.concat(chunks);
}

function decoderFor(encoding: string | undefined) {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return createGunzip();
    case 'deflate':
      return createInflate();
    case 'br':
      return createBrotliDecompress();
    default:
      return undefined;
  }
}
