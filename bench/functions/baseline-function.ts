/**
 * The benchmark's baseline: the least an HTTP Cloud Function can do with an event request. It is
 * served by the same functions framework as the collector (which parses the body before any user
 * code runs), reads whatever body the framework left unread, and answers 200. The collector's
 * figures divided by this one's, measured in the same run, are Sluice's own cost.
 */

import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from '@google-cloud/functions-framework';

http('baseline', (request: IncomingMessage & { rawBody?: Buffer }, response: ServerResponse) => {
  const answer = (): void => {
    response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'content-length': 2 });
    response.end('ok');
  };
  if (request.rawBody !== undefined || request.readableEnded) {
    answer();
    return;
  }
  request.on('data', () => {});
  request.on('end', answer);
  request.on('error', answer);
});
