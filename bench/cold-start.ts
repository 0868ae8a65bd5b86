import { execFile } from 'node:child_process';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from '../test/support/free-port.ts';
import type { BenchRequest } from './scenarios.ts';
import { type FunctionSpec, sleep, spawnFunction, stopProcess, tryRequest } from './servers.ts';

const run = promisify(execFile);

/** How often a starting server is asked for its first answer. */
const POLL_MS = 5;
const COLD_START_TIMEOUT_MS = 30_000;

/**
 * Milliseconds from spawning the framework's CLI on a function until the first 200 to `request`:
 * process start, module loading, the server listening, and whatever the first request pays
 * (configuration, schema compilation, loading a client library, connecting). Polled every 5 ms on
 * fresh connections, so the figure is at most that much late.
 */
export async function coldStartMs(spec: FunctionSpec, request: BenchRequest): Promise<number> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = spawnFunction(spec, port);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  try {
    for (;;) {
      const status = await tryRequest(url, request);
      if (status === 200 || status === 202) return performance.now() - started;
      if (status !== undefined)
        throw new Error(`${spec.source} answered ${status} to its first ${request.method} ${request.path}:\n${output}`);
      if (child.exitCode !== null) throw new Error(`${spec.source} exited during start-up:\n${output}`);
      if (performance.now() - started > COLD_START_TIMEOUT_MS)
        throw new Error(`${spec.source} gave no 200 within ${COLD_START_TIMEOUT_MS} ms:\n${output}`);
      await sleep(POLL_MS);
    }
  } finally {
    await stopProcess(child);
  }
}

/**
 * Milliseconds a fresh Node process takes to `import()` a module (the bundle's index.js: the
 * function's code and the functions framework it registers with), measured inside that process
 * so that Node's own start-up is not counted.
 */
export async function moduleLoadMs(
  modulePath: string,
  cwd: string,
  env: Readonly<Record<string, string>> = {},
): Promise<number> {
  const script = `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(modulePath).href)}); console.log(JSON.stringify({ ms: performance.now() - t }));`;
  const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
    cwd,
    env: { ...process.env, NODE_ENV: 'production', ...env },
  });
  const last = stdout.trim().split('\n').at(-1) ?? '';
  return (JSON.parse(last) as { ms: number }).ms;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}
