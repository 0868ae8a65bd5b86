import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Collector } from '../../functions/app/collector-handler.ts';
import { createCollectorFromConfig } from '../../functions/app/collector-instance.ts';
import { capFrameworkBodyParsing } from '../../functions/app/http/framework-body-limit.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';

// As functions/collect.ts does for the deployed function.
capFrameworkBodyParsing();

let counter = 0;

/**
 * Serves a collector through the functions framework's own server (its body parsing, gzip
 * handling and error answers included, with the body limit functions/collect.ts sets) on
 * 127.0.0.1, as the deployed function would run.
 */
export async function serveCollector(collector: Collector): Promise<{ base: string; close(): Promise<void> }> {
  const name = `collector-under-test-${++counter}`;
  http(name, (request, response) => collector.handle(request, response));
  const server = getTestServer(name);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface PubsubCollectorOptions {
  readonly projectId: string;
  /** `host:port` the sink publishes to: the emulator, or a proxy in front of it. */
  readonly emulatorHost: string;
  readonly validTopic: string;
  readonly invalidTopic: string;
  readonly publishTimeoutMs: number;
  /** pubsub.transport; default rest. */
  readonly transport?: 'rest' | 'grpc';
  /** More settings of the configuration document (limits, …). */
  readonly document?: Readonly<Record<string, unknown>>;
}

/** The project's schemas/ folder as a registry URL. */
const PROJECT_SCHEMAS = pathToFileURL(new URL('../../schemas', import.meta.url).pathname).href;

/**
 * A collector configured as deployed (the project's schemas, the Pub/Sub sink) but publishing to
 * an emulator, served by {@link serveCollector}. `close` stops serving, then flushes and closes the sink.
 */
export async function serveCollectorOnPubsub(
  options: PubsubCollectorOptions,
): Promise<{ collector: Collector; base: string; close(): Promise<void> }> {
  const config = resolveConfig({
    document: {
      registries: [PROJECT_SCHEMAS],
      sink: 'pubsub',
      project: options.projectId,
      valid_topic: options.validTopic,
      invalid_topic: options.invalidTopic,
      pubsub: {
        emulator_host: options.emulatorHost,
        publish_timeout_ms: options.publishTimeoutMs,
        transport: options.transport ?? 'rest',
      },
      ...options.document,
    },
    source: 'test',
    env: {},
  });
  const collector = createCollectorFromConfig(config);
  const served = await serveCollector(collector);
  return {
    collector,
    base: served.base,
    async close() {
      await served.close();
      await collector.sink.close();
    },
  };
}
