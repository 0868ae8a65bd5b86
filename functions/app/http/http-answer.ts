import type { ServerResponse } from 'node:http';

/** A complete HTTP answer, built first and written once. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: string | Buffer;
}

export function jsonAnswer(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpAnswer {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

/**
 * Writes an answer; HEAD requests get the headers without the body.
 *
 * The body is handed to Node as a string: Node then sends the header block and the body in one
 * write, while a Buffer body goes out as a second chunk (a writev of two). Binary bodies (the
 * 43-byte GIF) are small, and latin1 maps each byte to one character and back unchanged.
 */
export function writeAnswer(
  response: ServerResponse,
  method: string,
  answer: HttpAnswer,
  extraHeaders: Readonly<Record<string, string | string[]>> = {},
): void {
  const { body } = answer;
  const headers: Record<string, string | string[] | number> = { ...extraHeaders, ...answer.headers };
  if (body === undefined) {
    headers['content-length'] = 0;
    response.writeHead(answer.status, headers);
    response.end();
  } else if (typeof body === 'string') {
    headers['content-length'] = Buffer.byteLength(body, 'utf8');
    response.writeHead(answer.status, headers);
    if (method === 'HEAD') response.end();
    else response.end(body, 'utf8');
  } else {
    headers['content-length'] = body.length;
    response.writeHead(answer.status, headers);
    if (method === 'HEAD') response.end();
    else if (body.length <= SINGLE_WRITE_BINARY_BYTES) response.end(body.toString('latin1'), 'latin1');
    else response.end(body);
  }
}

/** Binary bodies up to this size are sent in the header's write (see writeAnswer). */
const SINGLE_WRITE_BINARY_BYTES = 16 * 1024;
