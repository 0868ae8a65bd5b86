import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BENCH_SEGMENT_TRACKING_PLAN, eventsPerRequest, SCENARIOS } from '../../bench/scenarios.ts';
import { NoopSink } from '../../functions/adapters/sink/noop-sink.ts';
import { createCollectorFromConfig } from '../../functions/app/collector-instance.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import { serveCollector } from '../support/framework-server.ts';

/**
 * The benchmark's requests are what the collector accepts, with exactly the valid and invalid
 * events each scenario declares: otherwise the figures would measure rejections, or credit the
 * collector with events it never validated.
 */
const sink = new NoopSink();
let base = '';
let close: () => Promise<void>;

before(async () => {
  const registries = ['../../schemas', '../../bench/schemas'].map(
    (dir) => pathToFileURL(new URL(dir, import.meta.url).pathname).href,
  );
  const config = resolveConfig({
    document: { registries, segment: { tracking_plan: { track: BENCH_SEGMENT_TRACKING_PLAN } } },
    source: 'test',
    env: {},
  });
  ({ base, close } = await serveCollector(createCollectorFromConfig(config, { sink })));
});
after(() => close?.());

for (const scenario of SCENARIOS) {
  test(`bench scenario ${scenario.id}: every request is answered 2xx with its declared valid and invalid events`, async () => {
    for (const request of scenario.requests) {
      const before = sink.stats();
      const response = await fetch(`${base}${request.path}`, {
        method: request.method,
        headers: request.headers,
        ...(request.body === undefined ? {} : { body: request.body }),
      });
      assert.ok(
        response.status >= 200 && response.status < 300,
        `${request.method} ${request.path.slice(0, 60)}: ${response.status} ${await response.text()}`,
      );
      const after = sink.stats();
      assert.equal(
        after.valid - before.valid,
        request.validEvents,
        `valid events of ${request.method} ${request.path.slice(0, 60)}`,
      );
      assert.equal(
        after.invalid - before.invalid,
        request.events - request.validEvents,
        `invalid events of ${request.method} ${request.path.slice(0, 60)}`,
      );
    }
  });
}

test('the mix scenario has 20% invalid events, and the batch scenarios 10 events per request', () => {
  const mix = SCENARIOS.find((scenario) => scenario.id === 'mix')!.requests;
  const events = mix.reduce((sum, request) => sum + request.events, 0);
  const invalid = mix.reduce((sum, request) => sum + request.events - request.validEvents, 0);
  assert.equal(invalid * 5, events);
  for (const id of ['tp2-10', 'sd-10', 'segment-10'])
    assert.equal(eventsPerRequest(SCENARIOS.find((scenario) => scenario.id === id)!).events, 10);
});
