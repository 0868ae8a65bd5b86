import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the Cloud Storage JSON API, just enough for the gs:// registry's reads (and
 * `@google-cloud/storage`'s, which it was first written for):
 *
 * - `GET /storage/v1/b/<bucket>/o/<object>?alt=media`: the object's bytes (what `createReadStream`
 *   and `download` request; they make no metadata request first),
 * - `GET /storage/v1/b/<bucket>/o/<object>`: the object's metadata.
 *
 * Object names arrive URL-encoded (`/` as `%2F`). Errors carry GCS-style JSON bodies. Anything
 * else answers 501, so a library change shows up as a failing test rather than a silent 404.
 */
export interface FakeGcs {
  /** `http://127.0.0.1:<port>`, to pass as the Storage `apiEndpoint`. */
  readonly endpoint: string;
  /** Every request received, as `METHOD /path?query`. */
  readonly requests: string[];
  /** Adds or replaces `bucket/objectName`; its bucket then exists. */
  setObject(path: string, content: string | Buffer): void;
  /** The next `times` requests answer `status` with a GCS error body. */
  failNext(status: number, times?: number): void;
  /** While down, every request answers 503. */
  setDown(down: boolean): void;
  /** Delays every answer, to exercise client timeouts. */
  setDelay(ms: number): void;
  close(): Promise<void>;
}

export interface FakeGcsOptions {
  /** Objects by `bucket/objectName`; buckets exist when they hold an object or are listed in `buckets`. */
  readonly objects?: Record<string, string | Buffer>;
  readonly buckets?: readonly string[];
}

// Through STORAGE_EMULATOR_HOST the library drops the /storage/v1 prefix.
const OBJECT_PATH = /^(?:\/storage\/v1)?\/b\/([^/]+)\/o\/([^/]+)$/;

export async function startFakeGcs(options: FakeGcsOptions = {}): Promise<FakeGcs> {
  const objects = new Map<string, Buffer>();
  const buckets = new Set(options.buckets ?? []);
  const requests: string[] = [];
  let failures: { status: number; remaining: number } | undefined;
  let down = false;
  let delayMs = 0;
  const delayed = new Set<NodeJS.Timeout>();

  const setObject = (path: string, content: string | Buffer): void => {
    const slash = path.indexOf('/');
    if (slash <= 0 || slash === path.length - 1)
      throw new Error(`fake GCS object path must be bucket/objectName, got ${JSON.stringify(path)}`);
    buckets.add(path.slice(0, slash));
    objects.set(path, Buffer.isBuffer(content) ? content : Buffer.from(content));
  };
  for (const [path, content] of Object.entries(options.objects ?? {})) setObject(path, content);

  const answer = (request: IncomingMessage, response: ServerResponse): void => {
    if (down) {
      sendError(response, 503, 'Service Unavailable (fake GCS is down)');
      return;
    }
    if (failures !== undefined && failures.remaining > 0) {
      failures.remaining -= 1;
      sendError(response, failures.status, `Injected failure ${failures.status}`);
      return;
    }
    const url = new URL(request.url ?? '/', 'http://fake-gcs');
    const match = OBJECT_PATH.exec(url.pathname);
    if (request.method !== 'GET' || !match) {
      sendError(response, 501, `fake GCS does not implement ${request.method} ${url.pathname}`);
      return;
    }
    const bucket = decodeURIComponent(match[1] ?? '');
    const name = decodeURIComponent(match[2] ?? '');
    if (!buckets.has(bucket)) {
      sendError(response, 404, 'The specified bucket does not exist.');
      return;
    }
    const content = objects.get(`${bucket}/${name}`);
    if (content === undefined) {
      sendError(response, 404, `No such object: ${bucket}/${name}`);
      return;
    }
    if (url.searchParams.get('alt') === 'media') {
      response.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': content.length });
      response.end(content);
      return;
    }
    sendJson(response, 200, {
      kind: 'storage#object',
      id: `${bucket}/${name}/1`,
      name,
      bucket,
      generation: '1',
      contentType: 'application/octet-stream',
      size: String(content.length),
    });
  };

  const server = createServer((request, response) => {
    requests.push(`${request.method} ${request.url}`);
    if (delayMs === 0) return answer(request, response);
    const timer = setTimeout(() => {
      delayed.delete(timer);
      answer(request, response);
    }, delayMs);
    delayed.add(timer);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    setObject,
    failNext(status, times = 1) {
      failures = { status, remaining: times };
    },
    setDown(value) {
      down = value;
    },
    setDelay(ms) {
      delayMs = ms;
    },
    close() {
      for (const timer of delayed) clearTimeout(timer);
      return new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive sockets of the client would otherwise hold close() open.
        server.closeAllConnections();
      });
    },
  };
}

function sendError(response: ServerResponse, code: number, message: string): void {
  sendJson(response, code, {
    error: { code, message, errors: [{ message, domain: 'global', reason: reasonOf(code) }] },
  });
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json; charset=UTF-8',
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

function reasonOf(code: number): string {
  return code === 404 ? 'notFound' : code === 403 ? 'forbidden' : code === 503 ? 'backendError' : 'error';
}
