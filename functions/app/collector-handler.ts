import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SluiceConfig } from '../core/config/config.ts';
import { COLLECTOR } from '../core/collector-info.ts';
import type { ValidationEngine } from '../core/validation/validation-engine.ts';

/** The part of an HTTP request the collector reads; the functions framework's Request is one. */
export type CollectorRequest = IncomingMessage & { readonly path?: string };

export interface Collector {
  readonly config: SluiceConfig;
  readonly validation: ValidationEngine;
  handle(request: CollectorRequest, response: ServerResponse): void;
}

/**
 * The collector's HTTP handler. For now it answers the health route; every other path gets a 404
 * that says which method and path were not found. The protocol routes plug in here.
 */
export function createCollector(config: SluiceConfig, validation: ValidationEngine): Collector {
  return {
    config,
    validation,
    handle(request, response) {
      const path = request.path ?? new URL(request.url ?? '/', 'http://collector').pathname;
      if (path === '/health' && (request.method === 'GET' || request.method === 'HEAD')) {
        sendJson(response, 200, { status: 'ok', collector: COLLECTOR, sink: config.sink, registries: config.registries });
        return;
      }
      sendJson(response, 404, { error: 'not_found', message: `no route for ${request.method ?? 'GET'} ${path}` });
    },
  };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
