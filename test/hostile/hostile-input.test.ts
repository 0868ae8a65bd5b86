import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Collector } from '../../functions/app/collector-handler.ts';
import { serveCollector } from '../support/framework-server.ts';
import { assertPrototypeClean } from '../support/protocol-result.ts';
import { type RecordingSink, recordingCollector } from '../support/recording-sink.ts';
import { HOSTILE_CASES } from './cases.ts';
import { sendRaw } from './raw-http.ts';

/**
 * Runs the hostile-input corpus (cases.ts) against the real HTTP function: the functions
 * framework's own server (its body parsing and error answers included) in front of the collector
 * with every protocol and the shipped schemas. See cases.ts for what every case must satisfy.
 */
const COLLECTORS = {
  default: {},
  redirects: {
    snowplow: { redirect_enabled: true, redirect_allowed_domains: ['shop.example'] },
    pixel: { redirect_allowed_domains: ['shop.example'] },
  },
  big: { limits: { max_request_bytes: 4 * 1024 * 1024 } },
} as const;

interface Served {
  readonly collector: Collector;
  readonly sink: RecordingSink;
  readonly port: number;
  close(): Promise<void>;
}

describe('hostile input corpus, through the HTTP function', () => {
  const served = new Map<string, Served>();

  before(async () => {
    for (const [name, document] of Object.entries(COLLECTORS)) {
      const { collector, sink } = recordingCollector(document as Record<string, unknown>);
      const { base, close } = await serveCollector(collector);
      served.set(name, { collector, sink, port: Number(new URL(base).port), close });
    }
  });
  after(async () => {
    for (const server of served.values()) await server.close();
  });

  const categories = [...new Set(HOSTILE_CASES.map((hostile) => hostile.category))];
  test("the corpus covers every item of the issue's list", () => {
    assert.deepEqual(categories.sort(), [
      'CRLF in redirect URLs',
      'Iglu reference traversal',
      'body over the limit',
      'deep nesting',
      'gzip bomb',
      'huge arrays',
      'huge header values',
      'invalid UTF-8',
      'invalid base64',
      'malformed JSON',
      'overlong or non-ASCII schema names',
      'prototype pollution',
      'redirect outside the allow-list',
      'wrong or missing content type',
    ]);
  });

  for (const hostile of HOSTILE_CASES) {
    test(`${hostile.category}: ${hostile.name}`, { timeout: 60_000 }, async () => {
      const server = served.get(hostile.collector ?? 'default') as Served;
      server.sink.clear();
      const response = await sendRaw(server.port, hostile.request);
      const rows = { valid: server.sink.valid, invalid: server.sink.invalid };
      const summary = `${response.status} ${JSON.stringify(rows.invalid.map((row) => row.error_type))} ${response.body.subarray(0, 200).toString('utf8')}`;
      if (process.env.HOSTILE_DISCOVER) console.log(`# ${hostile.name}: ${summary} (${response.ms} ms)`);

      assert.equal(response.status, hostile.expect.status, summary);
      assert.equal(rows.valid.length, 0, 'nothing reaches the valid side');
      assert.deepEqual(rows.invalid.map((row) => row.error_type).sort(), [...hostile.expect.rows].sort(), summary);
      for (const row of rows.invalid) {
        const errors = row.errors as Array<{ message?: string }>;
        assert.ok(
          Array.isArray(errors) &&
            errors.length > 0 &&
            errors.every((issue) => typeof issue.message === 'string' && issue.message.length > 0),
          'every invalid row says why',
        );
        assert.ok(Buffer.byteLength(row.raw ?? '') <= 1024, 'raw is cut to limits.max_raw_bytes');
        for (const value of Object.values((row.request as { headers?: Record<string, string> } | null)?.headers ?? {}))
          assert.ok(value.length <= 512);
      }
      if (hostile.expect.reason) {
        const text =
          rows.invalid.length > 0
            ? JSON.stringify(rows.invalid.map((row) => row.errors))
            : response.body.toString('utf8');
        assert.match(text, hostile.expect.reason);
      }
      if (hostile.expect.status >= 400 && hostile.expect.status < 500 && hostile.expect.rows.length === 0) {
        assert.ok(
          hostile.expect.by,
          'a refusal without a row happens only before Sluice runs (framework or Node), as docs/protocols.md lists',
        );
      }
      // No header injection, whatever the answer.
      assert.equal(
        response.headers['set-cookie']?.includes('evil'),
        undefined === response.headers['set-cookie'] ? undefined : false,
      );
      assert.doesNotMatch(response.headers.location ?? '', /[\r\n]|evil/);
      // The process is still serving.
      assert.equal((await sendRaw(server.port, { path: '/health' })).status, 200);
    });
  }

  test('after the whole corpus, Object.prototype is untouched', () => {
    assertPrototypeClean();
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
    assert.equal(({} as Record<string, unknown>).isAdmin, undefined);
  });
});
