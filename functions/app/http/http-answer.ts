import type { ServerResponse } from 'node:http';

/** A complete HTTP answer, built first and written once. */
export interface HttpAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string | string[]>>;
  readonly body?: string | Buffer;
}

export function jsonAnswer(status: number, body: unknown, headers: Readonly<Record<string, string>> = {}): HttpAnswer {
  return { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers }, body: JSON.stringify(body) };
}

/** Writes an answer; HEAD requests get the headers without the body. */
export function writeAnswer(response: ServerResponse, method: string, answer: HttpAnswer, extraHeaders: Readonly<Record<string, string | string[]>> = {}): void {
  const body = answer.body === undefined ? undefined : typeof answer.body === 'string' ? Buffer.from(answer.body, 'utf8') : answer.body;
  const headers: Record<string, string | string[] | number> = { ...extraHeaders, ...answer.headers };
  headers['content-length'] = body?.length ?? 0;
  response.writeHead(answer.status, headers);
  response.end(method === 'HEAD' ? undefined : body);
}
