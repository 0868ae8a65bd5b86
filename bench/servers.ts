import { type ChildProcess, spawn } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/support/free-port.ts';
import type { SinkCounters } from './functions/collector-function.ts';
import type { BenchRequest } from './scenarios.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The functions framework's CLI: what the nodejs22 runtime runs (see test/build/bundle-function.test.ts). */
export const FRAMEWORK_CLI = join(
  ROOT,
  'node_modules',
  '@google-cloud',
  'functions-framework',
  'build',
  'src',
  'main.js',
);

const READY_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 4_000;

export interface FunctionSpec {
  /** A module file or a bundle directory, as the CLI's --source takes it. */
  readonly source: string;
  readonly target: string;
  readonly env?: Readonly<Record<string, string>>;
  readonly cwd?: string;
}

/** A function served by the framework's CLI in its own process, on 127.0.0.1. */
export interface FunctionServer {
  readonly url: string;
  readonly pid: number;
  /** The sink's counters (collector-function only, over IPC). */
  counters(): Promise<SinkCounters>;
  /** Peak resident set size of the server process so far (VmHWM), in bytes. */
  peakRssBytes(): number;
  /** CPU time the server process has used so far (user + system), in milliseconds. */
  cpuMs(): number;
  output(): string;
  stop(): Promise<void>;
}

/** Server processes of this bench, killed if it exits without stopping them. */
const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Spawns `node <framework CLI> --target … --source …` on a free port; `ipc` opens a channel for counters. */
export function spawnFunction(spec: FunctionSpec, port: number, ipc = false): ChildProcess {
  const child = spawn(
    process.execPath,
    [FRAMEWORK_CLI, `--target=${spec.target}`, '--signature-type=http', `--port=${port}`, `--source=${spec.source}`],
    {
      cwd: spec.cwd ?? ROOT,
      // NODE_ENV=production as on Cloud Functions (the framework logs less).
      env: { ...process.env, NODE_ENV: 'production', ...spec.env },
      stdio: ipc ? ['ignore', 'pipe', 'pipe', 'ipc'] : ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  child.once('exit', () => running.delete(child));
  return child;
}

export async function startFunctionServer(spec: FunctionSpec): Promise<FunctionServer> {
  const port = await freePort();
  const child = spawnFunction(spec, port, true);
  let nextId = 0;
  return serve(
    child,
    spec.source,
    port,
    () =>
      new Promise((resolve, reject) => {
        const id = ++nextId;
        const timer = setTimeout(() => reject(new Error(`no counters from ${spec.source} within 5 s`)), 5_000);
        const onMessage = (message: { type?: string; id?: number; counters?: SinkCounters }): void => {
          if (message?.type !== 'stats' || message.id !== id || message.counters === undefined) return;
          clearTimeout(timer);
          child.off('message', onMessage);
          resolve(message.counters);
        };
        child.on('message', onMessage);
        child.send({ type: 'stats', id });
      }),
  );
}

/** The entry `npm start` runs (package.json), run the same way: Node on the TypeScript source. */
export const LOCAL_SERVER_ENTRY = join(ROOT, 'functions', 'local-server.ts');

/**
 * `npm start` as a user runs it, with the local sink writing to `localDir`. Its counters are the
 * rows in the two NDJSON files: what the sink wrote, read back as a user would see them.
 */
export async function startLocalServer(
  env: Readonly<Record<string, string>>,
  localDir: string,
): Promise<FunctionServer> {
  const port = await freePort();
  const child = spawn(process.execPath, [LOCAL_SERVER_ENTRY], {
    cwd: ROOT,
    env: { ...process.env, ...env, SLUICE_LOCAL_DIR: localDir, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  return serve(child, LOCAL_SERVER_ENTRY, port, async () => ({
    kind: 'local',
    valid: await countLines(join(localDir, 'valid.ndjson')),
    invalid: await countLines(join(localDir, 'invalid.ndjson')),
    publishCalls: 0,
  }));
}

/** Newlines in a file (0 when it does not exist), read in chunks. */
async function countLines(path: string): Promise<number> {
  let count = 0;
  try {
    for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
      for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) count++;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  return count;
}

/** Waits for a spawned server to answer /health, and wraps it. */
async function serve(
  child: ChildProcess,
  what: string,
  port: number,
  counters: () => Promise<SinkCounters>,
): Promise<FunctionServer> {
  const url = `http://127.0.0.1:${port}`;
  let output = '';
  const keep = (chunk: Buffer): void => {
    output = (output + chunk.toString('utf8')).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not spawn ${what}`);

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`${what} exited before serving:\n${output}`);
    if ((await tryRequest(url, { method: 'GET', path: '/health', headers: {} })) !== undefined) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${what} did not answer within ${READY_TIMEOUT_MS} ms:\n${output}`);
    }
    await sleep(50);
  }

  return {
    url,
    pid,
    output: () => output,
    peakRssBytes: () => peakRssBytes(pid),
    cpuMs: () => cpuMs(pid),
    counters,
    stop: () => stopProcess(child),
  };
}

export async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(killer);
}

/** VmHWM ("high water mark" of the resident set) from /proc/<pid>/status, in bytes; 0 where /proc is missing. */
export function peakRssBytes(pid: number): number {
  try {
    const match = /^VmHWM:\s+(\d+)\s+kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/**
 * utime + stime from /proc/<pid>/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux), in
 * milliseconds; 0 where /proc is missing. CPU time per request is the figure that other load on a
 * shared machine disturbs least: it is what a serverless bill follows.
 */
export function cpuMs(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after it.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return 0;
  }
}

/** USER_HZ is 100 on every Linux architecture Node runs on. */
const CLOCK_TICK_MS = 10;

/** One request on a fresh connection; the status, or undefined when nothing answered (not listening yet). */
export function tryRequest(
  url: string,
  request: Pick<BenchRequest, 'method' | 'path' | 'headers' | 'body'>,
  timeoutMs = 5_000,
): Promise<number | undefined> {
  return new Promise((resolve) => {
    const outgoing = httpRequest(
      `${url}${request.path}`,
      { method: request.method, headers: request.headers, agent: false, timeout: timeoutMs },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode));
        response.on('error', () => resolve(undefined));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error('timeout')));
    outgoing.on('error', () => resolve(undefined));
    outgoing.end(request.body);
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
