/**
 * `npm run bench:costs [-- --write]`: measures the costs that shaped the code, the figures docs/performance.md
 * quotes in "Measured costs behind the code". Comments in the source name the cost and point to
 * that page instead of carrying their own figures. `--write` puts the tables into the page.
 *
 * Cold costs (a module's first load, a first compile) are timed in a fresh process each, as an
 * instance meets them on its cold start; the median of RUNS is printed. Hot costs (per event) are
 * timed in this process after a warm-up.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { LineBuffer } from '../functions/adapters/sink/line-buffer.ts';
import { normalizeTimestamp } from '../functions/core/contract/timestamps.ts';
import { ENRICHMENT_COLUMNS } from '../functions/core/enrichment/enrichment-columns.ts';
import { DecodedParams } from '../functions/core/protocols/decoded-params.ts';
import { firstQueryValues } from '../functions/core/protocols/query-params.ts';
import { decodeJsonParam } from '../functions/core/protocols/snowplow-json-param.ts';
import { SCENARIOS } from './scenarios.ts';

const ROOT = join(import.meta.dirname, '..');
const RUNS = 7;

/** One cold cost: `code` runs in a fresh ES module process and prints the milliseconds it measured. */
export interface ColdCost {
  readonly id: string;
  readonly what: string;
  readonly code: string;
}

/** What an instance pays once, on its cold start or on its first request. */
export const COLD_COSTS: readonly ColdCost[] = [
  {
    id: 'undici',
    what: 'first `fetch()` call (loads undici), less a first `node:http` request to the same refused port',
    code: `
      const http = process.getBuiltinModule('node:http');
      let t = performance.now();
      await new Promise((done) => http.get('http://127.0.0.1:9/', done).on('error', done));
      const viaHttp = performance.now() - t;
      t = performance.now();
      await fetch('http://127.0.0.1:9/').catch(() => {});
      print(performance.now() - t - viaHttp);`,
  },
  {
    id: 'yaml',
    what: 'loading the `yaml` library and parsing config/sluice.yaml',
    code: `
      const { readFileSync } = await import('node:fs');
      const text = readFileSync('config/sluice.yaml', 'utf8');
      const t = performance.now();
      const { parse } = await import('yaml');
      parse(text);
      print(performance.now() - t);`,
  },
  {
    id: 'draft-04-meta-schema',
    what: 'Ajv compiling the draft-04 meta-schema (its first `validateSchema`)',
    code: `
      const { default: Ajv04 } = await import('ajv-draft-04');
      const ajv = new Ajv04({ strict: false });
      const t = performance.now();
      ajv.validateSchema({ type: 'object' });
      print(performance.now() - t);`,
  },
  {
    id: 'config-validator',
    what: 'compiling the validator of config/sluice.schema.json at run time',
    code: `
      const { Ajv } = await import('ajv');
      const { CONFIG_AJV_OPTIONS } = await import('./functions/core/config/config-ajv-options.ts');
      const { default: schema } = await import('./config/sluice.schema.json', { with: { type: 'json' } });
      const t = performance.now();
      new Ajv(CONFIG_AJV_OPTIONS).compile(schema);
      print(performance.now() - t);`,
  },
  {
    id: 'cloudevents-sdk',
    what: "loading the `cloudevents` SDK's index (transports, bignumber.js) instead of its schema alone",
    code: `
      const t = performance.now();
      await import('cloudevents');
      print(performance.now() - t);`,
  },
  {
    id: 'pubsub-sdk',
    what: 'loading `@google-cloud/pubsub` (gax, gRPC, protobuf)',
    code: `
      const t = performance.now();
      await import('@google-cloud/pubsub');
      print(performance.now() - t);`,
  },
];

/** One hot cost: the general way and the way Sluice does it, per call. */
export interface HotCost {
  readonly id: string;
  readonly what: string;
  readonly general: () => unknown;
  readonly sluice: () => unknown;
  /** Calls per timed round, for the costs that handle a whole group of rows per call. */
  readonly calls?: number;
}

/** The query string of the bench's pixel request: what a browser tracker sends. */
const PIXEL_QUERY = (SCENARIOS.find((s) => s.id === 'pixel')?.requests[0]?.path ?? '').split('?')[1] ?? '';
const TIMESTAMP = '2026-12-02T07:10:14.123Z';

/** The events of the bench's tp2-10 request: each carries the same `co` (the page's contexts). */
const TP2_10_EVENTS = JSON.parse(SCENARIOS.find((s) => s.id === 'tp2-10')?.requests[0]?.body ?? '{"data":[]}')
  .data as Array<Record<string, string>>;
const TP2_10_CO = TP2_10_EVENTS.map((event) => event.co ?? '');

/** A valid row as `npm start` writes one for a tp2 page view (its title holds a non-Latin-1 dash). */
const TP2_ROW = {
  event_id: 'a1b2c3d4-0000-4000-8000-000000000000',
  collector_tstamp: '2026-12-05T12:12:07.704Z',
  event_tstamp: '2026-01-15T09:00:00.000Z',
  protocol: 'snowplow',
  useragent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
  user_ipaddress: '81.2.69.142',
  network_userid: 'b18cfbe2-8669-4164-bc75-4280b5fe705d',
  app_id: 'shop',
  platform: 'web',
  user_id: 'user-42',
  domain_userid: 'a1b2c3d4-0000-4000-8000-000000000001',
  session_id: 'a1b2c3d4-0000-4000-8000-000000000003',
  page_url: 'https://shop.example.com/products/7?ref=mail',
  page_title: 'Product 7 – Shop',
  page_referrer: 'https://www.google.com/',
  session_index: 3,
  contexts: [
    {
      schema: 'iglu:com.example.bench/page_context/jsonschema/1-0-0',
      data: {
        id: '6e5b7c1a-2f3d-4e5f-8a9b-0c1d2e3f4a5b',
        category: 'products',
        logged_in: true,
        ab_tests: ['new-checkout'],
      },
    },
  ],
  source: {
    tv: 'js-4.10.1',
    tna: 'sp',
    cookie: '1',
    cs: 'UTF-8',
    lang: 'fr-FR',
    res: '1920x1080',
    stm: '1768467600500',
  },
  collector: 'sluice/0.1.0',
  event_name: 'page_view',
  schema: 'iglu:dev.sluice/page_view/jsonschema/1-0-0',
  schema_vendor: 'dev.sluice',
  schema_name: 'page_view',
  schema_version: '1-0-0',
  payload: {},
  page_urlhost: 'shop.example.com',
  page_urlpath: '/products/7',
  page_urlquery: 'ref=mail',
  refr_urlhost: 'www.google.com',
  refr_urlpath: '/',
  refr_medium: 'search',
  refr_source: 'Google',
  is_bot: false,
  br_family: 'Chrome',
  br_version: '131.0',
  os_family: 'Linux',
  dvce_type: 'desktop',
  dvce_ismobile: false,
};
/**
 * TP2_ROW split as the pipeline makes it: composed by core/collector/event-rows.ts (the tracker's
 * fields spread into the common columns, then the schema columns), and the enrichment columns
 * the enricher adds.
 */
const ENRICHMENT_NAMES = new Set<string>(ENRICHMENT_COLUMNS);
const TP2_ENRICHMENT = Object.fromEntries(Object.entries(TP2_ROW).filter(([name]) => ENRICHMENT_NAMES.has(name)));
const {
  event_id,
  collector_tstamp,
  event_tstamp,
  protocol,
  contexts,
  source,
  collector,
  event_name,
  schema,
  schema_vendor,
  schema_name,
  schema_version,
  payload,
  ...TP2_FIELDS
} = Object.fromEntries(Object.entries(TP2_ROW).filter(([name]) => !ENRICHMENT_NAMES.has(name))) as typeof TP2_ROW;
function composedRow(): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(TP2_FIELDS)) fields[name] = value;
  const common = { event_id, collector_tstamp, event_tstamp, protocol, ...fields, contexts, source, collector };
  return { ...common, event_name, schema, schema_vendor, schema_name, schema_version, payload };
}

/** One group of the local sink under load: 20 tp2-10 requests, 200 rows. */
const GROUP_ROWS = Array.from({ length: 200 }, (_, n) => ({ ...TP2_ROW, event_id: `event-${n}` }));
const GROUP_LINES = new LineBuffer();

/** What a warm instance pays per event. */
export const HOT_COSTS: readonly HotCost[] = [
  {
    id: 'pixel-query',
    what: "a pixel request's query: `new Map(new URLSearchParams(q))` vs `firstQueryValues`",
    general: () => new Map(new URLSearchParams(PIXEL_QUERY)),
    sluice: () => firstQueryValues(PIXEL_QUERY),
  },
  {
    id: 'timestamp',
    what: 'a timestamp Sluice writes: `Date.parse` + `toISOString` vs `normalizeTimestamp`',
    general: () => new Date(Date.parse(TIMESTAMP)).toISOString(),
    sluice: () => normalizeTimestamp(TIMESTAMP),
  },
  {
    id: 'ndjson-group',
    what: "a group of 200 tp2 rows as NDJSON bytes: one string, then `Buffer.from`, vs the local sink's `LineBuffer`",
    general: () => {
      let text = '';
      for (const row of GROUP_ROWS) text += `${JSON.stringify(row)}\n`;
      return Buffer.from(text);
    },
    sluice: () => {
      GROUP_LINES.clear();
      for (const row of GROUP_ROWS) GROUP_LINES.appendLine(JSON.stringify(row));
      return GROUP_LINES.bytes();
    },
    calls: 200,
  },
  {
    id: 'enriched-row',
    what: 'an enriched tp2 row made and stringified: the enrichment columns `Object.assign`ed onto the row (a dictionary-mode object then) vs spread with it into a new one, as the enricher does',
    general: () => JSON.stringify(Object.assign(composedRow(), TP2_ENRICHMENT)),
    sluice: () => JSON.stringify({ ...composedRow(), ...TP2_ENRICHMENT }),
  },
  {
    id: 'co-decode',
    what: 'the `co` of a tp2-10 batch: `decodeJsonParam` for each of its 10 events vs once per request (`DecodedParams`)',
    general: () => TP2_10_CO.map((co, n) => decodeJsonParam('co', co, false, `$.data[${n}].co`)),
    sluice: () => {
      const decoded = new DecodedParams();
      return TP2_10_CO.map((co, n) => {
        const known = decoded.get('co', co);
        if (known !== undefined) return { ok: true, value: known.value };
        const parsed = decodeJsonParam('co', co, false, `$.data[${n}].co`);
        if (parsed.ok) decoded.set('co', co, parsed.value);
        return parsed;
      });
    },
    calls: 5_000,
  },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export function measureCold(cost: ColdCost, runs = RUNS): number {
  const program = `const print = (ms) => process.stdout.write(String(ms));\n${cost.code}`;
  const samples: number[] = [];
  for (let run = 0; run < runs; run++) {
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', program], { cwd: ROOT, encoding: 'utf8' });
    const ms = Number(child.stdout);
    if (child.status !== 0 || !Number.isFinite(ms)) {
      throw new Error(`bench:costs ${cost.id}: the measurement failed (exit ${child.status}): ${child.stderr}`);
    }
    samples.push(ms);
  }
  return median(samples);
}

/** Microseconds per call, the median of five timed rounds after a warm-up. */
export function measureHot(run: () => unknown, calls = 20_000): number {
  for (let i = 0; i < calls; i++) run();
  const rounds: number[] = [];
  for (let round = 0; round < 5; round++) {
    const t = performance.now();
    for (let i = 0; i < calls; i++) run();
    rounds.push(((performance.now() - t) * 1000) / calls);
  }
  return median(rounds);
}

/** The tables docs/performance.md holds between its bench-costs markers. */
export function costTables(cold: ReadonlyMap<string, number>, hot: ReadonlyMap<string, [number, number]>): string {
  const lines = [
    `Measured ${new Date().toISOString().slice(0, 16)}Z on Node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)} at the end.`,
    '',
    '| cost | what | ms (median of 7 cold processes) |',
    '|---|---|--:|',
  ];
  for (const cost of COLD_COSTS)
    lines.push(`| ${cost.id} | ${cost.what} | ${(cold.get(cost.id) ?? Number.NaN).toFixed(0)} |`);
  lines.push('', '| cost | what | general µs/call | Sluice µs/call |', '|---|---|--:|--:|');
  for (const cost of HOT_COSTS) {
    const [general, sluice] = hot.get(cost.id) ?? [Number.NaN, Number.NaN];
    lines.push(`| ${cost.id} | ${cost.what} | ${general.toFixed(2)} | ${sluice.toFixed(2)} |`);
  }
  return lines.join('\n');
}

export const PERFORMANCE_PAGE = join(ROOT, 'docs', 'performance.md');
const START = '<!-- bench-costs:start -->';
const END = '<!-- bench-costs:end -->';

/** The page with its cost tables replaced. */
export function withCostTables(page: string, tables: string): string {
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start === -1 || end < start) throw new Error(`docs/performance.md has no ${START} … ${END} block`);
  return `${page.slice(0, start + START.length)}\n${tables}\n${page.slice(end)}`;
}

async function main(): Promise<void> {
  const cold = new Map(COLD_COSTS.map((cost) => [cost.id, measureCold(cost)] as const));
  const hot = new Map(
    HOT_COSTS.map(
      (cost) =>
        [
          cost.id,
          [measureHot(cost.general, cost.calls), measureHot(cost.sluice, cost.calls)] as [number, number],
        ] as const,
    ),
  );
  const tables = costTables(cold, hot);
  process.stdout.write(`${tables}\n`);
  if (process.argv.includes('--write')) {
    writeFileSync(PERFORMANCE_PAGE, withCostTables(readFileSync(PERFORMANCE_PAGE, 'utf8'), tables));
    process.stdout.write('written to docs/performance.md\n');
  }
}

if (import.meta.main) await main();
