import assert from 'node:assert/strict';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import { capFrameworkBodyParsing } from '../../../functions/app/http/framework-body-limit.ts';
import { FRAMEWORK_BODY_LIMIT_BYTES } from '../../../functions/core/limits.ts';
import { serveCollector } from '../../support/framework-server.ts';
import { recordingCollector } from '../../support/recording-sink.ts';

/**
 * The framework's own body parsing, as capped by functions/collect.ts (framework-body-limit.ts):
 * if a framework update bypasses the wrapper, these fail.
 */
describe("the functions framework's body parsing, capped", () => {
  const { collector, sink } = recordingCollector();
  let base = '';
  let close: () => Promise<void>;
  before(async () => ({ base, close } = await serveCollector(collector)));
  after(() => close());

  test("finds the framework's body-parser and caps it at 32 MiB, the request size Cloud Run allows", () => {
    assert.equal(capFrameworkBodyParsing(), true);
    assert.equal(FRAMEWORK_BODY_LIMIT_BYTES, 32 * 1024 * 1024);
  });

  test('a gzip bomb is refused once 32 MiB are inflated, not after 1 GiB', async () => {
    // 256 MiB of spaces compress to about 250 KB; uncapped, the framework inflates all of it
    // (measured: RSS grew 511 MiB without the cap, 36 MiB with it).
    const bomb = gzipSync(Buffer.alloc(256 * 2 ** 20, 0x20));
    const rssBefore = process.memoryUsage().rss;
    let peak = rssBefore;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
    try {
      const response = await fetch(`${base}/self-describing`, {
        method: 'POST',
        body: bomb,
        headers: { 'content-type': 'text/plain', 'content-encoding': 'gzip' },
      });
      assert.equal(response.status, 413);
    } finally {
      clearInterval(sampler);
    }
    const grewMiB = (peak - rssBefore) / 2 ** 20;
    console.log(`# refusing a 256 MiB gzip bomb grew RSS by ${grewMiB.toFixed(0)} MiB`);
    assert.ok(grewMiB < 150, `memory grew ${grewMiB.toFixed(0)} MiB while refusing the bomb`);
  });

  test('malformed JSON sent as application/json reaches Sluice, read raw: an unparseable row keeps it, and no log line does', async () => {
    const written: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) =>
      void written.push(
        args.map((arg) => (arg instanceof Error ? `${arg.stack} ${JSON.stringify(arg)}` : String(arg))).join(' '),
      );
    const before = sink.invalid.length;
    try {
      const body = '{"email":"jane@example.com", oops';
      const response = await fetch(`${base}/self-describing`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      });
      assert.equal(response.status, 200, 'the framework no longer answers 400 before Sluice runs');
      const rows = sink.invalid.slice(before);
      assert.deepEqual(
        rows.map((row) => row.error_type),
        ['unparseable'],
      );
      assert.equal(rows[0]?.raw, body);
    } finally {
      console.error = original;
    }
    assert.doesNotMatch(written.join('\n'), /jane@example\.com/);
  });

  test('the framework parses no body: JSON, CloudEvents, text and forms all reach the function as the raw bytes', async () => {
    http('sluice-body-kind', (request, response) => {
      response.json({ buffer: Buffer.isBuffer(request.body), raw: request.rawBody?.toString('utf8') });
    });
    const server = getTestServer('sluice-body-kind');
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
      for (const [type, body] of [
        ['application/json', '{"a":1}'],
        ['application/cloudevents+json', '{"id":"1"}'],
        ['text/plain', 'hello'],
        ['application/x-www-form-urlencoded', 'a[b][c]=1&e=pv'],
      ]) {
        const answer = (await (
          await fetch(url, { method: 'POST', body: body ?? '', headers: { 'content-type': type ?? '' } })
        ).json()) as { buffer: boolean; raw: string };
        assert.deepEqual(answer, { buffer: true, raw: body }, type);
      }
    } finally {
      server.close();
    }
  });
});
