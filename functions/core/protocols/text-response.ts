import type { ProtocolResponse } from './protocol.ts';

/**
 * A plain-text answer. `nosniff` keeps browsers from reading it as HTML: some texts quote back part
 * of the request (a refused redirect target), which must never become markup.
 */
export function textResponse(
  status: number,
  text: string,
  headers: Readonly<Record<string, string>> = {},
): ProtocolResponse {
  return {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff', ...headers },
    body: text,
  };
}

/** `200 ok`: what JSON-posting senders (self-describing, webhooks) get once their events are taken. */
export function okResponse(): ProtocolResponse {
  return textResponse(200, 'ok');
}
