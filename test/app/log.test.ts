import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createCollector } from '../../functions/app/collector-handler.ts';
import {
  captureLogs,
  configureLogging,
  log,
  logSettings,
  logThrottled,
  traceFromHeaders,
  withRequestTrace,
} from '../../functions/app/log.ts';
import { resolveConfig } from '../../functions/core/config/resolve-config.ts';
import type { ProtocolAdapter } from '../../functions/core/protocols/protocol.ts';
import { createValidationEngine } from '../../functions/core/validation/validation-engine.ts';
import { serveCollector } from '../support/framework-server.ts';
import { MemoryRegistry } from '../support/memory-registry.ts';
import { RecordingSink } from '../support/recording-sink.ts';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';

function capture(): { lines: Array<Record<string, unknown>>; stop(): void } {
  const lines: Array<Record<string, unknown>> = [];
  const stop = captureLogs((line) => lines.push(JSON.parse(line) as Record<string, unknown>));
  return { lines, stop };
}

describe('structured logs', () => {
  const saved = logSettings();
  after(() => configureLogging(saved));

  test('each line is one JSON object with severity and message; fields cannot overwrite them', () => {
    configureLogging({ level: 'INFO', project: 'my-project' });
    const { lines, stop } = capture();
    try {
      log('WARNING', 'disk full', { severity: 'DEBUG', message: 'spoofed', disk: '/tmp' });
      log('DEBUG', 'below the level');
    } finally {
      stop();
    }
    assert.deepEqual(lines, [{ disk: '/tmp', severity: 'WARNING', message: 'disk full' }]);
  });

  test('lines logged while a request is handled carry its trace, as Cloud Logging reads it', () => {
    configureLogging({ level: 'DEBUG', project: 'my-project' });
    const { lines, stop } = capture();
    try {
      withRequestTrace({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, () => log('INFO', 'w3c'));
      withRequestTrace({ 'x-cloud-trace-context': `${TRACE}/1;o=1` }, () => log('INFO', 'google'));
      withRequestTrace({ 'x-cloud-trace-context': 'not-a-trace"}\n{"severity":"ERROR' }, () =>
        log('INFO', 'hostile header'),
      );
      log('INFO', 'outside a request');
    } finally {
      stop();
    }
    assert.deepEqual(lines[0], {
      severity: 'INFO',
      message: 'w3c',
      'logging.googleapis.com/trace': `projects/my-project/traces/${TRACE}`,
      'logging.googleapis.com/spanId': '00f067aa0ba902b7',
      'logging.googleapis.com/trace_sampled': true,
    });
    assert.equal(lines[1]?.['logging.googleapis.com/trace'], `projects/my-project/traces/${TRACE}`);
    assert.equal(lines[1]?.['logging.googleapis.com/spanId'], '0000000000000001');
    assert.deepEqual(lines[2], { severity: 'INFO', message: 'hostile header' });
    assert.deepEqual(lines[3], { severity: 'INFO', message: 'outside a request' });
  });

  test('without a known project no trace field is written (it must name the project)', () => {
    configureLogging({ level: 'INFO', project: '' });
    const { lines, stop } = capture();
    try {
      withRequestTrace({ traceparent: `00-${TRACE}-00f067aa0ba902b7-01` }, () => log('INFO', 'x'));
    } finally {
      stop();
    }
    assert.deepEqual(lines, [{ severity: 'INFO', message: 'x' }]);
  });

  test('trace headers: malformed and all-zero ids are ignored', () => {
    assert.equal(traceFromHeaders({ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }), undefined);
    assert.equal(traceFromHeaders({ 'x-cloud-trace-context': `${TRACE}/99999999999999999999999` }), undefined);
    assert.deepEqual(traceFromHeaders({ 'x-cloud-trace-context': TRACE }), { traceId: TRACE });
  });

  test('a line repeated at request rate is written once a second with the count it stands for', () => {
    configureLogging({ level: 'INFO' });
    const { lines, stop } = capture();
    try {
      for (let i = 0; i < 50; i++) logThrottled('test-key', 'WARNING', 'shed', {}, 60_000);
    } finally {
      stop();
    }
    assert.equal(lines.length, 1);
  });
});

describe('payloads stay out of logs unless logging.log_payloads is on', () => {
  const failing: ProtocolAdapter = {
    protocol: 'webhook',
    matches: (request) => request.path === '/boom',
    handle: () => {
      throw new Error('adapter bug');
    },
  };
  const saved = logSettings();
  let base = '';
  let close: () => Promise<void>;
  before(async () => {
    const config = resolveConfig({ document: {}, source: 'test', env: {} });
    const validation = createValidationEngine({
      registry: new MemoryRegistry(),
      ttlMs: 1000,
      negativeTtlMs: 1000,
      errorTtlMs: 1000,
      maxEntries: 10,
      allErrors: false,
      maxErrors: 5,
    });
    ({ base, close } = await serveCollector(
      createCollector({ config, validation, sink: new RecordingSink(), adapters: [failing] }),
    ));
  });
  after(async () => {
    configureLogging(saved);
    await close();
  });

  for (const logPayloads of [false, true]) {
    test(`log_payloads: ${logPayloads}`, async () => {
      configureLogging({ level: 'INFO', project: 'p', logPayloads });
      const { lines, stop } = capture();
      try {
        const response = await fetch(`${base}/boom`, {
          method: 'POST',
          body: 'card=4111111111111111',
          headers: { 'content-type': 'text/plain', 'x-cloud-trace-context': `${TRACE}/7;o=1` },
        });
        assert.equal(response.status, 500);
      } finally {
        stop();
      }
      const text = JSON.stringify(lines);
      assert.equal(lines[0]?.severity, 'ERROR');
      assert.equal(lines[0]?.['logging.googleapis.com/trace'], `projects/p/traces/${TRACE}`);
      assert.equal(text.includes('4111111111111111'), logPayloads);
    });
  }
});
