import type { PubsubEmulator } from '../test/support/pubsub-emulator.ts';
import type { SinkCounters } from './functions/collector-function.ts';
import { combineLoads, type LoadResult, runLoad } from './load.ts';
import type { BenchOptions } from './options.ts';
import type { ScenarioRun, ServerKind } from './report.ts';
import type { Scenario } from './scenarios.ts';
import { type Bundles, startServer } from './server-setup.ts';
import { cpuMs, type FunctionServer } from './servers.ts';

/** Where progress lines go (the terminal, or a test's list). */
export type Log = (line: string) => void;

/**
 * One scenario on every server kind. The servers run side by side and are measured in turns
 * (`rounds` slices each, alternating), so that load from elsewhere on the machine falls on all of
 * them alike and the ratios stay meaningful. CPU time is read from /proc around each slice.
 */
export async function measureScenario(
  scenario: Scenario,
  kinds: readonly ServerKind[],
  bundles: Bundles,
  emulator: PubsubEmulator | undefined,
  options: BenchOptions,
  log: Log,
): Promise<ScenarioRun[]> {
  const servers: Array<{ kind: ServerKind; server: FunctionServer }> = [];
  try {
    for (const kind of kinds) servers.push({ kind, server: await startServer(kind, bundles, emulator, scenario.id) });
    const measured = new Map<
      ServerKind,
      { slices: LoadResult[]; cpuMs: number; emulatorCpuMs: number; before?: SinkCounters }
    >();
    for (const { kind, server } of servers) {
      if (options.warmup > 0)
        await runLoad(server.url, scenario, {
          connections: options.latencyConnections,
          durationSeconds: options.warmup,
        });
      measured.set(kind, {
        slices: [],
        cpuMs: 0,
        emulatorCpuMs: 0,
        ...(kind === 'baseline' ? {} : { before: await server.counters() }),
      });
    }
    const sliceSeconds = Math.max(1, options.duration / options.rounds);
    for (let round = 0; round < options.rounds; round++) {
      for (const { kind, server } of servers) {
        const entry = measured.get(kind)!;
        const cpuBefore = server.cpuMs();
        const emulatorPid = kind === 'pubsub' ? emulator?.pid : undefined;
        const emulatorBefore = emulatorPid === undefined ? 0 : cpuMs(emulatorPid);
        entry.slices.push(
          await runLoad(server.url, scenario, { connections: options.connections, durationSeconds: sliceSeconds }),
        );
        entry.cpuMs += server.cpuMs() - cpuBefore;
        if (emulatorPid !== undefined) entry.emulatorCpuMs += cpuMs(emulatorPid) - emulatorBefore;
      }
    }
    const runs: ScenarioRun[] = [];
    for (const { kind, server } of servers) {
      const entry = measured.get(kind)!;
      const max = combineLoads(entry.slices);
      let messagesPerPublish: number | undefined;
      if (entry.before !== undefined) {
        const after = await server.counters();
        // The sink saw at least the events of the 2xx answers (an answer comes only after publish).
        const noop = kind === 'noop' || kind === 'noop-off' || kind === 'noop-geo';
        const sinkValid = noop
          ? (after.valid ?? 0) - (entry.before.valid ?? 0)
          : kind === 'local'
            ? (after.valid ?? 0) + (after.invalid ?? 0) - (entry.before.valid ?? 0) - (entry.before.invalid ?? 0)
            : (after.acknowledged ?? 0) - (entry.before.acknowledged ?? 0);
        const sinkExpected = noop ? max.validEvents : max.events;
        if (sinkValid < sinkExpected) {
          throw new Error(
            `${scenario.id} on ${kind}: ${sinkExpected} events answered 2xx but the sink counted ${sinkValid}`,
          );
        }
        if (kind === 'pubsub') {
          const calls = after.publishCalls - entry.before.publishCalls;
          const messages = (after.messages ?? 0) - (entry.before.messages ?? 0);
          messagesPerPublish = calls > 0 ? messages / calls : undefined;
        }
      }
      const half =
        options.latencyDuration > 0 && max.requestsPerSecond > 0
          ? await runLoad(server.url, scenario, {
              connections: options.latencyConnections,
              durationSeconds: options.latencyDuration,
              rate: max.requestsPerSecond / 2,
            })
          : undefined;
      const run: ScenarioRun = {
        scenario: scenario.id,
        title: scenario.title,
        server: kind,
        singleEvent: scenario.singleEvent,
        max,
        half,
        cpuMsPerRequest: max.ok > 0 ? entry.cpuMs / max.ok : 0,
        peakRssBytes: server.peakRssBytes(),
        messagesPerPublish,
        emulatorCpuMsPerEvent:
          kind === 'pubsub' && emulator?.pid !== undefined && max.events > 0
            ? entry.emulatorCpuMs / max.events
            : undefined,
      };
      log(
        `  ${kind.padEnd(8)} ${Math.round(max.requestsPerSecond)} req/s, ${Math.round(max.eventsPerSecond)} events/s, ${max.failed} failed, ` +
          `${(run.cpuMsPerRequest * 1000).toFixed(0)} µs CPU/request` +
          (half ? `; at ${Math.round(half.requestsPerSecond)} req/s p50 ${half.p50} ms p99 ${half.p99} ms` : '') +
          `; peak RSS ${(run.peakRssBytes / 2 ** 20).toFixed(0)} MB` +
          (messagesPerPublish === undefined ? '' : `; ${messagesPerPublish.toFixed(1)} msgs/publish`) +
          (run.emulatorCpuMsPerEvent === undefined
            ? ''
            : `; emulator ${(run.emulatorCpuMsPerEvent * 1000).toFixed(0)} µs CPU/event`),
      );
      if (max.failed > 0) log(`  ! ${max.failed} requests failed on ${kind}; server output:\n${server.output()}`);
      runs.push(run);
    }
    return runs;
  } finally {
    await Promise.all(servers.map(({ server }) => server.stop()));
  }
}
