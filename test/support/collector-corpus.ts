import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createCollector } from '../../functions/app/collector-handler.ts';
import { createValidationFromConfig } from '../../functions/app/create-validation.ts';
import { createProtocolAdapters } from '../../functions/app/protocol-adapters.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import type { InvalidRow, ValidRow } from '../../functions/core/contract/rows.ts';
import type { EventSink, RowBatch } from '../../functions/core/sink/event-sink.ts';
import { serveCollector } from './framework-server.ts';
import { freePort } from './free-port.ts';

/**
 * Rows the collector really produces: a corpus of requests over every protocol — the captured
 * Snowplow tracker fixtures, CloudEvents, self-describing JSON, pixels, webhooks, Segment — valid ones
 * and every kind of broken one an attacker or a buggy client sends, sent over HTTP through the
 * functions framework to the real collector (real adapters, validation against schemas/).
 * Contract tests run each row through whatever must accept it (a table schema, a subscription).
 */
export interface CorpusRequest {
  readonly label: string;
  readonly method: string;
  /** Path with the query string. */
  readonly url: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** Which collector: the normal one, one whose only registry is down, one with a broken schema. */
  readonly collector?: 'normal' | 'registry_down' | 'broken_schema';
}

const SCHEMAS = pathToFileURL(fileURLToPath(new URL('../../schemas', import.meta.url))).href;
const FIXTURES = fileURLToPath(new URL('../fixtures/snowplow', import.meta.url));
const CHECKOUT = 'iglu:com.example/checkout/jsonschema/1-0-0';
const checkout = { order_id: 'A-1', total: 30, currency: 'EUR' };
const b64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const ue = (data: unknown, schema = CHECKOUT) => ({
  schema: 'iglu:com.snowplowanalytics.snowplow/unstruct_event/jsonschema/1-0-0',
  data: { schema, data },
});
const contexts = (...entities: unknown[]) => ({
  schema: 'iglu:com.snowplowanalytics.snowplow/contexts/jsonschema/1-0-0',
  data: entities,
});
const json = { 'content-type': 'application/json' };

/** Requests Snowplow's own trackers sent, captured in test/fixtures/snowplow. */
function trackerRequests(): CorpusRequest[] {
  return readdirSync(FIXTURES).flatMap((file) => {
    const fixture = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as {
      requests: Array<{ method: string; path: string; query: string; headers: Record<string, string>; body?: string }>;
    };
    return fixture.requests.map((request, index) => {
      const headers = Object.fromEntries(
        Object.entries(request.headers).filter(
          ([name]) => !['host', 'content-length', 'connection', 'accept-encoding'].includes(name),
        ),
      );
      return {
        label: `${file} #${index}`,
        method: request.method,
        url: request.query === '' ? request.path : `${request.path}?${request.query}`,
        headers,
        ...(request.body !== undefined && request.body !== '' ? { body: request.body } : {}),
      };
    });
  });
}

export function corpusRequests(): CorpusRequest[] {
  const tp2 = (data: unknown[]) =>
    JSON.stringify({ schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4', data });
  return [
    ...trackerRequests(),
    // Snowplow by hand: every built-in event type, self-describing events, contexts, broken parts
    {
      label: 'sp pv',
      method: 'GET',
      url: `/i?e=pv&url=${encodeURIComponent('https://shop.example/?q="x"')}&page=Home&aid=shop&p=web&eid=7d1b0fa9-3c9a-4f4e-9f54-111111111111&dtm=1764567890123&vid=2&sid=s-1&duid=d-1&uid=u-1`,
    },
    { label: 'sp pp', method: 'GET', url: '/i?e=pp&pp_mix=0&pp_max=10&pp_miy=5&pp_may=900&aid=shop' },
    { label: 'sp se', method: 'GET', url: '/i?e=se&se_ca=cart&se_ac=add&se_la=sku-1&se_va=2.5' },
    { label: 'sp tr', method: 'GET', url: '/i?e=tr&tr_id=o-1&tr_tt=30&tr_cu=EUR&tr_af=web' },
    { label: 'sp ti', method: 'GET', url: '/i?e=ti&ti_id=o-1&ti_sk=sku-1&ti_pr=15&ti_qu=2' },
    {
      label: 'sp ue_px + cx',
      method: 'GET',
      url: `/ice.png?e=ue&ue_px=${b64url(ue(checkout))}&cx=${b64url(contexts({ schema: CHECKOUT, data: checkout }))}`,
    },
    { label: 'sp ue bad base64', method: 'GET', url: '/i?e=ue&ue_px=***' },
    {
      label: 'sp ue unknown schema',
      method: 'GET',
      url: `/i?e=ue&ue_px=${b64url(ue({ a: 1 }, 'iglu:com.acme/nope/jsonschema/1-0-0'))}`,
    },
    {
      label: 'sp invalid context',
      method: 'GET',
      url: `/i?e=pv&co=${encodeURIComponent(JSON.stringify(contexts({ schema: CHECKOUT, data: { total: 'x' } })))}`,
    },
    {
      label: 'sp ue traversal schema',
      method: 'GET',
      url: `/i?e=ue&ue_pr=${encodeURIComponent(JSON.stringify(ue({}, 'iglu:../../etc/passwd/jsonschema/1-0-0')))}`,
    },
    {
      label: 'sp post',
      method: 'POST',
      url: '/com.snowplowanalytics.snowplow/tp2',
      headers: json,
      body: tp2([
        { e: 'ue', p: 'srv', tv: 'x', ue_pr: JSON.stringify(ue(checkout)), ttm: '1764567890999' },
        { e: 'pv', url: 'https://a.example/' },
      ]),
    },
    {
      label: 'sp post payload violation',
      method: 'POST',
      url: '/com.snowplowanalytics.snowplow/tp2',
      headers: json,
      body: JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
        data: 'nope',
      }),
    },
    {
      label: 'sp post not json',
      method: 'POST',
      url: '/com.snowplowanalytics.snowplow/tp2',
      headers: { 'content-type': 'text/plain' },
      body: '{"schema":',
    },
    // CloudEvents
    {
      label: 'ce binary',
      method: 'POST',
      url: '/cloudevents',
      headers: {
        ...json,
        'ce-specversion': '1.0',
        'ce-id': 'ce-1',
        'ce-source': '/shop',
        'ce-type': 'com.example.checkout',
        'ce-dataschema': CHECKOUT,
        'ce-time': '2026-11-26T04:15:26.999456Z',
        'ce-tenant': 'eu',
      },
      body: JSON.stringify(checkout),
    },
    {
      label: 'ce structured',
      method: 'POST',
      url: '/cloudevents',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'ce-2',
        source: '/shop',
        type: 't',
        dataschema: CHECKOUT,
        data: checkout,
      }),
    },
    {
      label: 'ce batch',
      method: 'POST',
      url: '/cloudevents',
      headers: { 'content-type': 'application/cloudevents-batch+json' },
      body: JSON.stringify([
        { specversion: '1.0', id: 'ce-3', source: '/s', type: 't', dataschema: CHECKOUT, data: checkout },
        { specversion: '1.0', id: 'ce-4', source: '/s', type: 't', dataschema: CHECKOUT, data: { total: -1 } },
      ]),
    },
    {
      label: 'ce no dataschema',
      method: 'POST',
      url: '/cloudevents',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', id: 'ce-5', source: '/s', type: 't', data: {} }),
    },
    {
      label: 'ce missing id',
      method: 'POST',
      url: '/cloudevents',
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({ specversion: '1.0', source: '/s', type: 't', dataschema: CHECKOUT, data: checkout }),
    },
    // Self-describing JSON
    {
      label: 'sd one',
      method: 'POST',
      url: '/self-describing',
      headers: json,
      body: JSON.stringify({ schema: CHECKOUT, data: checkout, contexts: [{ schema: CHECKOUT, data: checkout }] }),
    },
    {
      label: 'sd mixed array',
      method: 'POST',
      url: '/self-describing',
      headers: json,
      body: JSON.stringify([
        { schema: CHECKOUT, data: checkout },
        { schema: CHECKOUT, data: { order_id: 'A', total: 1, currency: 'eur' } },
        { schema: 'iglu:com.acme/missing/jsonschema/1-0-0', data: {} },
        { data: {} },
        'string',
        null,
      ]),
    },
    {
      label: 'sd unicode and odd keys',
      method: 'POST',
      url: '/self-describing',
      headers: json,
      body: JSON.stringify({
        schema: 'iglu:dev.sluice/webhook/jsonschema/1-0-0',
        // biome-ignore lint/correctness/noPrecisionLoss: a number past 2^53 is what the row must carry as JSON does
        data: { ключ: '✓ 𝄞', 'a.b': { 'c-d': [1, 2.5, true, null] }, '': '', big: 12345678901234567890 },
      }),
    },
    {
      label: 'sd not json',
      method: 'POST',
      url: '/self-describing',
      headers: { 'content-type': 'text/plain' },
      body: '{"schema": "iglu:',
    },
    { label: 'sd empty', method: 'POST', url: '/self-describing', headers: { 'content-type': 'text/plain' }, body: '' },
    {
      label: 'sd oversize',
      method: 'POST',
      url: '/self-describing',
      headers: { 'content-type': 'text/plain' },
      body: `{"schema":"${CHECKOUT}","data":{"x":"${'y'.repeat(3000)}"}}`,
    },
    // Named pixels
    { label: 'pixel query', method: 'GET', url: '/pixel/dev.sluice/webhook/jsonschema/1-0-0?campaign=spring&n=1' },
    { label: 'pixel b64', method: 'GET', url: `/pixel/com.example/checkout/jsonschema/1-0-0?b64=${b64url(checkout)}` },
    { label: 'pixel invalid', method: 'GET', url: '/pixel/com.example/checkout/jsonschema/1-0-0?order_id=A' },
    { label: 'pixel bad b64', method: 'GET', url: '/pixel/com.example/checkout/jsonschema/1-0-0?b64=!!' },
    { label: 'pixel bad path', method: 'GET', url: '/pixel/com.example/checkout/jsonschema/01-0-0' },
    // Webhooks
    {
      label: 'webhook named',
      method: 'POST',
      url: '/webhook/com.example/checkout/jsonschema/1-0-0',
      headers: json,
      body: JSON.stringify(checkout),
    },
    {
      label: 'webhook named array',
      method: 'POST',
      url: '/webhook/com.example/checkout/jsonschema/1-0-0',
      headers: json,
      body: JSON.stringify([checkout, { ...checkout, total: 'x' }, 7]),
    },
    {
      label: 'webhook unnamed',
      method: 'POST',
      url: '/webhook',
      headers: json,
      body: JSON.stringify({ anything: ['goes'], nested: { deep: { deeper: [{}] } } }),
    },
    {
      label: 'webhook not json',
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'text/plain' },
      body: '<xml>no</xml>',
    },
    {
      label: 'webhook binary',
      method: 'POST',
      url: '/webhook',
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from([0xff, 0xfe, 0x00, 0x01]),
    },
    // Segment
    {
      label: 'segment batch of every call type',
      method: 'POST',
      url: '/v1/batch',
      headers: { ...json, authorization: `Basic ${Buffer.from('corpus-key:').toString('base64')}` },
      body: JSON.stringify({
        batch: [
          { type: 'track', event: 'Order Completed', userId: 'u-1', messageId: 'seg-1', properties: checkout },
          { type: 'page', anonymousId: 'a-1', name: 'Home', context: { page: { url: 'https://shop.example/' } } },
          { type: 'screen', userId: 'u-1', name: 'Cart' },
          { type: 'identify', userId: 'u-1', traits: { email: 'u1@example.com' } },
          { type: 'group', userId: 'u-1', groupId: 'g-1', traits: { name: 'Acme' } },
          { type: 'alias', userId: 'u-1', previousId: 'a-1' },
          { type: 'track', properties: { no: 'event name' } },
          { type: 'shout' },
          { type: 'identify', userId: 'u-2', traits: 'not an object' },
        ],
        sentAt: '2026-01-15T10:00:00.000Z',
      }),
    },
    // Registry outage and a broken schema
    {
      label: 'registry down',
      method: 'POST',
      url: '/self-describing',
      headers: json,
      body: JSON.stringify({ schema: CHECKOUT, data: checkout }),
      collector: 'registry_down',
    },
    {
      label: 'broken schema',
      method: 'POST',
      url: '/webhook/com.acme/broken/jsonschema/1-0-0',
      headers: json,
      body: '{"a":1}',
      collector: 'broken_schema',
    },
  ];
}

class CapturingSink implements EventSink {
  readonly valid: ValidRow[] = [];
  readonly invalid: InvalidRow[] = [];
  async publish(batch: RowBatch) {
    this.valid.push(...batch.valid);
    this.invalid.push(...batch.invalid);
  }
  async close() {}
}

export interface CorpusRows {
  readonly valid: readonly ValidRow[];
  readonly invalid: readonly InvalidRow[];
  /** Requests the collector did not answer 2xx/3xx (with the status), for the test to judge. */
  readonly refused: readonly string[];
}

/** Sends the corpus to real collectors and returns every row they produced. */
export async function collectCorpusRows(): Promise<CorpusRows> {
  const brokenDir = mkdtempSync(join(tmpdir(), 'sluice-broken-schema-'));
  mkdirSync(join(brokenDir, 'com.acme', 'broken', 'jsonschema'), { recursive: true });
  writeFileSync(
    join(brokenDir, 'com.acme', 'broken', 'jsonschema', '1-0-0'),
    JSON.stringify({
      self: { vendor: 'com.acme', name: 'broken', format: 'jsonschema', version: '1-0-0' },
      type: 'object',
      properties: { a: { type: 12 } },
    }),
  );
  const sink = new CapturingSink();
  const build = (registries: string[]) => {
    const config = resolveConfig({
      document: { registries, limits: { max_request_bytes: 2048 }, registry: { timeout_ms: 500 } },
      source: 'corpus',
      env: {},
    });
    return createCollector({
      config,
      validation: createValidationFromConfig(config),
      adapters: createProtocolAdapters(config),
      sink,
    });
  };
  const servers = {
    normal: await serveCollector(build([SCHEMAS])),
    registry_down: await serveCollector(build([`http://127.0.0.1:${await freePort()}/schemas`])),
    broken_schema: await serveCollector(build([pathToFileURL(brokenDir).href])),
  };
  const refused: string[] = [];
  try {
    for (const request of corpusRequests()) {
      const server = servers[request.collector ?? 'normal'];
      const response = await fetch(`${server.base}${request.url}`, {
        method: request.method,
        headers: request.headers ?? {},
        redirect: 'manual',
        ...(request.body !== undefined ? { body: request.body } : {}),
      });
      await response.arrayBuffer();
      if (response.status >= 400 && response.status !== 413) refused.push(`${request.label}: ${response.status}`);
    }
  } finally {
    for (const server of Object.values(servers)) await server.close();
  }
  return { valid: sink.valid, invalid: sink.invalid, refused };
}
