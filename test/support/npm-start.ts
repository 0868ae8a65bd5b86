import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { freePort } from './free-port.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface LocalServer {
  readonly port: number;
  output(): string;
  stop(): Promise<void>;
}

/** Runs `npm start`'s script as a user would, and waits until its banner has printed `ready`. */
export async function startLocalServer(env: Record<string, string>, ready: string): Promise<LocalServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['functions/local-server.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: String(port), SLUICE_CONFIG: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr?.on('data', (chunk) => (output += chunk));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += chunk;
      if (output.includes(ready)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`npm start exited with ${code}: ${output}`)));
  });
  return {
    port,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}
