/** Small test harness for the server tests: a World with servers s1..sN and client handles. */
import { World } from '../sim/world.js';
import { ZooKeeperServer } from '../core/server/index.js';
import type { ServerConfig } from '../core/server/index.js';
import { ZooKeeperClient } from '../core/client/index.js';

export interface TestCluster {
  world: World;
  names: string[];
  server(name: string): ZooKeeperServer | undefined;
  client(name: string, opts?: { servers?: string[]; timeout?: number }): ZooKeeperClient;
  /** Run until `p` resolves (or the virtual time limit passes), returning its value. */
  run<T>(p: Promise<T>, limitMs?: number): Promise<T>;
  /** Run the world until predicate (or time limit). */
  until(pred: () => boolean, limitMs?: number): Promise<boolean>;
  advance(ms: number): Promise<void>;
  leader(): string | null;
}

export function makeCluster(opts: {
  seed?: number;
  servers?: number;
  observers?: number;
  tickTime?: number;
  initLimit?: number;
  syncLimit?: number;
  bugs?: string[];
  recordTrace?: boolean;
  snapCount?: number;
}): TestCluster {
  const n = opts.servers ?? 1;
  const obs = opts.observers ?? 0;
  const world = new World({ seed: opts.seed ?? 1, recordTrace: opts.recordTrace ?? false });
  const names: string[] = [];
  const peers: ServerConfig['peers'] = [];
  for (let i = 1; i <= n + obs; i++) {
    names.push(`s${i}`);
    peers.push(i > n ? { id: i, name: `s${i}`, observer: true } : { id: i, name: `s${i}` });
  }
  for (let i = 1; i <= n + obs; i++) {
    const cfg: ServerConfig = {
      myId: i, peers, tickTime: opts.tickTime ?? 2000, initLimit: opts.initLimit ?? 10, syncLimit: opts.syncLimit ?? 5,
      ...(opts.bugs ? { bugs: opts.bugs } : {}),
      ...(opts.snapCount ? { snapCount: opts.snapCount } : {}),
    };
    world.addProcess(`s${i}`, () => new ZooKeeperServer(cfg));
  }
  const tc: TestCluster = {
    world,
    names,
    server: (name) => world.role<ZooKeeperServer>(name),
    client(name, o) {
      const c = new ZooKeeperClient({
        servers: o?.servers ?? names,
        sessionTimeoutMs: o?.timeout ?? 10000,
        onUserWake: () => world.wakeUser(),
        noShuffle: true,
      });
      world.addProcess(name, () => c);
      return c;
    },
    async run<T>(p: Promise<T>, limitMs = 60000): Promise<T> {
      let done = false;
      let val: T | undefined;
      let err: unknown;
      let failed = false;
      p.then((v) => { done = true; val = v; }, (e) => { done = true; failed = true; err = e; });
      const end = world.now + limitMs;
      await world.runAsync(() => done || world.now > end);
      if (!done) throw new Error(`operation did not complete within ${limitMs} ms`);
      if (failed) throw err;
      return val as T;
    },
    async until(pred, limitMs = 60000) {
      const end = world.now + limitMs;
      await world.runAsync(() => pred() || world.now > end);
      return pred();
    },
    async advance(ms) {
      await world.runAsync(world.now + ms);
    },
    leader() {
      for (const nm of names) {
        const s = world.role<ZooKeeperServer>(nm);
        if (s && world.isUp(nm) && (s.state === 'LEADING' || s.state === 'STANDALONE') && s.serving) return nm;
      }
      return null;
    },
  };
  return tc;
}

import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import type { ClientMessage, ServerMessage } from '../core/protocol.js';

/** A raw wire client: one connection at a time, records everything it receives. */
export class RawClient implements Role<unknown> {
  port!: Port<unknown>;
  conn: ConnId | null = null;
  received: ServerMessage[] = [];
  closed = false;
  connected = false;
  start(port: Port<unknown>): void {
    this.port = port;
  }
  handle(ev: ProcessEvent<unknown>): void {
    if (ev.kind === 'connected' && ev.conn === this.conn) this.connected = true;
    if (ev.kind === 'closed' && ev.conn === this.conn) this.closed = true;
    if (ev.kind === 'message' && ev.conn === this.conn) this.received.push(ev.msg as ServerMessage);
  }
  open(server: string): void {
    this.received = [];
    this.closed = false;
    this.connected = false;
    this.conn = this.port.connect(server);
  }
  send(m: ClientMessage): void {
    if (this.conn !== null) this.port.send(this.conn, m);
  }
  close(): void {
    if (this.conn !== null) this.port.close(this.conn);
    this.conn = null;
  }
}

/** A raw client process `name` connected to `server` with a new session (its ConnectResponse received). */
export async function rawSession(tc: TestCluster, name: string, server: string): Promise<RawClient> {
  const r = new RawClient();
  tc.world.addProcess(name, () => r);
  await tc.advance(1);
  r.open(server);
  await tc.until(() => r.connected, 1000);
  r.send({ type: 'connect', protocolVersion: 0, lastZxidSeen: 0, timeoutMs: 10000, sessionId: 0, passwd: '' });
  await tc.until(() => r.received.length > 0, 5000);
  return r;
}
