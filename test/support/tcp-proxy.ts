import type { AddressInfo } from 'node:net';
import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 in front of another local port, to make outages on purpose without
 * touching what is behind it:
 * - `forward`: bytes pass both ways (the normal state);
 * - `hold`: connections stay open but no byte moves (a hung network: calls wait for their deadline);
 * - `refuse`: every connection is cut and new ones are closed at once (the service is gone).
 * Used with the Pub/Sub emulator: the sink talks through the proxy, while the test reads the
 * emulator directly, so it can collect every message even while the sink cannot reach it.
 */
export type ProxyMode = 'forward' | 'hold' | 'refuse';

export interface TcpProxy {
  /** `127.0.0.1:<port>` of the proxy. */
  readonly host: string;
  readonly mode: ProxyMode;
  setMode(mode: ProxyMode): void;
  close(): Promise<void>;
}

interface Pair {
  readonly client: Socket;
  readonly upstream: Socket;
  flowing: boolean;
}

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  let mode: ProxyMode = 'forward';
  const pairs = new Set<Pair>();
  const flow = (pair: Pair): void => {
    if (pair.flowing) return;
    pair.flowing = true;
    pair.client.pipe(pair.upstream);
    pair.upstream.pipe(pair.client);
  };
  const hold = (pair: Pair): void => {
    pair.flowing = false;
    pair.client.unpipe(pair.upstream);
    pair.upstream.unpipe(pair.client);
    pair.client.pause();
    pair.upstream.pause();
  };

  const server: Server = createServer((client) => {
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    const upstream = createConnection(target);
    const pair: Pair = { client, upstream, flowing: false };
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    if (mode === 'forward') flow(pair);
    else hold(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;

  return {
    host: `127.0.0.1:${port}`,
    get mode() {
      return mode;
    },
    setMode(next) {
      mode = next;
      for (const pair of [...pairs]) {
        if (next === 'refuse') {
          pair.client.destroy();
          pair.upstream.destroy();
        } else if (next === 'hold') {
          hold(pair); // unpiped: pipe() would resume a paused source when its destination drains
        } else {
          flow(pair);
        }
      }
    },
    close() {
      for (const pair of pairs) {
        pair.client.destroy();
        pair.upstream.destroy();
      }
      pairs.clear();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
