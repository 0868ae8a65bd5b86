import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { http } from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type { Collector } from '../../functions/app/collector-handler.ts';
import { capFrameworkBodyParsing } from '../../functions/app/http/framework-body-limit.ts';

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
