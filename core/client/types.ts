/**
 * Public types of the zksim ZooKeeper client: watchers, events, states, configuration and the history recorder
 * interface (structurally the same as check/history.ts's HistoryRecorder; core/ may not import check/).
 */
import type { EventType, KeeperState, MultiResult } from '../protocol.js';

export { CreateMode, EventType, KeeperState, AddWatchMode, WatcherType } from '../protocol.js';
export type { Stat, Data, MultiOp, MultiResult, ReadOp, ReadResult } from '../protocol.js';
export type { ACL, Id, ClientInfo } from '../acl.js';

/** What a watcher receives (Java: WatchedEvent). `path` is null for state events (type None). */
export interface WatchedEvent {
  type: EventType;
  state: KeeperState;
  path: string | null;
}
/** A watcher is a plain function; the same function registered twice on one path and kind is one entry. */
export type Watcher = (event: WatchedEvent) => void;

/** Client handle states (Java: ZooKeeper.States, reduced). */
export type ClientState = 'CONNECTING' | 'CONNECTED' | 'CLOSED';

/** User data: bytes, a string (sent as UTF-8) or null (ZooKeeper distinguishes null from empty). */
export type DataInput = Uint8Array | string | null;

/** Result of a successful multi sub-op (Java: OpResult). */
export type OpResult = Exclude<MultiResult, { op: 'error' }>;

/** The subset of check/history.ts's HistoryRecorder the client uses. */
export interface ClientRecorder {
  invoke(process: string | number, op: string, args: unknown, time: number): number;
  ok(id: number, result: unknown, time: number, zxid?: number): void;
  fail(id: number, error: { code: number; name: string; results?: unknown }, time: number, zxid?: number, notApplied?: boolean): void;
  info(id: number, time: number, error?: { code: number; name: string }): void;
  event(process: string | number, type: 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged', path: string, time: number): void;
  session(
    process: string | number,
    state: 'connected' | 'disconnected' | 'expired' | 'closed',
    time: number,
    extra?: { server?: string | number; sessionId?: number | string },
  ): void;
}

export interface ClientConfig {
  /** Server names ("s1", "s2", ...). Shuffled once with the port's random stream at start (Java StaticHostProvider). */
  servers: string[];
  /** Requested session timeout in ms (default 10 000); the server negotiates it into [2, 20] x tickTime. */
  sessionTimeoutMs?: number;
  /** Default watcher: receives state events (SyncConnected, Disconnected, Expired, Closed) and `watch: true` events. */
  watcher?: Watcher;
  /** Called after the client settled a promise user code awaits or called a user watcher (wire to world.wakeUser()). */
  onUserWake?: () => void;
  /**
   * Told of each exception a user watcher throws, and of each rejection of a promise one returns (an async watcher),
   * after the client noted it in `watcherErrors`: watchers never break the client, but a harness may judge them.
   */
  onWatcherError?: (e: unknown) => void;
  /** Where operations, watch events and session states are recorded. */
  recorder?: ClientRecorder;
  /** History process id (default: the port's name). One process = one session handle. */
  process?: string | number;
  /** Virtual clock for calls made before the world started the role (default: the port's clock, else 0). */
  clock?: () => number;
  /** Keep the host order given (no shuffle). For tests. */
  noShuffle?: boolean;
}
