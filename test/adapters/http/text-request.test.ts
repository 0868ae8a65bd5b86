import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import {
  AnswerTooLargeError,
  HttpRequestError,
  KEEP_ALIVE_IDLE_MS,
  keepAliveAgent,
  requestBody,
  requestText,
} from '../../../functions/adapters/http/text-request.ts';
import { freePort } from '../../support/free-port.ts';
import { NODE_SERVER_KEEP_ALIVE_MS } from '../../support/google-client-behaviour.ts';
import { waitFor } from '../../support/wait-for.ts';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  readonly remotePort: number;
}

describe('requestText', () => {
  let server: Server;
  let base: string;
  const seen: Seen[] = [];
  const closedSockets: number[] = [];
  let handler: (request: IncomingMessage, response: ServerResponse, body: string) => void = (_request, response) =>
    response.end('ok');

  before(async () => {
    server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body,
          remotePort: request.socket.remotePort ?? 0,
        });
        handler(request, response, body);
      });
    });
    server.on('connection', (socket) => {
      const port = socket.remotePort ?? 0;
      socket.on('close', () => closedSockets.push(port));
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  test('sends the method, headers and a UTF-8 body with its byte length, and returns status and text of any status', async () => {
    handler = (_request, response, body) => {
      response.writeHead(body.includes('fail') ? 503 : 200, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ echoed: body }));
    };
    const body = '{"data":"café ☕ fail"}';
    const answer = await requestText(`${base}/v1/x:publish`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(answer.status, 503);
    assert.deepEqual(JSON.parse(answer.text), { echoed: body });
    const last = seen.at(-1)!;
    assert.equal(last.method, 'POST');
    assert.equal(last.url, '/v1/x:publish');
    assert.equal(last.headers['content-length'], String(Buffer.byteLength(body)));
    assert.equal(last.headers['content-type'], 'application/json');
    const plain = await requestText(`${base}/get`, { headers: { 'Metadata-Flavor': 'Google' } });
    assert.equal(plain.status, 200);
    assert.equal(plain.text, JSON.stringify({ echoed: '' }));
    assert.equal(plain.headers['content-type'], 'application/json', "the answer's headers");
    assert.equal(seen.at(-1)!.method, 'GET');
    assert.equal(seen.at(-1)!.headers['metadata-flavor'], 'Google');
  });

  test('keeps the connection alive: sequential requests share one socket', async () => {
    handler = (_request, response) => response.end('ok');
    const from = seen.length;
    for (let i = 0; i < 3; i++) assert.equal((await requestText(`${base}/again`)).text, 'ok');
    const ports = new Set(seen.slice(from).map((entry) => entry.remotePort));
    assert.equal(ports.size, 1, `one socket for three requests, saw ports ${[...ports].join(', ')}`);
  });

  test("an abort rejects with the signal's reason and drops the connection; an already aborted signal sends nothing", async () => {
    handler = () => {}; // never answers
    const controller = new AbortController();
    const pending = requestText(`${base}/hang`, { method: 'POST', body: 'x', signal: controller.signal });
    await waitFor(() => seen.some((entry) => entry.url === '/hang'), { what: 'the request to arrive' });
    const hungPort = seen.find((entry) => entry.url === '/hang')!.remotePort;
    controller.abort(new DOMException('no answer within 5 ms', 'TimeoutError'));
    await assert.rejects(
      pending,
      (error: Error) => error.name === 'TimeoutError' && error.message === 'no answer within 5 ms',
    );
    await waitFor(() => closedSockets.includes(hungPort), { what: 'the aborted connection to close' });

    const count = seen.length;
    await assert.rejects(
      requestText(`${base}/never`, { signal: AbortSignal.abort(new Error('stopped before')) }),
      /stopped before/,
    );
    // The next request, sent once the aborted one has rejected, is the only one the server sees.
    handler = (_request, response) => response.end('ok');
    await requestText(`${base}/after`);
    assert.deepEqual(
      seen.slice(count).map((entry) => entry.url),
      ['/after'],
    );
  });

  test('an answer over maxBytes is not read further: AnswerTooLargeError, and the connection is dropped', async () => {
    handler = (_request, response) => {
      response.write('x'.repeat(64 * 1024));
      setTimeout(() => response.end('x'.repeat(64 * 1024)), 20);
    };
    await assert.rejects(
      requestText(`${base}/big`, { maxBytes: 1000 }),
      (error: Error) => error instanceof AnswerTooLargeError && /more than 1000 bytes/.test(error.message),
    );
    const exact = await requestBody(`${base}/big`, { maxBytes: 128 * 1024 });
    assert.equal(exact.body.length, 128 * 1024);
  });

  test("a refused connection is an HttpRequestError with Node's message, the URL, and Node's error as the cause", async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1/x`;
    await assert.rejects(requestText(url), (error: Error) => {
      assert.ok(error instanceof HttpRequestError);
      assert.match(error.message, /^connect ECONNREFUSED 127\.0\.0\.1:\d+$/);
      assert.equal((error as HttpRequestError).url, url);
      assert.equal((error.cause as NodeJS.ErrnoException).code, 'ECONNREFUSED');
      return true;
    });
  });

  test('a kept-alive connection the server closed meanwhile (ECONNRESET before any answer) is sent again on a new one', async () => {
    // The server answers a connection's first request and resets it on the second, as a server
    // that closed the idle connection just as the client reused it would be seen.
    const requestsPerSocket = new Map<unknown, number>();
    handler = (request, response) => {
      const count = (requestsPerSocket.get(request.socket) ?? 0) + 1;
      requestsPerSocket.set(request.socket, count);
      if (count > 1) request.socket.destroy();
      else response.end(`answer ${request.url}`);
    };
    const from = seen.length;
    assert.equal((await requestText(`${base}/first`, { method: 'POST', body: 'a' })).text, 'answer /first');
    assert.equal((await requestText(`${base}/second`, { method: 'POST', body: 'b' })).text, 'answer /second');
    const second = seen.slice(from).filter((entry) => entry.url === '/second');
    assert.equal(second.length, 2, 'reset on the reused connection, then sent again');
    assert.notEqual(second[0]?.remotePort, second[1]?.remotePort, 'on a new connection');
    // A reset on a new connection is not retried: the server saw the request and failed it.
    handler = (request) => request.socket.destroy();
    const before = seen.length;
    await assert.rejects(
      requestText(`${base}/fresh-reset`, { method: 'POST', body: 'c' }),
      (error: Error) => error instanceof HttpRequestError,
    );
    assert.ok(seen.length - before <= 2, 'at most the one retry');
  });

  test('idle keep-alive connections are closed on this side before servers close theirs', async () => {
    handler = (_request, response) => response.end('ok');
    await requestText(`${base}/idle`);
    const free = Object.values(keepAliveAgent(false).freeSockets).flat();
    assert.ok(free.length > 0, 'the connection is kept');
    for (const socket of free) assert.equal(socket?.timeout, KEEP_ALIVE_IDLE_MS, 'free sockets time out');
    assert.ok(KEEP_ALIVE_IDLE_MS < NODE_SERVER_KEEP_ALIVE_MS);
  });
});
