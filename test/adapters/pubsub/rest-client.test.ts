import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, afterEach, before, describe, mock, test } from 'node:test';
import { CredentialsError, type GoogleCredentials } from '../../../functions/adapters/google/google-credentials.ts';
import { PUBLISH_RETRY_CODES, rpcCodeOf } from '../../../functions/adapters/google/rpc-status.ts';
import {
  PubsubRestClient,
  type PubsubRestClientOptions,
  publishAnswerError,
  RestPublishError,
} from '../../../functions/adapters/pubsub/rest-client.ts';
import { COLLECTOR } from '../../../functions/core/collector-info.ts';
import { SluiceError } from '../../../functions/core/errors.ts';
import { HTTP_STATUS_NAMES, PUBSUB_ANSWERS } from '../../support/google-client-behaviour.ts';
import {
  createSubscription,
  createTopic,
  emulatorSkipReason,
  freePort,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../../support/pubsub-emulator.ts';

interface Seen {
  readonly remotePort: number;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: { messages: Array<{ data: string; attributes?: Record<string, string> }> };
}

type Handler = (seen: Seen, response: ServerResponse) => void;

/** A stand-in for Pub/Sub's REST API on 127.0.0.1: each request goes to the test's handler. */
async function startFakePubsub(): Promise<
  { url: string; seen: Seen[]; handle: Handler; maxConcurrent: number; stop(): Promise<void>; server: Server } & {
    setHandler(handler: Handler): void;
  }
> {
  const state = {
    url: '',
    seen: [] as Seen[],
    handle: ((_seen, response) => response.end('{}')) as Handler,
    maxConcurrent: 0,
    concurrent: 0,
  };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      state.concurrent += 1;
      state.maxConcurrent = Math.max(state.maxConcurrent, state.concurrent);
      response.on('close', () => (state.concurrent -= 1));
      const seen: Seen = {
        remotePort: request.socket.remotePort ?? 0,
        url: request.url ?? '',
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString() || '{}'),
      };
      state.seen.push(seen);
      state.handle(seen, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(state, {
    server,
    setHandler: (handler: Handler) => void (state.handle = handler),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  }) as never;
}

const ids = (seen: Seen) => JSON.stringify({ messageIds: seen.body.messages.map((_, i) => String(i + 1)) });
const answer = (response: ServerResponse, status: number, body: string) => {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(body);
};
const googleError = (code: number, status: string, message: string) =>
  JSON.stringify({ error: { code, message, status } });
const body = (count: number) =>
  JSON.stringify({
    messages: Array.from({ length: count }, (_, i) => ({
      data: Buffer.from(`m${i}`).toString('base64'),
      attributes: { i: String(i) },
    })),
  });

class FakeCredentials implements GoogleCredentials {
  tokens = 0;
  invalidated = 0;
  async accessToken(): Promise<string> {
    this.tokens += 1;
    return `token-${this.invalidated}`;
  }
  async projectId(): Promise<string> {
    return 'detected-project';
  }
  invalidate(): void {
    this.invalidated += 1;
  }
}

describe('PubsubRestClient against a fake Pub/Sub REST API', () => {
  let fake: Awaited<ReturnType<typeof startFakePubsub>>;
  before(async () => {
    fake = await startFakePubsub();
  });
  after(async () => {
    await fake.stop();
  });

  const client = (overrides: Partial<PubsubRestClientOptions> = {}) =>
    new PubsubRestClient({
      projectId: 'p1',
      endpoint: fake.url,
      credentials: new FakeCredentials(),
      retry: { budgetMs: 2_000, initialDelayMs: 10, maxDelayMs: 50 },
      env: {},
      ...overrides,
    });

  test('POSTs the batch to /v1/projects/<p>/topics/<t>:publish with a bearer token and returns the ids', async () => {
    fake.seen.length = 0;
    fake.setHandler((seen, response) => answer(response, 200, ids(seen)));
    let requests = 0;
    const result = await client({ onPublishRequest: () => void (requests += 1) }).publish('events', body(3), 3);
    assert.deepEqual(result, ['1', '2', '3']);
    assert.equal(requests, 1);
    const [seen] = fake.seen;
    assert.ok(seen);
    assert.equal(seen.url, '/v1/projects/p1/topics/events:publish');
    assert.equal(seen.headers.authorization, 'Bearer token-0');
    assert.equal(seen.headers['content-type'], 'application/json');
    assert.equal(Buffer.from(seen.body.messages[2]!.data, 'base64').toString(), 'm2');
  });

  test("a full topic name is used as given; no project configured uses the credentials' project", async () => {
    fake.seen.length = 0;
    fake.setHandler((seen, response) => answer(response, 200, ids(seen)));
    await client().publish('projects/other/topics/t9', body(1), 1);
    await client({ projectId: '' }).publish('events', body(1), 1);
    assert.deepEqual(
      fake.seen.map((seen) => seen.url),
      ['/v1/projects/other/topics/t9:publish', '/v1/projects/detected-project/topics/events:publish'],
    );
  });

  for (const status of [429, 500, 502, 503, 504]) {
    test(`HTTP ${status} is retried, then the batch succeeds once`, async () => {
      fake.seen.length = 0;
      fake.setHandler((seen, response) =>
        fake.seen.length < 3
          ? answer(response, status, googleError(status, 'UNAVAILABLE', 'try again'))
          : answer(response, 200, ids(seen)),
      );
      let requests = 0;
      assert.deepEqual(await client({ onPublishRequest: () => void (requests += 1) }).publish('events', body(2), 2), [
        '1',
        '2',
      ]);
      assert.equal(fake.seen.length, 3, 'two failures, one success');
      assert.equal(requests, 1, 'a retried batch counts as one publish request');
    });
  }

  for (const [status, name] of [
    [400, 'INVALID_ARGUMENT'],
    [403, 'PERMISSION_DENIED'],
    [404, 'NOT_FOUND'],
  ] as const) {
    test(`HTTP ${status} ${name} fails at once, without a retry, naming the status`, async () => {
      fake.seen.length = 0;
      fake.setHandler((_seen, response) =>
        answer(response, status, googleError(status, name, `Resource not usable (resource=events)`)),
      );
      await assert.rejects(client().publish('events', body(1), 1), (error: unknown) => {
        assert.ok(error instanceof RestPublishError);
        assert.match(
          error.message,
          new RegExp(
            `^\\d+ ${name}: Resource not usable \\(resource=events\\) \\(HTTP ${status} from POST http://127\\.0\\.0\\.1:\\d+/v1/projects/p1/topics/events:publish\\)$`,
          ),
        );
        assert.equal(error.httpStatus, status);
        assert.equal(error.retryable, false);
        if (status === 404)
          assert.equal(rpcCodeOf(error), 5, "NOT_FOUND carries gRPC code 5, as the library's errors do");
        return true;
      });
      assert.equal(fake.seen.length, 1);
    });
  }

  test('401 fetches a new token once and retries; a second 401 is final', async () => {
    fake.seen.length = 0;
    fake.setHandler((seen, response) =>
      seen.headers.authorization === 'Bearer token-1'
        ? answer(response, 200, ids(seen))
        : answer(response, 401, googleError(401, 'UNAUTHENTICATED', 'expired')),
    );
    const credentials = new FakeCredentials();
    assert.deepEqual(await client({ credentials }).publish('events', body(1), 1), ['1']);
    assert.equal(credentials.invalidated, 1);

    fake.setHandler((_seen, response) => answer(response, 401, googleError(401, 'UNAUTHENTICATED', 'no')));
    await assert.rejects(client().publish('events', body(1), 1), /16 UNAUTHENTICATED: no/);
  });

  test('retrying stops when the budget is spent, with the last error; a hung request is cut at the budget', async () => {
    fake.setHandler((_seen, response) => answer(response, 503, googleError(503, 'UNAVAILABLE', 'overloaded')));
    let began = Date.now();
    await assert.rejects(
      client({ retry: { budgetMs: 300, initialDelayMs: 10, maxDelayMs: 40 } }).publish('events', body(1), 1),
      /14 UNAVAILABLE: overloaded/,
    );
    assert.ok(Date.now() - began < 300 + 750, `gave up after ${Date.now() - began} ms`);

    fake.setHandler(() => {}); // never answers
    began = Date.now();
    await assert.rejects(
      client({ retry: { budgetMs: 300, initialDelayMs: 10, maxDelayMs: 40 } }).publish('events', body(1), 1),
      (error: unknown) => {
        assert.ok(error instanceof RestPublishError);
        assert.match(error.message, /DEADLINE_EXCEEDED/);
        return true;
      },
    );
    assert.ok(Date.now() - began < 300 + 750, `gave up after ${Date.now() - began} ms`);
    fake.server.closeAllConnections();
  });

  test('a connection refused is retried until the budget ends, as UNAVAILABLE', async () => {
    const port = await freePort(); // nothing listens there
    const refused = new PubsubRestClient({
      projectId: 'p1',
      endpoint: `http://127.0.0.1:${port}`,
      credentials: new FakeCredentials(),
      retry: { budgetMs: 200, initialDelayMs: 10, maxDelayMs: 20 },
      env: {},
    });
    await assert.rejects(
      refused.publish('events', body(1), 1),
      /^RestPublishError: 14 UNAVAILABLE: POST http:\/\/127\.0\.0\.1:\d+\/v1\/projects\/p1\/topics\/events:publish failed: connect ECONNREFUSED/,
    );
  });

  test('at most maxConcurrentRequests requests are on the wire at once; the others wait for a slot', async () => {
    fake.maxConcurrent = 0;
    fake.setHandler((seen, response) => setTimeout(() => answer(response, 200, ids(seen)), 30));
    const limited = client({ maxConcurrentRequests: 3 });
    const results = await Promise.all(Array.from({ length: 12 }, () => limited.publish('events', body(1), 1)));
    assert.equal(results.length, 12);
    assert.equal(fake.maxConcurrent, 3);
  });

  test('an answer with the wrong number of ids fails the batch rather than mis-assigning ids', async () => {
    fake.setHandler((_seen, response) => answer(response, 200, JSON.stringify({ messageIds: ['1'] })));
    await assert.rejects(client().publish('events', body(2), 2), /answered 1 message ids for 2 messages/);
  });

  test('on an emulator without a configured project, topics are named in project sluice-local', () => {
    const withEmulator = new PubsubRestClient({
      projectId: '',
      emulatorHost: '127.0.0.1:8085',
      retry: { budgetMs: 1, initialDelayMs: 0, maxDelayMs: 0 },
      env: {},
    });
    return withEmulator.topicName('t').then((name) => assert.equal(name, 'projects/sluice-local/topics/t'));
  });
});

describe('PubsubRestClient under failure, as the Pub/Sub library behaves', () => {
  let fake: Awaited<ReturnType<typeof startFakePubsub>>;
  before(async () => {
    fake = await startFakePubsub();
  });
  afterEach(() => {
    mock.timers.reset();
    fake.seen.length = 0;
  });
  after(async () => {
    await fake.stop();
  });

  const client = (overrides: Partial<PubsubRestClientOptions> = {}) =>
    new PubsubRestClient({
      projectId: 'p1',
      endpoint: fake.url,
      credentials: new FakeCredentials(),
      retry: { budgetMs: 2_000, initialDelayMs: 1, maxDelayMs: 2 },
      env: {},
      ...overrides,
    });
  /** The first `failures` requests get `fail`, the rest their ids. */
  const failFirst = (failures: number, fail: (response: ServerResponse) => void) =>
    fake.setHandler((seen, response) =>
      fake.seen.length <= failures ? fail(response) : answer(response, 200, ids(seen)),
    );

  for (const { http, status, retry } of PUBSUB_ANSWERS) {
    test(`${http} ${status} in Google's JSON error body is ${retry ? 'retried' : 'final'}, by its status name`, async () => {
      failFirst(1, (response) => answer(response, http, googleError(http, status, `said ${status}`)));
      const publishing = client().publish('events', body(1), 1);
      if (retry) {
        assert.deepEqual(await publishing, ['1']);
        assert.equal(fake.seen.length, 2);
      } else {
        await assert.rejects(publishing, (error: unknown) => {
          assert.ok(error instanceof RestPublishError);
          assert.match(error.message, new RegExp(`^\\d+ ${status}: said ${status} \\(HTTP ${http} from POST`));
          assert.equal(error.retryable, false);
          return true;
        });
        assert.equal(fake.seen.length, 1);
      }
    });
  }

  test('a status name google.rpc.Code does not define is UNKNOWN, keeps the name, and is final', () => {
    const error = publishAnswerError('http://x/v1/t:publish', 503, googleError(503, 'SOMETHING_NEW', 'odd'));
    assert.equal(error.rpcStatus, 'UNKNOWN');
    assert.equal(error.retryable, false);
    assert.match(error.message, /^2 UNKNOWN: status SOMETHING_NEW: odd/);
  });

  test('the status name decides, not the HTTP status: a 500 that says INVALID_ARGUMENT is final', async () => {
    failFirst(1, (response) => answer(response, 500, googleError(500, 'INVALID_ARGUMENT', 'bad')));
    await assert.rejects(client().publish('events', body(1), 1), /^RestPublishError: 3 INVALID_ARGUMENT: bad/);
    assert.equal(fake.seen.length, 1);
  });

  for (const { http, status } of HTTP_STATUS_NAMES) {
    test(`a non-JSON ${http} answer (a proxy's page) is ${status} with its gRPC code`, () => {
      const error = publishAnswerError('http://x/v1/t:publish', http, '<html><body>upstream trouble</body></html>');
      assert.equal(error.rpcCode, RPC[status]);
      assert.equal(error.rpcStatus, status);
      assert.equal(error.code, 'pubsub_publish_failed');
      assert.ok(error instanceof SluiceError);
      assert.equal(error.httpStatus, http);
      assert.equal(error.retryable, PUBLISH_RETRY_CODES.includes(status));
      assert.match(error.message, new RegExp(`^${RPC[status]} ${status}: <html><body>upstream trouble`));
    });
  }

  test('a non-JSON 500 or 504 is retried, a non-JSON 403 is final (before: all three UNKNOWN)', async () => {
    const page = (http: number) => (response: ServerResponse) => {
      response.writeHead(http, { 'content-type': 'text/html' });
      response.end('<html>proxy</html>');
    };
    for (const http of [500, 504]) {
      fake.seen.length = 0;
      failFirst(1, page(http));
      assert.deepEqual(await client().publish('events', body(1), 1), ['1'], String(http));
    }
    fake.seen.length = 0;
    failFirst(1, page(403));
    await assert.rejects(client().publish('events', body(1), 1), /^RestPublishError: 7 PERMISSION_DENIED: <html>proxy/);
    assert.equal(fake.seen.length, 1);
  });

  test('fake clock: a silent connection is abandoned at the attempt deadline, the retry goes out on a new one', async () => {
    mock.timers.enable({ apis: ['setTimeout', 'Date'] });
    fake.setHandler((seen, response) => {
      if (fake.seen.length > 1) answer(response, 200, ids(seen)); // the first request hangs
    });
    const publishing = client({ retry: { budgetMs: 9_000, initialDelayMs: 100, maxDelayMs: 1_000 } }).publish(
      'events',
      body(1),
      1,
    );
    await waitUntil(() => fake.seen.length === 1);
    mock.timers.tick(3_000); // a third of the budget: the attempt is cut, well before the 9 s budget
    await waitUntil(() => {
      mock.timers.tick(100); // the pause before the retry
      return fake.seen.length === 2;
    });
    assert.deepEqual(await publishing, ['1']);
    assert.notEqual(fake.seen[0]?.remotePort, fake.seen[1]?.remotePort, 'the retry used a new connection');
  });

  test('no project (none configured, none in the credentials) is final at once, naming the setting', async () => {
    let asked = 0;
    const credentials: GoogleCredentials = {
      accessToken: async () => 'token',
      projectId: async () => {
        asked += 1;
        throw new CredentialsError('Unable to detect a Project Id in the current environment');
      },
    };
    await assert.rejects(client({ projectId: '', credentials }).publish('events', body(1), 1), (error: unknown) => {
      assert.ok(error instanceof RestPublishError);
      assert.equal(error.retryable, false);
      assert.match(error.message, /^16 UNAUTHENTICATED: no project for topic events: Unable to detect/);
      assert.match(error.message, /set project \(SLUICE_PROJECT\)/);
      return true;
    });
    assert.equal(asked, 1);
    assert.equal(fake.seen.length, 0);
  });

  test('credentials that cannot be had are final; a metadata server that was only slow is retried', async () => {
    let calls = 0;
    const final: GoogleCredentials = {
      accessToken: async () => {
        calls += 1;
        throw new CredentialsError('no Google credentials; run gcloud auth application-default login');
      },
      projectId: async () => 'p1',
    };
    await assert.rejects(client({ credentials: final }).publish('events', body(1), 1), /application-default login/);
    assert.equal(calls, 1);
    calls = 0;
    const flaky: GoogleCredentials = {
      accessToken: async () => {
        calls += 1;
        if (calls === 1) throw new CredentialsError('the metadata server answered HTTP 503', { retryable: true });
        return 'token-after-blip';
      },
      projectId: async () => 'p1',
    };
    fake.setHandler((seen, response) => answer(response, 200, ids(seen)));
    assert.deepEqual(await client({ credentials: flaky }).publish('events', body(1), 1), ['1']);
    assert.equal(fake.seen[0]?.headers.authorization, 'Bearer token-after-blip');
  });

  test('an emulator host written with a scheme (as the library accepts it) is reached, not http://http://', async () => {
    fake.setHandler((seen, response) => answer(response, 200, ids(seen)));
    for (const emulatorHost of [fake.url, `${fake.url}/`]) {
      const emulator = new PubsubRestClient({
        projectId: '',
        retry: { budgetMs: 1_000, initialDelayMs: 1, maxDelayMs: 2 },
        env: { PUBSUB_EMULATOR_HOST: emulatorHost },
      });
      assert.deepEqual(await emulator.publish('events', body(1), 1), ['1']);
    }
    assert.deepEqual(
      fake.seen.map((seen) => [seen.url, seen.headers.authorization]),
      [
        ['/v1/projects/sluice-local/topics/events:publish', undefined],
        ['/v1/projects/sluice-local/topics/events:publish', undefined],
      ],
    );
  });

  test('pubsub.api_endpoint sends to a regional or private endpoint, with credentials; requests name Sluice', async () => {
    fake.setHandler((seen, response) => answer(response, 200, ids(seen)));
    const credentials: GoogleCredentials = {
      accessToken: async () => 'regional-token',
      projectId: async () => 'p1',
      quotaProjectId: async () => 'billing-project',
    };
    const regional = new PubsubRestClient({
      projectId: 'p1',
      apiEndpoint: fake.url,
      credentials,
      retry: { budgetMs: 1_000, initialDelayMs: 1, maxDelayMs: 2 },
      env: {},
    });
    assert.deepEqual(await regional.publish('events', body(1), 1), ['1']);
    const headers = fake.seen[0]?.headers;
    assert.equal(headers?.authorization, 'Bearer regional-token');
    assert.equal(headers?.['x-goog-user-project'], 'billing-project');
    assert.equal(headers?.['user-agent'], COLLECTOR);
    assert.match(String(headers?.['x-goog-api-client']), /^gl-node\/\d+\.\d+\.\d+ sluice\/\d+\.\d+\.\d+/);
    await assert.rejects(regional.createTopic('t'), /only created on a Pub\/Sub emulator/);
  });
});

const RPC: Readonly<Record<string, number>> = {
  INVALID_ARGUMENT: 3,
  UNAUTHENTICATED: 16,
  PERMISSION_DENIED: 7,
  NOT_FOUND: 5,
  ABORTED: 10,
  RESOURCE_EXHAUSTED: 8,
  CANCELLED: 1,
  INTERNAL: 13,
  UNIMPLEMENTED: 12,
  UNAVAILABLE: 14,
  DEADLINE_EXCEEDED: 4,
};

/** Polls (real time, via setImmediate, which mock.timers leaves alone) until the condition holds. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 20_000; i++) {
    if (condition()) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.fail('condition never held');
}

describe('PubsubRestClient against the Pub/Sub emulator', { skip: emulatorSkipReason() }, () => {
  let emulator: PubsubEmulator;
  before(async () => {
    emulator = await startPubsubEmulator();
  });
  after(async () => {
    await emulator?.stop();
  });

  test("publishes through the emulator's REST API; a missing topic is NOT_FOUND; createTopic makes it", async () => {
    const client = new PubsubRestClient({
      projectId: emulator.projectId,
      emulatorHost: emulator.host,
      retry: { budgetMs: 5_000, initialDelayMs: 10, maxDelayMs: 100 },
      env: {},
    });
    await assert.rejects(client.publish('rest-missing', body(1), 1), (error: unknown) => {
      assert.ok(error instanceof RestPublishError);
      assert.equal(rpcCodeOf(error), 5);
      assert.equal(error.httpStatus, 404);
      return true;
    });
    await client.createTopic('rest-made');
    await client.createTopic('rest-made'); // exists: fine
    await createTopic(emulator, 'rest-events');
    await createSubscription(emulator, 'rest-events-sub', 'rest-events');
    const topic = client.topic('rest-events', { batching: { maxMessages: 50, maxMilliseconds: 10 } });
    const outcomes = await new Promise<Array<string | null | undefined>>((resolve, reject) => {
      const got: Array<string | null | undefined> = [];
      for (let i = 0; i < 120; i++) {
        topic.publishMessage({ data: Buffer.from(`event ${i}`), attributes: { i: String(i) } }, (error, id) => {
          if (error) reject(error);
          got.push(id);
          if (got.length === 120) resolve(got);
        });
      }
    });
    assert.equal(new Set(outcomes).size, 120, 'a distinct message id per message');
    const pulled = await pullAll(emulator, 'rest-events-sub', { expected: 120 });
    assert.deepEqual(
      pulled.map((message) => message.data.toString()).sort(),
      Array.from({ length: 120 }, (_, i) => `event ${i}`).sort(),
    );
    assert.deepEqual(pulled.find((message) => message.data.toString() === 'event 7')?.attributes, { i: '7' });
    await topic.flush();
    await client.close();
  });
});
