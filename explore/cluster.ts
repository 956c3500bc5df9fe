/**
 * The exploration harness: a world with servers s1..sN (ZooKeeperServer, with the configured bug switches) and
 * client sessions (ZooKeeperClient) that all record into one history. A client slot whose session expired can open
 * a new session: a new process `c{i}-{gen}` (a new history process, as the history format requires).
 */
import { World } from '../sim/world.js';
import { ZooKeeperServer } from '../core/server/index.js';
import { ZooKeeperClient } from '../core/client/index.js';
import { HistoryRecorder } from '../check/history.js';
import type { ExploreConfig } from './spec.js';
import { serverNames } from './nemesis.js';
import type { Seed } from '../sim/random.js';

export interface Session {
  slot: number;
  name: string;
  client: ZooKeeperClient;
}

export class ExploreCluster {
  readonly world: World;
  readonly servers: string[];
  readonly history = new HistoryRecorder();
  /** Current session of each client slot. */
  readonly sessions: Session[] = [];
  /** Told of an exception of a watcher of session `name` (a recipe's own error: explore/workloads/module.ts). */
  onWatcherError: ((name: string, e: unknown) => void) | undefined;
  /** Every client process ever started (slots' generations). */
  readonly clientProcs: string[] = [];
  private readonly gens: number[] = [];

  constructor(seed: Seed, readonly config: ExploreConfig, clientSlots: number, opts: { recordTrace?: boolean; traceDetail?: 'all' | 'protocol'; maxEvents?: number } = {}) {
    this.world = new World({ seed, recordTrace: opts.recordTrace ?? false, traceDetail: opts.traceDetail ?? 'all', maxEvents: opts.maxEvents ?? 20_000_000 });
    this.servers = serverNames(config.servers);
    const peers = this.servers.map((name, i) => ({ id: i + 1, name }));
    this.servers.forEach((name, i) => {
      this.world.addProcess(name, () =>
        new ZooKeeperServer({
          myId: i + 1,
          peers,
          tickTime: config.tickTime,
          initLimit: config.initLimit,
          syncLimit: config.syncLimit,
          bugs: config.bugs,
          ...(config.extendedTypes ? { extendedTypesEnabled: true } : {}),
          ...(config.containerCheckMs !== undefined ? { containerCheckIntervalMs: config.containerCheckMs } : {}),
        }),
      );
    });
    for (let slot = 0; slot < clientSlots; slot++) {
      this.gens.push(0);
      this.sessions.push(this.openSession(slot));
    }
  }

  /** Starts a new session (process) for a slot and makes it the slot's current one. */
  openSession(slot: number): Session {
    const gen = ++this.gens[slot]!;
    const name = gen === 1 ? `c${slot + 1}` : `c${slot + 1}-${gen}`;
    const client = new ZooKeeperClient({
      servers: this.servers,
      sessionTimeoutMs: this.config.sessionTimeoutMs,
      recorder: this.history,
      process: name,
      onUserWake: () => this.world.wakeUser(),
      onWatcherError: (e) => this.onWatcherError?.(name, e),
    });
    this.world.addProcess(name, () => client);
    this.clientProcs.push(name);
    const s: Session = { slot, name, client };
    this.sessions[slot] = s;
    return s;
  }

  /** Ids of the current sessions (one per slot) whose client is not closed: the sessions still open. */
  openSessionIds(): Set<number> {
    const open = new Set<number>();
    for (const s of this.sessions) if (s.client.state !== 'CLOSED' && s.client.sessionId) open.add(s.client.sessionId);
    return open;
  }

  server(name: string): ZooKeeperServer | undefined {
    return this.world.role<ZooKeeperServer>(name);
  }

  /** The server leading (or standalone) and serving clients now, or null. */
  leader(): string | null {
    for (const name of this.servers) {
      const s = this.server(name);
      if (!s || this.world.isPaused(name)) continue;
      if ((s.state === 'LEADING' || s.state === 'STANDALONE') && s.serving) return name;
    }
    return null;
  }

  epoch(): number {
    let e = 0;
    for (const name of this.servers) e = Math.max(e, this.server(name)?.epoch ?? 0);
    return e;
  }

  /** Server states, for explanations. */
  states(): string {
    return this.servers
      .map((n) => {
        const s = this.server(n);
        return `${n}=${!s ? 'down' : this.world.isPaused(n) ? 'paused' : `${s.state}${s.serving ? '' : '(not serving)'}`}`;
      })
      .join(' ');
  }
}
