import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

/** The deployable bundle of build/bundle-function.ts, run by the functions framework's CLI for tests. */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const FRAMEWORK_CLI = join(ROOT, 'node_modules', '@google-cloud', 'functions-framework', 'build', 'src', 'main.js');

/** A bundle served by the framework's CLI on a free port, as the nodejs22 runtime runs it. */
export interface ServedBundle {
  readonly base: string;
  /** What the process printed so far, for assertion messages. */
  output(): string;
  stop(): Promise<void>;
}

export async function serveBundle(outDir: string, env: NodeJS.ProcessEnv): Promise<ServedBundle> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [FRAMEWORK_CLI, '--target=collect', '--signature-type=http', `--port=${port}`, `--source=${outDir}`],
    {
      cwd: outDir,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return {
    base: `http://127.0.0.1:${port}`,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

/** The first answer to `path` once the bundle listens (it is retried while nothing does), or undefined after `timeoutMs`. */
export async function firstAnswer(
  served: ServedBundle,
  path: string,
  init?: RequestInit,
  timeoutMs = 10_000,
): Promise<Response | undefined> {
  return waitFor(() => fetch(`${served.base}${path}`, init).catch(() => undefined), {
    timeoutMs,
    intervalMs: 100,
    what: `an answer from ${served.base}${path}`,
  }).catch(() => undefined);
}

/** POST of one self-describing event as JSON. */
export const postJson = (body: unknown): RequestInit => ({
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});
