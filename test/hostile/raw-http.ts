import { connect } from 'node:net';

/**
 * An HTTP/1.1 client that sends exactly the bytes it is given: fetch and node:http refuse to send
 * much of what an attacker would (CR/LF in headers, bytes that are not UTF-8, huge headers, lying
 * lengths). One request per connection (`Connection: close`), answer read until the server closes.
 */
export interface RawRequest {
  readonly method?: string;
  /** Sent as is: not encoded, not checked. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly ms: number;
}

export function requestBytes(request: RawRequest): Buffer {
  const body =
    request.body === undefined
      ? Buffer.alloc(0)
      : Buffer.isBuffer(request.body)
        ? request.body
        : Buffer.from(request.body, 'utf8');
  const headers: Record<string, string> = { host: '127.0.0.1', connection: 'close', ...request.headers };
  if (
    !Object.keys(headers).some(
      (name) => name.toLowerCase() === 'content-length' || name.toLowerCase() === 'transfer-encoding',
    ) &&
    (body.length > 0 || request.method === 'POST')
  ) {
    headers['content-length'] = String(body.length);
  }
  const head = `${request.method ?? 'GET'} ${request.path} HTTP/1.1\r\n${Object.entries(headers)
    .map(([name, value]) => `${name}: ${value}\r\n`)
    .join('')}\r\n`;
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

/** Sends one request; rejects if no complete answer arrives within timeoutMs (a hang). */
export function sendRaw(port: number, request: RawRequest | Buffer, timeoutMs = 15_000): Promise<RawResponse> {
  const bytes = Buffer.isBuffer(request) ? request : requestBytes(request);
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {}); // a reset after the answer was read is fine; no answer is caught below
    socket.on('close', () => {
      clearTimeout(timer);
      const answer = Buffer.concat(chunks);
      const split = answer.indexOf('\r\n\r\n');
      const head = answer.subarray(0, split === -1 ? answer.length : split).toString('latin1');
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 0);
      if (status === 0) return reject(new Error(`no HTTP answer (connection closed after ${answer.length} bytes)`));
      const headers: Record<string, string> = {};
      for (const line of head.split('\r\n').slice(1)) {
        const colon = line.indexOf(':');
        if (colon <= 0) continue;
        const name = line.slice(0, colon).trim().toLowerCase();
        const value = line.slice(colon + 1).trim();
        headers[name] = headers[name] === undefined ? value : `${headers[name]}, ${value}`;
      }
      let body: Buffer = split === -1 ? Buffer.alloc(0) : answer.subarray(split + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers, body, ms: Date.now() - started });
    });
    socket.write(bytes);
  });
}

function dechunk(body: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < body.length) {
    const lineEnd = body.indexOf('\r\n', offset);
    if (lineEnd === -1) break;
    const size = parseInt(body.subarray(offset, lineEnd).toString('latin1'), 16);
    if (!(size > 0)) break;
    parts.push(body.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}
