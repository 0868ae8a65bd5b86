import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { HttpRegistry } from '../../../functions/adapters/registry/http-registry.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { parseSchemaKey } from '../../../functions/core/iglu/schema-key.ts';
import { MAX_SCHEMA_DOCUMENT_BYTES } from '../../../functions/core/limits.ts';
import {
  InvalidSchemaDocumentError,
  RegistryUnavailableError,
} from '../../../functions/core/registry/schema-registry.ts';
import { waitFor } from '../../support/wait-for.ts';

const KEY = parseSchemaKey('iglu:com.acme/checkout/jsonschema/1-0-0');
type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** Each test mounts its own handler under a distinct base path, so tests stay independent. */
const handlers = new Map<string, Handler>();
const seen: { url: string; accept: string | undefined }[] = [];
let server: Server;
let origin: string;

function mount(name: string, handler: Handler): string {
  handlers.set(`/${name}/com.acme/checkout/jsonschema/1-0-0`, handler);
  return `${origin}/${name}`;
}

function send(status: number, body: string, headers: Record<string, string> = {}): Handler {
  return (_request, response) => {
    response.writeHead(status, headers);
    response.end(body);
  };
}

async function rejectsWith<T extends Error>(
  promise: Promise<unknown>,
  type: new (...args: never[]) => T,
  message: RegExp,
): Promise<T> {
  let caught: unknown;
  await assert.rejects(promise, (error: unknown) => {
    caught = error;
    assert.ok(error instanceof type, `expected ${type.name}, got ${String(error)}`);
    assert.match(error.message, message);
    return true;
  });
  return caught as T;
}

before(async () => {
  server = createServer((request, response) => {
    seen.push({ url: request.url ?? '', accept: request.headers.accept });
    const handler = handlers.get(request.url ?? '');
    if (handler) handler(request, response);
    else send(404, 'no handler')(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

describe('HttpRegistry', () => {
  test('200 with a JSON object is found, fetched from <url>/<vendor>/<name>/jsonschema/<version>', async () => {
    const url = mount('ok', send(200, '{"type":"object"}', { 'content-type': 'application/json' }));
    const lookup = await new HttpRegistry(url).lookup(KEY);
    assert.deepEqual(lookup, { found: true, schema: { type: 'object' }, registry: url });
    const request = seen.find((entry) => entry.url.startsWith('/ok/'));
    assert.deepEqual(request, {
      url: '/ok/com.acme/checkout/jsonschema/1-0-0',
      accept: 'application/schema+json, application/json',
    });
  });

  test('trailing slashes on the URL are tolerated; text/plain JSON is accepted', async () => {
    const url = mount('slash', send(200, '{"a":1}', { 'content-type': 'text/plain' }));
    assert.deepEqual(await new HttpRegistry(`${url}//`).lookup(KEY), {
      found: true,
      schema: { a: 1 },
      registry: `${url}//`,
    });
  });

  for (const status of [404, 410, 403]) {
    test(`${status} is not found`, async () => {
      const url = mount(`status-${status}`, send(status, '<html>nope</html>'));
      assert.deepEqual(await new HttpRegistry(url).lookup(KEY), { found: false });
    });
  }

  for (const status of [500, 503, 429, 401]) {
    test(`${status} is RegistryUnavailableError naming the status`, async () => {
      const url = mount(`status-${status}`, send(status, 'oops'));
      const error = await rejectsWith(
        new HttpRegistry(url).lookup(KEY),
        RegistryUnavailableError,
        new RegExp(`answered HTTP ${status}`),
      );
      assert.equal(error.code, 'registry_unavailable');
      assert.equal(error.registry, url);
      assert.match(error.message, new RegExp(`GET ${url}/com\\.acme/checkout/jsonschema/1-0-0`));
    });
  }

  test('200 with an HTML page is an InvalidSchemaDocumentError', async () => {
    const url = mount(
      'html',
      send(200, '<!DOCTYPE html><html><body>Welcome</body></html>', { 'content-type': 'text/html' }),
    );
    const error = await rejectsWith(
      new HttpRegistry(url).lookup(KEY),
      InvalidSchemaDocumentError,
      /not JSON \(it starts with "<!DOCTYPE html>/,
    );
    assert.equal(error.code, 'invalid_schema_document');
    assert.equal(error.schemaUri, KEY.uri);
  });

  test('200 with a JSON array is an InvalidSchemaDocumentError', async () => {
    const url = mount('array', send(200, '[{"type":"object"}]', { 'content-type': 'application/json' }));
    await rejectsWith(new HttpRegistry(url).lookup(KEY), InvalidSchemaDocumentError, /JSON an array, not an object/);
  });

  test('a content-length over the limit is rejected before reading the body', async () => {
    let bodyWritten = false;
    const url = mount('big-declared', (_request, response) => {
      response.writeHead(200, { 'content-length': String(MAX_SCHEMA_DOCUMENT_BYTES + 1) });
      response.write('{', () => (bodyWritten = true)); // the rest never comes: reading would hang
    });
    await rejectsWith(
      new HttpRegistry(url, { timeoutMs: 2000 }).lookup(KEY),
      InvalidSchemaDocumentError,
      new RegExp(`${MAX_SCHEMA_DOCUMENT_BYTES + 1} bytes, over the ${MAX_SCHEMA_DOCUMENT_BYTES}-byte limit`),
    );
    assert.equal(bodyWritten, true);
  });

  test('an endless chunked body is cut off at the limit', async () => {
    let sent = 0;
    let closed = false;
    const url = mount('endless', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      const pump = (): void => {
        while (!closed && sent < 50 * MAX_SCHEMA_DOCUMENT_BYTES) {
          sent += chunk.length;
          if (!response.write(chunk)) return void response.once('drain', pump);
        }
        response.end();
      };
      response.on('close', () => (closed = true));
      pump();
    });
    await rejectsWith(new HttpRegistry(url).lookup(KEY), InvalidSchemaDocumentError, /more than 1048576 bytes/);
    await waitFor(() => closed, { what: 'the client to close the connection' });
    assert.ok(sent < 10 * MAX_SCHEMA_DOCUMENT_BYTES, `sent ${sent} bytes before the client gave up`);
  });

  test('a server that does not answer in time is unavailable', async () => {
    const url = mount(
      'slow-headers',
      (_request, response) => void setTimeout(() => send(200, '{}')(_request, response), 1000),
    );
    const started = Date.now();
    await rejectsWith(
      new HttpRegistry(url, { timeoutMs: 100 }).lookup(KEY),
      RegistryUnavailableError,
      /did not complete within 100 ms/,
    );
    assert.ok(Date.now() - started < 900, 'the lookup should not wait for the server');
  });

  test('a body that stalls past the timeout is unavailable', async () => {
    const url = mount('slow-body', (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"type":');
    });
    await rejectsWith(
      new HttpRegistry(url, { timeoutMs: 150 }).lookup(KEY),
      RegistryUnavailableError,
      /did not complete within 150 ms/,
    );
  });

  test('connection refused is unavailable, naming the reason', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await rejectsWith(
      new HttpRegistry(`http://127.0.0.1:${port}/schemas`).lookup(KEY),
      RegistryUnavailableError,
      /ECONNREFUSED/,
    );
    assert.ok(error.cause instanceof TypeError);
  });

  test('redirects are followed to http(s) URLs', async () => {
    mount('target', send(200, '{"moved":true}'));
    const url = mount('redirect', send(302, '', { location: '/target/com.acme/checkout/jsonschema/1-0-0' }));
    assert.deepEqual(await new HttpRegistry(url).lookup(KEY), { found: true, schema: { moved: true }, registry: url });
  });

  test('a redirect to another scheme is refused', async () => {
    const url = mount('redirect-file', send(301, '', { location: 'file:///etc/passwd' }));
    await rejectsWith(
      new HttpRegistry(url).lookup(KEY),
      RegistryUnavailableError,
      /redirected to "file:\/\/\/etc\/passwd", which is not an http\(s\) URL/,
    );
  });

  test('a redirect loop gives up after 20 redirects', async () => {
    let hits = 0;
    const url = mount('loop', (request, response) => {
      hits += 1;
      send(307, '', { location: request.url ?? '/' })(request, response);
    });
    await rejectsWith(new HttpRegistry(url).lookup(KEY), RegistryUnavailableError, /redirected more than 20 times/);
    assert.equal(hits, 21);
  });

  test('an injected fetch is used instead of the global one', async () => {
    const calls: string[] = [];
    const fakeFetch: typeof fetch = async (input) => {
      calls.push(String(input));
      return new Response('{"injected":true}', { status: 200 });
    };
    const registry = new HttpRegistry('https://iglucentral.com/schemas', { fetch: fakeFetch });
    assert.deepEqual(await registry.lookup(KEY), {
      found: true,
      schema: { injected: true },
      registry: 'https://iglucentral.com/schemas',
    });
    assert.deepEqual(calls, ['https://iglucentral.com/schemas/com.acme/checkout/jsonschema/1-0-0']);
  });

  for (const [url, reason] of [
    ['ftp://example.com/schemas', /scheme is ftp: instead of http: or https:/],
    ['http://', /not a valid URL/],
    ['https://user:secret@example.com/schemas', /contains credentials/],
    ['https://example.com/schemas?token=1', /\?query or #fragment/],
  ] as const) {
    test(`rejects ${url}`, () => {
      assert.throws(
        () => new HttpRegistry(url),
        (error: unknown) =>
          error instanceof SluiceError && error.code === 'invalid_registry_url' && reason.test(error.message),
      );
    });
  }
});
