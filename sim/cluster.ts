/**
 * The cluster harness: a World with ZooKeeper servers s1..sN (plus observers) and client processes c1, c2, ...
 * sharing one history recorder. Tests, scenarios and workloads drive it:
 *
 *   const cluster = new Cluster({ seed: 42, servers: 3 });
 *   const c1 = cluster.client('c1');                     // a ZooKeeperClient hosted as process "c1"
 *   await cluster.until(() => cluster.leader() !== null && c1.state === 'CONNECTED', 30_000);
 *   const path = await cluster.run(c1.create('/a', 'x'));  // runs the world until the promise settles
 *   await cluster.runFor(5_000);
 *   cluster.history.events                               // check/history.ts events
 *
 * Everything runs on virtual time; promise continuations settle between events (World.runAsync).
 */
import { World } from './world.js';
import type { Seed } from './random.js';
import type { Latency } from './network.js';
import { ZooKeeperServer, type ServerConfig, type ServerRole } from '../core/server/index.js';
import { ZooKeeperClient } from '../core/client/index.js';
import type { Watcher } from '../core/client/index.js';
import { HistoryRecorder } from '../check/history.js';

export interface ClusterOptions {
  seed: Seed;
  /** Voting servers (default 3; 1 = standalone). */
  servers?: number;
  /** Observers, named after the voters (default 0). */
  observers?: number;
  tickTime?: number;
  initLimit?: number;
  syncLimit?: number;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  snapCount?: number;
  /** Server bug switches (core/server SERVER_BUGS). */
  bugs?: readonly string[];
  /** zookeeper.extendedTypesEnabled on every server: TTL nodes (default false). */
  extendedTypesEnabled?: boolean;
  /** znode.container.checkIntervalMs on every server (default 60 000). */
  containerCheckIntervalMs?: number;
  recordTrace?: boolean;
  /** See WorldOptions.traceDetail. */
  traceDetail?: 'all' | 'protocol';
  /** Default per-message latency. */
  latency?: Latency;
  maxEvents?: number;
  /** Default session timeout requested by clients (ms, default 10 000). */
  sessionTimeoutMs?: number;
  /** Clients c1..cK to add at once (default 0); their handles are in `clients`. */
  clients?: number;
}

export interface ClientOptions {
  /** Server names the client may use (default: every server, voters and observers). */
  servers?: string[];
  /** Requested session timeout (ms). */
  timeoutMs?: number;
  /** Default watcher (state events and `watch: true`). */
  watcher?: Watcher;
  /** History process id (default: the client's name). */
  process?: string | number;
}

export class Cluster {
  readonly world: World;
  readonly history = new HistoryRecorder();
  /** All server names, voters first (s1..sN), then observers. */
  readonly serverNames: string[] = [];
  readonly clientNames: string[] = [];
  /** Handles of the clients added by the `clients` option (c1..cK). */
  readonly clients: ZooKeeperClient[] = [];
  private readonly opts: ClusterOptions;

  constructor(opts: ClusterOptions) {
    this.opts = opts;
    this.world = new World({ seed: opts.seed, recordTrace: opts.recordTrace ?? false, traceDetail: opts.traceDetail ?? 'all', ...(opts.latency ? { latency: opts.latency } : {}), ...(opts.maxEvents ? { maxEvents: opts.maxEvents } : {}) });
    const voters = opts.servers ?? 3;
    const observers = opts.observers ?? 0;
    if (voters < 1) throw new Error('a cluster needs at least one server');
    const peers: ServerConfig['peers'] = [];
    for (let i = 1; i <= voters + observers; i++) peers.push({ id: i, name: `s${i}`, ...(i > voters ? { observer: true } : {}) });
    for (const peer of peers) {
      const config: ServerConfig = {
        myId: peer.id,
        peers,
        tickTime: opts.tickTime ?? 2000,
        initLimit: opts.initLimit ?? 10,
        syncLimit: opts.syncLimit ?? 5,
      };
      if (opts.minSessionTimeout !== undefined) config.minSessionTimeout = opts.minSessionTimeout;
      if (opts.maxSessionTimeout !== undefined) config.maxSessionTimeout = opts.maxSessionTimeout;
      if (opts.snapCount !== undefined) config.snapCount = opts.snapCount;
      if (opts.bugs?.length) config.bugs = opts.bugs;
      if (opts.extendedTypesEnabled) config.extendedTypesEnabled = true;
      if (opts.containerCheckIntervalMs !== undefined) config.containerCheckIntervalMs = opts.containerCheckIntervalMs;
      this.serverNames.push(peer.name);
      this.world.addProcess(peer.name, () => new ZooKeeperServer(config));
    }
    for (let i = 1; i <= (opts.clients ?? 0); i++) this.clients.push(this.client(`c${i}`));
  }

  /**
   * Adds a client process `name` and returns its handle (the ZooKeeperClient role). If the process is restarted
   * (world.restart), it gets a new handle with a new session: call `handle(name)` for it.
   */
  client(name: string, opts: ClientOptions = {}): ZooKeeperClient {
    const world = this.world;
    const cfg = {
      servers: opts.servers ?? this.serverNames,
      sessionTimeoutMs: opts.timeoutMs ?? this.opts.sessionTimeoutMs ?? 10_000,
      recorder: this.history,
      process: opts.process ?? name,
      onUserWake: () => world.wakeUser(),
      clock: () => world.now,
      ...(opts.watcher ? { watcher: opts.watcher } : {}),
    };
    world.addProcess(name, () => new ZooKeeperClient(cfg));
    this.clientNames.push(name);
    return this.handle(name)!;
  }

  /** The live client handle of process `name` (undefined while crashed). */
  handle(name: string): ZooKeeperClient | undefined {
    return this.world.role<ZooKeeperClient>(name);
  }

  /** The live server role `s<id>` or by name (undefined while crashed). */
  server(idOrName: number | string): ZooKeeperServer | undefined {
    return this.world.role<ZooKeeperServer>(typeof idOrName === 'number' ? `s${idOrName}` : idOrName);
  }

  /** The state of a server (DOWN while crashed). */
  serverState(idOrName: number | string): ServerRole {
    return this.server(idOrName)?.state ?? 'DOWN';
  }

  /**
   * The id of the server leading (LEADING, or STANDALONE for one server), or null. When several believe they lead
   * (a deposed leader that has not noticed yet), the one with the highest epoch, then the lowest id.
   */
  leader(): number | null {
    let best: ZooKeeperServer | null = null;
    for (const name of this.serverNames) {
      const s = this.server(name);
      if (!s || (s.state !== 'LEADING' && s.state !== 'STANDALONE')) continue;
      if (!best || s.epoch > best.epoch) best = s;
    }
    return best ? best.myId : null;
  }

  /** Ids of every server that believes it is leading. */
  leaders(): number[] {
    return this.serverNames.map((n) => this.server(n)).filter((s): s is ZooKeeperServer => !!s && (s.state === 'LEADING' || s.state === 'STANDALONE')).map((s) => s.myId);
  }

  /** Runs the world for `ms` of virtual time. */
  async runFor(ms: number): Promise<void> {
    await this.world.runAsync(this.world.now + ms);
  }

  /** Runs until `pred` holds (checked after every event) or `maxMs` passes; returns whether it holds. */
  async until(pred: () => boolean, maxMs = 60_000): Promise<boolean> {
    const end = this.world.now + maxMs;
    if (pred()) return true;
    await this.world.runAsync(() => pred() || this.world.now >= end);
    if (!pred() && this.world.now < end) await this.world.runAsync(end); // queue ran dry early
    return pred();
  }

  /**
   * Runs the world until `p` settles (at most maxMs of virtual time) and returns its value or throws its error.
   * Throws an Error if it does not settle in time.
   */
  async run<T>(p: Promise<T>, maxMs = 120_000): Promise<T> {
    let done = false;
    let value: T | undefined;
    let error: unknown;
    let failed = false;
    p.then(
      (v) => {
        done = true;
        value = v;
      },
      (e) => {
        done = true;
        failed = true;
        error = e;
      },
    );
    await this.until(() => done, maxMs);
    if (!done) throw new Error(`cluster.run: the operation did not complete within ${maxMs} ms of virtual time`);
    if (failed) throw error;
    return value as T;
  }

  /** A promise that resolves after `ms` of virtual time (for user code: workloads, scenarios). */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.world.schedule(ms, 'sleep', () => {
        resolve();
        this.world.wakeUser();
      });
    });
  }

  /** Waits until some server leads and every named client (default: all) is CONNECTED. */
  async ready(maxMs = 60_000, clients: string[] = this.clientNames): Promise<boolean> {
    return this.until(() => this.leader() !== null && clients.every((c) => this.handle(c)?.state === 'CONNECTED'), maxMs);
  }
}
