import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { type HttpAnswer, writeAnswer } from '../../../functions/app/http/http-answer.ts';
import { transparentGif } from '../../../functions/core/protocols/pixel-response.ts';

const PIXEL_GIF = transparentGif();

/** Every byte value, then more than the single-write limit: binary bodies must arrive unchanged. */
const ALL_BYTES = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const LARGE_BINARY = Buffer.concat(Array.from({ length: 100 }, () => ALL_BYTES));

const ANSWERS: Record<string, HttpAnswer> = {
  '/gif': { status: 200, headers: { 'content-type': 'image/gif' }, body: PIXEL_GIF },
  '/bytes': { status: 200, body: ALL_BYTES },
  '/large': { status: 200, body: LARGE_BINARY },
  '/text': { status: 200, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'ok – ünïcödé ✓ 𝄞' },
  '/empty': { status: 204 },
};

let server: Server;
let base: string;

before(async () => {
  server = createServer((request, response) =>
    writeAnswer(response, request.method ?? 'GET', ANSWERS[request.url ?? ''] ?? { status: 404 }, { 'x-extra': 'yes' }),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('binary and text bodies arrive byte for byte, with their exact content-length', async () => {
  for (const [path, expected] of [
    ['/gif', PIXEL_GIF],
    ['/bytes', ALL_BYTES],
    ['/large', LARGE_BINARY],
    ['/text', Buffer.from(ANSWERS['/text']?.body as string, 'utf8')],
  ] as const) {
    const response = await fetch(base + path);
    const body = Buffer.from(await response.arrayBuffer());
    assert.deepEqual(body, expected, path);
    assert.equal(response.headers.get('content-length'), String(expected.length), path);
    assert.equal(response.headers.get('x-extra'), 'yes');
  }
});

test('HEAD gets the headers and the length of the body, but no body; no body means length 0', async () => {
  const head = await fetch(`${base}/gif`, { method: 'HEAD' });
  assert.equal(head.headers.get('content-length'), String(PIXEL_GIF.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);
  const empty = await fetch(`${base}/empty`);
  assert.equal(empty.status, 204);
  assert.equal((await empty.arrayBuffer()).byteLength, 0);
});
