/**
 * A loopback TCP proxy in front of one ZooKeeper server, one per transcript session. It pins the session to exactly
 * one server (node-zookeeper-client would shuffle a connect string) and lets the harness make the session's
 * connection go silent (`blackhole`): bytes in both directions are dropped and closes are not propagated, as with a
 * network partition between that client and its server. `expire` uses it: blackhole, wait until the server closes
 * its side (it does so when it expires the session), then `release` so the client's reconnect learns of the expiry.
 */
import { createServer, connect as netConnect, type Server, type Socket } from 'node:net';

interface Pair {
  client: Socket;
  upstream: Socket | null;
  pending: Buffer[];
  upstreamClosed: boolean;
}

export class TcpProxy {
  private server!: Server;
  private pairs = new Set<Pair>();
  private holed = false;
  private upstreamCloseWaiters: Array<() => void> = [];
  port = 0;

  private constructor(readonly targetHost: string, readonly targetPort: number) {}

  static async start(targetHost: string, targetPort: number): Promise<TcpProxy> {
    const p = new TcpProxy(targetHost, targetPort);
    p.server = createServer((client) => p.accept(client));
    await new Promise<void>((resolve, reject) => {
      p.server.once('error', reject);
      p.server.listen(0, '127.0.0.1', () => resolve());
    });
    const addr = p.server.address();
    p.port = typeof addr === 'object' && addr ? addr.port : 0;
    return p;
  }

  private accept(client: Socket): void {
    client.setNoDelay(true);
    const pair: Pair = { client, upstream: null, pending: [], upstreamClosed: false };
    this.pairs.add(pair);
    client.on('error', () => undefined);
    client.on('close', () => {
      pair.upstream?.destroy();
      this.pairs.delete(pair);
    });
    client.on('data', (d: Buffer) => {
      if (this.holed) return;
      if (pair.upstream && pair.upstream.readyState === 'open') pair.upstream.write(d);
      else pair.pending.push(d);
    });
    if (this.holed) return; // held: connected upstream only if released before the client gives up
    this.openUpstream(pair);
  }

  private openUpstream(pair: Pair): void {
    const up = netConnect({ host: this.targetHost, port: this.targetPort });
    pair.upstream = up;
    up.setNoDelay(true);
    up.on('connect', () => {
      for (const b of pair.pending) up.write(b);
      pair.pending = [];
    });
    up.on('data', (d: Buffer) => {
      if (!this.holed) pair.client.write(d);
    });
    up.on('error', () => undefined);
    up.on('close', () => {
      pair.upstreamClosed = true;
      const waiters = this.upstreamCloseWaiters;
      this.upstreamCloseWaiters = [];
      for (const w of waiters) w();
      if (!this.holed) pair.client.destroy();
    });
  }

  /** Drop everything in both directions from now on; hold new connections. */
  blackhole(): void {
    this.holed = true;
  }

  /** Resolves true when some upstream connection closed (the server dropped its side) within timeoutMs. */
  waitUpstreamClosed(timeoutMs: number): Promise<boolean> {
    for (const p of this.pairs) if (p.upstreamClosed) return Promise.resolve(true);
    return new Promise((resolve) => {
      const t = setTimeout(() => resolve(false), timeoutMs);
      this.upstreamCloseWaiters.push(() => {
        clearTimeout(t);
        resolve(true);
      });
    });
  }

  /** End the partition: every existing client connection is reset, new ones are forwarded again. */
  release(): void {
    this.holed = false;
    for (const p of [...this.pairs]) {
      p.client.destroy();
      p.upstream?.destroy();
    }
  }

  async close(): Promise<void> {
    for (const p of [...this.pairs]) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.pairs.clear();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
