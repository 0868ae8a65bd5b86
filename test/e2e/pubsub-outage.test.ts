import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { PubsubSink } from '../../functions/adapters/sink/pubsub-sink.ts';
import type { Collector } from '../../functions/app/collector-handler.ts';
import { fromMessage } from '../../functions/core/contract/message.ts';
import { serveCollectorOnPubsub } from '../support/framework-server.ts';
import {
  createTopicsWithSubscriptions,
  emulatorSkipReason,
  type PubsubEmulator,
  pullAll,
  startPubsubEmulator,
} from '../support/pubsub-emulator.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';
import { delay, waitFor } from '../support/wait-for.ts';

/**
 * Load against the collector on the Pub/Sub emulator while the emulator is killed and restarted.
 *
 * The sink reaches the emulator through a TCP proxy; the test reads the emulator directly. The
 * emulator keeps messages in memory only, so killing it also forgets what it had acknowledged (real
 * Pub/Sub does not). To still check every acknowledged event, the outage starts by cutting the
 * proxy, then every message is pulled from the emulator, then it is killed, restarted (empty) and
 * its topics made again, and then the proxy is restored. Load runs throughout.
 */
const VALID_TOPIC = 'outage-events';
const INVALID_TOPIC = 'outage-invalid-events';
const POST_PATH = '/com.snowplowanalytics.snowplow/tp2';
const WORKERS = 16;
const EVENTS_PER_REQUEST = 3;
const MAX_IN_FLIGHT_REQUESTS = 6;
const MAX_IN_FLIGHT_BYTES = 1024 * 1024;

interface LoadReport {
  /** event_id of every event whose request was answered 2xx. */
  readonly acknowledged: Set<string>;
  readonly statuses: Map<number, number>;
  /** Retry-After values seen on 503 answers. */
  readonly retryAfter: Set<string | null>;
  requests: number;
}

/**
 * Workers that behave like trackers: send a batch, and on anything but 2xx send the same batch
 * again after a pause (scaled down from Retry-After, to keep the test short) until it is taken.
 */
function startLoad(base: string): { report: LoadReport; stop(): void; finished: Promise<void> } {
  const report: LoadReport = { acknowledged: new Set(), statuses: new Map(), retryAfter: new Set(), requests: 0 };
  let stopping = false;
  const worker = async () => {
    while (!stopping) {
      const events = Array.from({ length: EVENTS_PER_REQUEST }, () => ({
        e: 'pv',
        p: 'web',
        tv: 'outage-test',
        aid: 'shop',
        eid: randomUUID(),
        url: 'https://shop.example/',
      }));
      const body = JSON.stringify({
        schema: 'iglu:com.snowplowanalytics.snowplow/payload_data/jsonschema/1-0-4',
        data: events,
      });
      // Retried until taken, even after stop was asked: a tracker does not give up on its events.
      for (let attempt = 0; ; attempt++) {
        let status = 0;
        try {
          const response = await fetch(`${base}${POST_PATH}`, {
            method: 'POST',
            body,
            headers: { 'content-type': 'application/json' },
          });
          status = response.status;
          if (status === 503) report.retryAfter.add(response.headers.get('retry-after'));
          await response.arrayBuffer();
        } catch {
          status = -1; // connection failure: the collector must never cause one
        }
        report.requests++;
        report.statuses.set(status, (report.statuses.get(status) ?? 0) + 1);
        if (status >= 200 && status < 300) {
          for (const event of events) report.acknowledged.add(event.eid);
          break;
        }
        if (attempt > 400) throw new Error(`a batch was refused ${attempt} times; last status ${status}`);
        await delay(100); // the tracker's own pause before it retries (the subject: a client's behaviour)
      }
    }
  };
  const finished = Promise.all(Array.from({ length: WORKERS }, worker)).then(() => undefined);
  return { report, stop: () => (stopping = true), finished };
}

// Both transports: the REST client (its retries, attempt deadlines and keep-alive connections)
// and the library's gRPC channel (its reconnect backoff) must each recover and lose nothing.
for (const transport of ['rest', 'grpc'] as const) {
  describe(`collector under load while Pub/Sub dies and comes back (${transport})`, {
    skip: emulatorSkipReason(),
  }, () => {
    let emulator: PubsubEmulator;
    let proxy: TcpProxy;
    let collector: Collector;
    let base = '';
    let close: () => Promise<void>;
    const pulled = new Map<string, number>();

    async function pullEverything(expected = 0) {
      for (const topic of [VALID_TOPIC, INVALID_TOPIC]) {
        for (const message of await pullAll(emulator, `${topic}-sub`, {
          expected: topic === VALID_TOPIC ? expected : 0,
          quietMs: 500,
          timeoutMs: 20_000,
        })) {
          const id = fromMessage(message.data, message.attributes).row.event_id;
          pulled.set(id, (pulled.get(id) ?? 0) + 1);
        }
      }
    }

    before(async () => {
      emulator = await startPubsubEmulator();
      await createTopicsWithSubscriptions(emulator, [VALID_TOPIC, INVALID_TOPIC]);
      proxy = await startTcpProxy({ host: '127.0.0.1', port: Number(emulator.host.split(':')[1]) });
      ({ collector, base, close } = await serveCollectorOnPubsub({
        projectId: emulator.projectId,
        emulatorHost: proxy.host,
        validTopic: VALID_TOPIC,
        invalidTopic: INVALID_TOPIC,
        publishTimeoutMs: 1000,
        transport,
        document: {
          limits: { max_in_flight_requests: MAX_IN_FLIGHT_REQUESTS, max_in_flight_bytes: MAX_IN_FLIGHT_BYTES },
        },
      }));
    });
    after(async () => {
      await close?.();
      await proxy?.close();
      await emulator?.stop();
    });

    test('every event answered 2xx is on a topic afterwards; 503 with Retry-After meanwhile; in-flight publishing stays capped', {
      timeout: 120_000,
    }, async () => {
      const heap: number[] = [];
      const sampler = setInterval(() => heap.push(process.memoryUsage().heapUsed), 50);
      const load = startLoad(base);
      try {
        // The first publish loads the client library and connects: on a busy machine that takes seconds.
        const warm = await waitFor(() => load.report.acknowledged.size, {
          timeoutMs: 30_000,
          what: 'the first events to be taken',
        });
        // Steady load before the cut: as many more events taken as one batch per worker sends.
        await waitFor(() => load.report.acknowledged.size >= warm + WORKERS * EVENTS_PER_REQUEST, {
          timeoutMs: 30_000,
          what: 'one batch per worker more to be taken',
        });
        const beforeOutage = load.report.acknowledged.size;
        assert.ok(beforeOutage > 0, 'events are taken while Pub/Sub is up');
        const heapBefore = process.memoryUsage().heapUsed;

        // The outage: cut, collect what the emulator holds, kill it, restart it empty.
        proxy.setMode('refuse');
        const cutAt = Date.now();
        await pullEverything();
        await emulator.stop();
        // Pub/Sub stays down until every worker has been refused at least once.
        const refusedBefore = load.report.statuses.get(503) ?? 0;
        await waitFor(() => (load.report.statuses.get(503) ?? 0) >= refusedBefore + WORKERS, {
          timeoutMs: 30_000,
          what: 'clients to be answered 503 while Pub/Sub is down',
        });
        await emulator.restart();
        await createTopicsWithSubscriptions(emulator, [VALID_TOPIC, INVALID_TOPIC]);
        const during = new Map(load.report.statuses);
        proxy.setMode('forward');
        const outageMs = Date.now() - cutAt;

        const ackedAtRecovery = load.report.acknowledged.size;
        await waitFor(() => load.report.acknowledged.size > ackedAtRecovery, {
          timeoutMs: 20_000,
          what: 'events to be taken again once Pub/Sub is back',
        });
        // Steady load after recovery: as many events taken again as one batch per worker sends.
        await waitFor(() => load.report.acknowledged.size >= ackedAtRecovery + WORKERS * EVENTS_PER_REQUEST, {
          timeoutMs: 30_000,
          what: 'one batch per worker to be taken after recovery',
        });
        load.stop();
        await load.finished;
        clearInterval(sampler);

        await pullEverything(0);
        const missing = [...load.report.acknowledged].filter((id) => !pulled.has(id));
        assert.deepEqual(
          missing,
          [],
          `${missing.length} of ${load.report.acknowledged.size} acknowledged events are on no topic`,
        );
        const duplicates = [...pulled.values()].filter((count) => count > 1).length;

        assert.ok((during.get(503) ?? 0) > 0, 'clients were answered 503 during the outage');
        assert.deepEqual([...load.report.retryAfter], ['5'], 'every 503 carries Retry-After');
        assert.deepEqual(
          [...load.report.statuses.keys()].filter((status) => status !== 200 && status !== 503),
          [],
          'only 200 and 503 answers, never a dropped connection',
        );

        const stats = (collector.sink as PubsubSink).stats();
        assert.ok(
          stats.inFlight.peakRequests <= MAX_IN_FLIGHT_REQUESTS,
          `peak ${stats.inFlight.peakRequests} requests in flight`,
        );
        assert.ok(stats.inFlight.peakBytes <= MAX_IN_FLIGHT_BYTES, `peak ${stats.inFlight.peakBytes} bytes in flight`);
        assert.ok(stats.inFlight.shed > 0, 'requests over the cap were shed');
        assert.equal((await fetch(`${base}/health`)).status, 200, 'the process is still serving');

        const peakHeap = Math.max(...heap);
        console.log(
          `# outage ${outageMs} ms; ${load.report.requests} requests, ${load.report.acknowledged.size} events acknowledged (${beforeOutage} before the outage), ` +
            `${pulled.size} distinct on the topics, ${duplicates} duplicated; statuses ${JSON.stringify(Object.fromEntries(load.report.statuses))}; ` +
            `in flight peak ${stats.inFlight.peakRequests} requests / ${stats.inFlight.peakBytes} bytes, shed ${stats.inFlight.shed}; ` +
            `heap before outage ${(heapBefore / 2 ** 20).toFixed(1)} MiB, peak ${(peakHeap / 2 ** 20).toFixed(1)} MiB`,
        );
      } finally {
        clearInterval(sampler);
        load.stop();
      }
    });
  });
}
