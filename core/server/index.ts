/**
 * The ZooKeeper server role (standalone and quorum peer), sans-I/O on a Port.
 *
 *   new ZooKeeperServer(config).start(port)      — the world calls start/handle
 *
 * Modules: connections.ts (client cnxns, handshake, per-session FIFO pipeline), sessions.ts (expiry buckets, ids,
 * passwords), db.ts (committed tree + watches + committedLog), leader.ts (discovery/sync/broadcast as leader, and the
 * standalone server = a leader of a 1-voter ensemble in epoch 0 with no discovery), follower.ts (follower/observer),
 * quorum-messages.ts (peer messages), election.ts (FLE) and storage.ts (txn log/snapshots/epoch files).
 *
 * States (traced as 'state' {role, epoch}): LOOKING, FOLLOWING, LEADING, OBSERVING, STANDALONE; DOWN when storage
 * refuses to start. A server LOOKING closes and refuses client connections; whenever it leaves
 * FOLLOWING/LEADING/OBSERVING it rebuilds its tree from disk (snapshot + every logged txn, ZOOKEEPER-2845 fix).
 *
 * Trace kinds emitted (node = the server):
 *  - 'state' {role, epoch, phase?}: role changes (LOOKING/FOLLOWING/LEADING/OBSERVING/STANDALONE/DOWN); learners
 *    trace phase 'broadcast' at UPTODATE, the leader when a quorum ACKed NEWLEADER.
 *  - 'leader' {epoch, zxid, historyZxid}: leadership established (serving) in `epoch`; historyZxid = the last zxid
 *    of its history (everything up to it is committed from now on); then 'history-close' {zxid, session} for each
 *    closeSession txn among the last 500 of that history, and for each other one it did not see commit (restored
 *    from a snapshot: ZkDb.unconfirmedCloses): some commit only now, see leader.ts.
 *  - 'epoch' {accepted | current, role}: an epoch file written.
 *  - 'propose' {zxid, type, session, epoch}, 'ack' {zxid, from} (leader side, incl. its own), 'commit' {zxid, epoch,
 *    acks} (leader's commit decision, before it applies).
 *  - 'apply' {zxid, type, session, digest?}: a server applied (delivered) a committed txn to its live tree; digest
 *    is the tree digest after it (present while the tree has <= 1000 znodes, else when zxid % 64 = 0). Every
 *    server, in order.
 *    A delete the servers made themselves (the leader's container manager: session 0) has a `path` too, on its
 *    'propose' and its 'apply' (the checkers add it to the clients' history: check/history.ts withServerDeletes).
 *  - 'recover' {zxid, txns, snapshot, acceptedEpoch, currentEpoch}: the tree was rebuilt from disk (start, and
 *    whenever the server goes LOOKING, and after TRUNC): memory = snapshot + EVERY logged txn up to `zxid`,
 *    committed or not (ZooKeeper does the same); 'apply' events continue after that point.
 *  - 'sync' {peer, mode diff|trunc|snap, zxid, peerZxid, txns} (leader), 'learner' {event ...} (both sides).
 *  - 'session' {id, event create|connected|revalidate|expire|closed|close-request|reattach-expired}.
 *  - 'look' / 'vote' / 'decide' (election.ts), 'stepdown' {reason}, 'refuse' (client ahead), 'snapshot'.
 */
import { IdMap } from './id-map.js';
import { TRACE_KIND_NAMES, TraceKind, type ConnId, type NodeName, type Port, type ProcessEvent, type Role } from '../port.js';
import type { ClientMessage, Request, WatchEventMsg } from '../protocol.js';
import { Code } from '../errors.js';
import type { DataTree, TreeSnapshot } from '../datatree.js';
import type { Txn } from '../txn.js';
import { serveRead } from '../watches.js';
import { DEFAULT_AUTH, Perms, aclAllows, clientInfos } from '../acl.js';
import { CnxnTable } from './connections.js';
import type { ClientCnxn, CnxnHost, PendingRequest } from './connections.js';
import { ZkDb } from './db.js';
import type { StoredTxn } from './db.js';
import { FastLeaderElection } from './election.js';
import type { Decision, Notification } from './election.js';
import { Leader } from './leader.js';
import { Learner } from './follower.js';
import type { QuorumMessage } from './quorum-messages.js';
import { epochOf, hasId } from './quorum-messages.js';
import { firstSessionId } from './sessions.js';
import { ServerStorage, SnapshotPolicy } from './storage.js';

export interface PeerConfig {
  id: number;
  name: string;
  observer?: boolean;
}

export interface ServerConfig {
  myId: number;
  peers: Array<PeerConfig>;
  tickTime: number;
  initLimit: number;
  syncLimit: number;
  minSessionTimeout?: number;
  maxSessionTimeout?: number;
  snapCount?: number;
  bugs?: readonly string[];
  /**
   * zookeeper.extendedTypesEnabled (default false): TTL create modes are accepted (else UNIMPLEMENTED) and the
   * container manager also deletes expired TTL nodes.
   */
  extendedTypesEnabled?: boolean;
  /** znode.container.checkIntervalMs: the leader's container manager runs this often (default 60 000 ms). */
  containerCheckIntervalMs?: number;
}

export type ServerRole = 'LOOKING' | 'FOLLOWING' | 'LEADING' | 'OBSERVING' | 'STANDALONE' | 'DOWN';

/** Bug switches understood by the server (config.bugs). */
export const SERVER_BUGS = [
  'commit-before-quorum', // leader commits a proposal as soon as it logged it itself
  'ack-before-fsync', // learner ACKs a proposal before its log write is fsynced
  'election-ignores-zxid', // FLE orders votes by (peerEpoch, sid) only (and the leader skips the follower-ahead check)
  'keep-ephemerals-on-expiry', // the expirer forgets the session without a closeSession txn: its ephemerals stay
  'double-watch', // watch events are written twice to each cnxn
  'read-uncommitted', // the leader serves reads from its proposed (uncommitted) tree
  'learner-3.8.0', // 3.8.0 learner at NEWLEADER: currentEpoch first (fsynced, leader packets wait), then the txns
  //                  handed to the log and NEWLEADER ACKed before their flush; COMMIT between NEWLEADER and UPTODATE
  //                  crashes the learner (ZOOKEEPER-4643/4646/4785/4394)
  'election-1419', // FLE vote order of ZOOKEEPER-1419 (not transitive)
  'no-replay-on-rejoin', // ZOOKEEPER-2845: going LOOKING keeps the in-memory tree without replaying the txn log
  'sync-skips-leader', // a learner answers sync at once from its own state instead of through the leader
  'forget-watches-on-reconnect', // setWatches of a reconnecting session is answered ok but its watches are dropped
  'seq-from-child-count', // a sequential node's suffix comes from the parent's number of children, not its cversion
  'read-overtakes-sync', // a learner executes a read queued behind a pending forwarded sync of its session at once
  'accept-client-ahead', // a server accepts a session whose client has seen a zxid newer than its last processed one
  'forget-ephemerals-on-reload', // getEphemerals' per-session index is not rebuilt when the tree is reloaded
  'ttl-from-ctime', // the container manager measures a TTL node's age from its ctime, not its mtime
  'acl-not-in-snapshot', // snapshots (on disk, and SNAP to a learner) leave ACLs out: the nodes come back open
] as const;
export type ServerBug = (typeof SERVER_BUGS)[number];

interface PeerConn {
  sid: number;
  name: NodeName;
  kind: 'unknown' | 'election-in' | 'election-out' | 'learner-in' | 'learner-out';
  open: boolean;
  /** When we asked to connect (outgoing election connections), for the connect timeout. */
  since?: number;
}

/** QuorumCnxManager's connect timeout (zookeeper.cnxTimeout, 5 s): a connection attempt still pending is dropped. */
const ELECTION_CONNECT_TIMEOUT_MS = 5000;

const NOOP = (): void => {};

/** Does a[i] occur before index i? (a.indexOf(a[i]) < i, without the builtin call; the arrays hold a few ids) */
function hasEarlier(a: readonly number[], i: number): boolean {
  for (let j = 0; j < i; j++) if (a[j] === a[i]) return true;
  return false;
}
function traceObj2(port: Port<unknown>, kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown): void {
  port.trace(TRACE_KIND_NAMES[kind]!, { [k1]: v1, [k2]: v2 });
}
function traceObj3(port: Port<unknown>, kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown): void {
  port.trace(TRACE_KIND_NAMES[kind]!, { [k1]: v1, [k2]: v2, [k3]: v3 });
}
function traceObj4(port: Port<unknown>, kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown): void {
  port.trace(TRACE_KIND_NAMES[kind]!, { [k1]: v1, [k2]: v2, [k3]: v3, [k4]: v4 });
}
/** An afterSync callback; `arg` is the number given to afterSync. */
export type SyncCallback = (arg: number) => void;
/** The disk-sync tag of afterSync: completions are matched by order, not by tag (see syncFns). */
const AFTER_SYNC_TAG = 's';

export class ZooKeeperServer implements Role<unknown> {
  readonly config: ServerConfig;
  readonly myId: number;
  readonly voters: number[];
  readonly observers: number[];
  readonly quorumSize: number;
  readonly standalone: boolean;
  readonly isObserver: boolean;
  /**
   * The bug switches (config.bugs) as flags: cheap on hot paths (a Set lookup of a string per message otherwise),
   * and a misspelt switch name is a type error instead of a switch that is silently never on.
   */
  readonly bug: Readonly<Record<ServerBug, boolean>>;

  port!: Port<unknown>;
  storage!: ServerStorage<TreeSnapshot, StoredTxn>;
  db!: ZkDb;
  cnxns!: CnxnTable;
  fle: FastLeaderElection | null = null;
  leader: Leader | null = null;
  learner: Learner | null = null;
  state: ServerRole = 'LOOKING';
  /** Role generation: bumped on every state change; role timers and sync callbacks of older generations are dropped. */
  gen = 0;
  private servingClients = false;
  private peerConns = new IdMap<PeerConn>();
  private electionOut = new Map<number, ConnId>();
  private electionPending = new Map<number, Notification>();
  /**
   * Pending afterSync callbacks, a FIFO (a ring of syncCount entries from syncHead; the capacity is a power of two):
   * role generation, callback and its argument. One flush is in flight at a time and covers the first
   * syncCovered entries (see startSync). A ring, not arrays pushed to and spliced: nearly every logged txn on every
   * server passes through it.
   */
  private syncGens = new Int32Array(16);
  private syncFns: SyncCallback[] = new Array<SyncCallback>(16).fill(NOOP);
  private syncArgs = new Float64Array(16);
  private syncHead = 0;
  private syncCount = 0;
  /** Callbacks (from syncHead) that the flush in flight covers; 0 while no flush is in flight (see startSync). */
  private syncCovered = 0;
  private nextSessionId = 0;
  /** The last zxid of the tree when it was last installed (setDb: loaded from storage, or a leader's SNAP). */
  private loadedZxid = 0;
  private fleTimer: number | null = null;
  private snapPolicy!: SnapshotPolicy;

  constructor(config: ServerConfig) {
    this.config = {
      ...config,
      tickTime: config.tickTime ?? 2000,
      initLimit: config.initLimit ?? 10,
      syncLimit: config.syncLimit ?? 5,
    };
    this.myId = config.myId;
    this.voters = config.peers.filter((p) => !p.observer).map((p) => p.id).sort((a, b) => a - b);
    this.observers = config.peers.filter((p) => p.observer).map((p) => p.id).sort((a, b) => a - b);
    this.quorumSize = Math.floor(this.voters.length / 2) + 1;
    this.isObserver = this.observers.includes(this.myId);
    this.standalone = config.peers.length <= 1 && !this.isObserver;
    const on = new Set(config.bugs ?? []);
    const bug = {} as Record<ServerBug, boolean>;
    for (const b of SERVER_BUGS) bug[b] = on.has(b);
    this.bug = bug;
  }

  // ------------------------------------------------------------------ helpers used by leader/learner

  get tick(): number {
    return this.config.tickTime;
  }
  peerName(sid: number): NodeName {
    const p = this.config.peers.find((q) => q.id === sid);
    if (!p) throw new Error(`unknown peer ${sid}`);
    return p.name;
  }
  sidOf(name: NodeName): number | undefined {
    return this.config.peers.find((p) => p.name === name)?.id;
  }
  isVoter(sid: number): boolean {
    return hasId(this.voters, sid);
  }
  /** Do the distinct voters among `sids` form a quorum? (Arrays may repeat an id; it counts once.) */
  hasQuorum(sids: ReadonlySet<number> | readonly number[]): boolean {
    if (sids instanceof Set) return this.hasQuorumSet(sids);
    const a = sids as readonly number[];
    let n = 0;
    for (let i = 0; i < a.length; i++) if (this.isVoter(a[i]!) && !hasEarlier(a, i)) n++;
    return n >= this.quorumSize;
  }
  // (the Set form is used only during discovery/sync: kept out of hasQuorum, which the leader calls every tick, so
  // that it stays small enough for V8 to inline; the same holds for the other small "cold" helpers in this file)
  private hasQuorumSet(sids: ReadonlySet<number>): boolean {
    let n = 0;
    for (const s of sids) if (this.isVoter(s)) n++;
    return n >= this.quorumSize;
  }
  trace(kind: string, data: Record<string, unknown> = {}): void {
    this.port.trace(kind, data);
  }
  // trace(kind, { [k1]: v1, ... }) for the per-operation events (propose, ack, commit, apply): through the port's
  // fast forms when it has them, which spare building and walking an object per event.
  // The object-building fallbacks are separate functions so that these stay small (V8 inlines callees by
  // bytecode size, whether or not a branch runs).
  trace2(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown): void {
    const port = this.port;
    if (port.trace2 !== undefined) port.trace2(kind, k1, v1, k2, v2);
    else traceObj2(port, kind, k1, v1, k2, v2);
  }
  trace3(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown): void {
    const port = this.port;
    if (port.trace3 !== undefined) port.trace3(kind, k1, v1, k2, v2, k3, v3);
    else traceObj3(port, kind, k1, v1, k2, v2, k3, v3);
  }
  trace4(kind: TraceKind, k1: string, v1: unknown, k2: string, v2: unknown, k3: string, v3: unknown, k4: string, v4: unknown): void {
    const port = this.port;
    if (port.trace4 !== undefined) port.trace4(kind, k1, v1, k2, v2, k3, v3, k4, v4);
    else traceObj4(port, kind, k1, v1, k2, v2, k3, v3, k4, v4);
  }
  now(): number {
    return this.port.now();
  }

  /** A timer for the current role generation; `name` is handed back to the leader/learner. */
  setRoleTimer(delay: number, name: string): number {
    return this.port.setTimer(Math.max(0, Math.round(delay)), `r:${this.gen}:${name}`);
  }

  /**
   * Ask for a disk sync; `fn(arg)` runs when everything written so far is durable (dropped if the role changed).
   * The argument lets hot callers pass one long-lived function instead of a new closure per sync. (No default
   * parameters: they add bytecode, and V8 inlines this per logged txn only while it stays small.)
   */
  afterSync(fn: SyncCallback, arg: number): void {
    if (this.syncCount === this.syncFns.length) this.growSyncRing();
    const i = (this.syncHead + this.syncCount) & (this.syncFns.length - 1);
    this.syncGens[i] = this.gen;
    this.syncFns[i] = fn;
    this.syncArgs[i] = arg;
    this.syncCount++;
    if (this.syncCovered === 0) this.startSync();
  }

  /**
   * Group commit, as ZooKeeper's SyncRequestProcessor: one log flush at a time. A flush covers every callback queued
   * when it starts; what is written while it runs waits for the next one, which starts when it completes and covers
   * all of them (the processor appends what queued during a flush, then flushes once).
   */
  private startSync(): void {
    this.syncCovered = this.syncCount;
    this.port.disk.sync(AFTER_SYNC_TAG);
  }

  /** Doubles the afterSync ring, its entries moved to the front in FIFO order. */
  private growSyncRing(): void {
    const n = this.syncFns.length;
    const gens = new Int32Array(2 * n);
    const fns = new Array<SyncCallback>(2 * n).fill(NOOP);
    const args = new Float64Array(2 * n);
    for (let k = 0; k < n; k++) {
      const j = (this.syncHead + k) & (n - 1);
      gens[k] = this.syncGens[j]!;
      fns[k] = this.syncFns[j]!;
      args[k] = this.syncArgs[j]!;
    }
    this.syncGens = gens;
    this.syncFns = fns;
    this.syncArgs = args;
    this.syncHead = 0;
  }

  /**
   * Install a (rebuilt) database. In an ensemble every server writes its membership into /zookeeper/config
   * outside the txn stream (src: ZKDatabase.initConfigInZKDatabase); the tree digest skips that node.
   */
  setDb(db: ZkDb): void {
    this.db = db;
    // 3.8.0 NIOServerCnxn.process(event, znodeAcl): an event on a node this connection may not READ (its ids now) is
    // not written (the watch is consumed all the same)
    db.watches.canRead = (conn, acl) => {
      const c = this.cnxns.byConn.get(conn);
      return c === undefined || aclAllows(acl, Perms.READ, c.auth);
    };
    this.loadedZxid = db.tree.lastZxid;
    if (!this.standalone) {
      const lines = this.config.peers.map((p) => `server.${p.id}=${p.name}:2888:3888:${p.observer ? 'observer' : 'participant'};0.0.0.0:2181`);
      lines.push('version=0');
      db.tree.setConfigNode(new TextEncoder().encode(lines.join('\n')), this.port.now());
    }
  }

  /**
   * Write the database as `snapshot.<lastProcessedZxid>`, recording the last txn it holds when that is older (a
   * SNAP-synced learner's new-epoch name), so that a later TRUNC keeps it (ServerStorage.truncateAfter). Every snapshot
   * of the database goes through here. Returns the file name. Not durable until sync.
   */
  writeDbSnapshot(): string {
    return this.storage.writeSnapshot(this.db.lastProcessedZxid, this.dbSnapshot(), this.db.lastTxnZxid);
  }

  /** The database as a snapshot (to disk, or in a SNAP to a learner). */
  dbSnapshot(): TreeSnapshot {
    const snap = this.db.snapshot();
    // BUG SWITCH acl-not-in-snapshot: every node's ACL is written as OPEN_ACL_UNSAFE (its aversion is kept), so a
    // server that loads the snapshot (a restart, going LOOKING, a SNAP sync) has open nodes where the others do not
    if (this.bug['acl-not-in-snapshot']) {
      for (const n of snap.nodes) {
        n.perms = 31;
        delete n.acl;
      }
    }
    return snap;
  }

  /** Count logged txns; take a periodic snapshot when due (SyncRequestProcessor: snapCount/2 + rand(snapCount/2)). */
  txnsLogged(n: number): void {
    if (this.snapPolicy.txnsLogged(n)) this.takeSnapshot();
  }
  private takeSnapshot(): void {
    const name = this.writeDbSnapshot();
    this.storage.prune(3); // autopurge (keeps the simulated disk small)
    this.trace('snapshot', { zxid: this.db.lastProcessedZxid, file: name });
  }

  setServing(on: boolean): void {
    this.servingClients = on;
  }

  // ------------------------------------------------------------------ Role

  start(port: Port<unknown>): void {
    this.port = port;
    this.cnxns = new CnxnTable(this.cnxnHost());
    this.storage = new ServerStorage<TreeSnapshot, StoredTxn>(port.disk);
    this.snapPolicy = new SnapshotPolicy(this.config.snapCount ?? 100000, () => port.random());
    const r = this.storage.load();
    for (const w of r.warnings) this.trace('storage-warning', { warning: w });
    if (r.error) {
      this.trace('storage-error', { error: r.error.kind, message: r.error.message });
      this.state = 'DOWN';
      this.trace('state', { role: 'DOWN', epoch: r.currentEpoch });
      return;
    }
    if (r.epochFilesInitialised) this.port.disk.sync('init');
    this.setDb(ZkDb.recover(r));
    this.trace('recover', { zxid: r.lastLoggedZxid, txns: r.txns.length, snapshot: r.snapshot?.zxid ?? null, acceptedEpoch: r.acceptedEpoch, currentEpoch: r.currentEpoch });
    this.nextSessionId = firstSessionId(this.myId, port.now());
    if (this.standalone) {
      this.gen++;
      this.state = 'STANDALONE';
      this.trace('state', { role: 'STANDALONE', epoch: 0 });
      this.leader = new Leader(this, 0);
      this.leader.startStandalone();
      return;
    }
    this.fle = new FastLeaderElection({
      myId: this.myId,
      voters: this.voters,
      observers: this.observers,
      send: (to, n) => this.sendNotification(to, n),
      setTimer: (delay, token) => {
        if (this.fleTimer !== null) this.port.cancelTimer(this.fleTimer);
        this.fleTimer = this.port.setTimer(delay, `fle:${token}`);
      },
      cancelTimer: () => {
        if (this.fleTimer !== null) this.port.cancelTimer(this.fleTimer);
        this.fleTimer = null;
      },
      onDecision: (d) => this.onDecision(d),
      ignoreZxid: this.bug['election-ignores-zxid'],
      bug1419: this.bug['election-1419'],
      trace: (kind, data) => this.port.trace(kind, data),
    });
    this.goLooking('start', false);
  }

  /**
   * The per-operation events (a message, a disk-sync completion) are handled here; every other one (connections,
   * timers, a DOWN server) in handleOther. V8 inlines a callee only while its bytecode is small (and within a
   * per-function budget), counting branches that never run: so rare cases live in separate functions, here and in
   * the other hot paths of core/.
   */
  handle(ev: ProcessEvent<unknown>): void {
    if (ev.kind === 'message') this.message(ev.conn, ev.peer, ev.msg);
    else if (ev.kind === 'synced') this.synced(ev.tag);
    else this.handleOther(ev);
  }

  /** handle({ kind: 'message', conn, peer, msg }) (Role's fast form; a DOWN server ignores messages). */
  message(conn: ConnId, _peer: NodeName, msg: unknown): void {
    if (this.state === 'DOWN') return;
    const pc = this.peerConns.get(conn);
    if (pc) this.peerMessage(conn, pc, msg as QuorumMessage);
    else this.cnxns.message(conn, msg as ClientMessage);
  }

  /** handle({ kind: 'synced', tag }) (Role's fast form). */
  synced(tag: string): void {
    if (this.state !== 'DOWN' && tag === AFTER_SYNC_TAG) this.syncCompleted();
  }

  /**
   * The flush in flight completed: run the callbacks it covers, oldest first. syncCovered stays set meanwhile, so
   * that afterSync calls from the callbacks queue for the next flush instead of starting one.
   */
  private syncCompleted(): void {
    let covered = this.syncCovered;
    while (covered-- > 0 && this.syncCount > 0) {
      const i = this.syncHead;
      this.syncHead = (i + 1) & (this.syncFns.length - 1);
      this.syncCount--;
      const g = this.syncGens[i]!;
      const fn = this.syncFns[i]!;
      this.syncFns[i] = NOOP; // release the closure
      if (g === this.gen) fn(this.syncArgs[i]!);
    }
    this.syncCovered = 0;
    if (this.syncCount > 0) this.startSync();
  }

  private handleOther(ev: ProcessEvent<unknown>): void {
    if (this.state === 'DOWN') {
      if (ev.kind === 'accepted') this.port.close(ev.conn);
      return;
    }
    switch (ev.kind) {
      case 'accepted': {
        const sid = this.sidOf(ev.peer);
        if (sid !== undefined) this.peerConns.set(ev.conn, { sid, name: ev.peer, kind: 'unknown', open: true });
        else this.cnxns.accepted(ev.conn, ev.peer);
        return;
      }
      case 'connected': {
        const pc = this.peerConns.get(ev.conn);
        if (!pc) return;
        pc.open = true;
        if (pc.kind === 'election-out') {
          const n = this.electionPending.get(pc.sid);
          if (n) {
            this.electionPending.delete(pc.sid);
            this.port.send(ev.conn, { type: 'fle', n } satisfies QuorumMessage);
          }
        } else if (pc.kind === 'learner-out') {
          this.learner?.connected(ev.conn);
        }
        return;
      }
      case 'closed': {
        const pc = this.peerConns.get(ev.conn);
        if (!pc) {
          this.cnxns.closed(ev.conn);
          return;
        }
        this.peerConns.delete(ev.conn);
        if ((pc.kind === 'election-out' || pc.kind === 'election-in') && this.electionOut.get(pc.sid) === ev.conn) this.electionOut.delete(pc.sid);
        if (pc.kind === 'learner-in') this.leader?.handlerClosed(ev.conn);
        if (pc.kind === 'learner-out') this.learner?.closed(ev.conn);
        return;
      }
      case 'timer': {
        const tag = ev.tag;
        if (tag.startsWith('fle:')) {
          this.fleTimer = null;
          this.fle?.timeout(Number(tag.slice(4)));
          return;
        }
        if (tag.startsWith('r:')) {
          const i = tag.indexOf(':', 2);
          const g = Number(tag.slice(2, i));
          if (g !== this.gen) return;
          const name = tag.slice(i + 1);
          if (this.leader) this.leader.timer(name);
          else if (this.learner) this.learner.timer(name);
        }
        return;
      }
    }
  }

  // ------------------------------------------------------------------ peers

  // The connection's kind is tested before the message's type: a learner connection never carries an election
  // notification (they go only on connections that carried one, or were opened as 'election-out'), and `m.type` here
  // sees every kind of peer message, so that load is megamorphic (a stub-cache lookup), pc.kind is not.
  private peerMessage(conn: ConnId, pc: PeerConn, m: QuorumMessage): void {
    const kind = pc.kind;
    if (kind === 'learner-in') this.leader?.message(conn, pc.sid, m);
    else if (kind === 'learner-out') this.learner?.message(conn, m);
    else if (m.type === 'fle') this.electionMessage(conn, pc, m.n as Notification);
    else if (kind === 'unknown') this.firstPeerMessage(conn, pc, m);
  }

  private electionMessage(conn: ConnId, pc: PeerConn, n: Notification): void {
    const accepted = pc.kind === 'unknown';
    if (accepted) pc.kind = 'election-in';
    // one election channel per pair, used both ways (QuorumCnxManager): answer on the latest live connection
    pc.open = true;
    const prev = this.electionOut.get(pc.sid);
    if (prev !== conn) {
      this.electionOut.set(pc.sid, conn);
      const pend = this.electionPending.get(pc.sid);
      if (pend) this.electionPending.delete(pc.sid);
    }
    // a new election connection from the peer: our SendWorker for it starts and resends our last notification
    // (QuorumCnxManager.SendWorker.run, lastMessageSent), so a LOOKING peer whose vote we ignore still learns ours
    if (accepted) this.fle?.peerConnected(pc.sid);
    this.fle?.receive(pc.sid, n);
  }

  /** The first non-election message on an accepted peer connection: a learner's FOLLOWERINFO, if we lead. */
  private firstPeerMessage(conn: ConnId, pc: PeerConn, m: QuorumMessage): void {
    if (m.type !== 'followerinfo' || !this.leader || this.state !== 'LEADING') {
      // not leading: refuse the learner (it goes back to LOOKING)
      this.peerConns.delete(conn);
      this.port.close(conn);
      return;
    }
    pc.kind = 'learner-in';
    this.leader.message(conn, pc.sid, m);
  }

  private sendNotification(to: number, n: Notification): void {
    // An existing connection is kept however long the peer stays silent (QuorumCnxManager.connectOne: "there is a
    // connection already"): behind a partition TCP retransmits, and the peer reads our vote once the link heals.
    let conn = this.electionOut.get(to);
    const attempt = conn === undefined ? undefined : this.peerConns.get(conn);
    if (conn !== undefined && attempt && !attempt.open && this.port.now() - attempt.since! >= ELECTION_CONNECT_TIMEOUT_MS) {
      // the attempt outlived the connect timeout (its SYNs lost behind a partition): give it up, try afresh
      this.peerConns.delete(conn);
      this.port.close(conn);
      this.electionOut.delete(to);
      conn = undefined;
    }
    if (conn === undefined) {
      const c = this.port.connect(this.peerName(to));
      this.peerConns.set(c, { sid: to, name: this.peerName(to), kind: 'election-out', open: false, since: this.port.now() });
      this.electionOut.set(to, c);
      this.electionPending.set(to, n);
      return;
    }
    const pc = this.peerConns.get(conn)!;
    if (!pc.open) {
      this.electionPending.set(to, n);
      return;
    }
    this.port.send(conn, { type: 'fle', n } satisfies QuorumMessage);
  }

  /** Open the learner connection to the leader. */
  connectLearner(leaderSid: number): ConnId {
    const name = this.peerName(leaderSid);
    const c = this.port.connect(name);
    this.peerConns.set(c, { sid: leaderSid, name, kind: 'learner-out', open: false });
    return c;
  }

  closePeer(conn: ConnId): void {
    if (!this.peerConns.has(conn)) return;
    this.peerConns.delete(conn);
    this.port.close(conn);
  }

  /** Sends a quorum message; hot senders pass its type (see Port.send), which the compiler checks against m. */
  sendPeer<T extends QuorumMessage>(conn: ConnId, m: T, type?: T['type']): void {
    this.port.send(conn, m, type);
  }

  // ------------------------------------------------------------------ state changes

  /** Leave whatever role we had and start an election round. */
  goLooking(reason: string, reload = true): void {
    if (this.state === 'DOWN' || this.standalone) return;
    const prev = this.state;
    this.gen++;
    this.leader?.shutdown();
    this.learner?.shutdown();
    this.leader = null;
    this.learner = null;
    this.servingClients = false;
    this.cnxns.closeAll();
    if (reload && this.bug['no-replay-on-rejoin']) {
      // BUG SWITCH (ZOOKEEPER-2845): keep the in-memory tree (committed txns only); the log's uncommitted txns are
      // still advertised (lastLoggedZxid) but missing from memory
      this.db.lastProcessedZxid = this.db.tree.lastZxid;
    } else if (reload) {
      const r = this.storage.load();
      if (r.error) {
        this.trace('storage-error', { error: r.error.kind, message: r.error.message });
        this.state = 'DOWN';
        this.trace('state', { role: 'DOWN', epoch: r.currentEpoch });
        return;
      }
      this.setDb(ZkDb.recover(r));
      this.trace('recover', { zxid: r.lastLoggedZxid, txns: r.txns.length, snapshot: r.snapshot?.zxid ?? null, acceptedEpoch: r.acceptedEpoch, currentEpoch: r.currentEpoch, reason });
    }
    this.state = 'LOOKING';
    if (prev !== 'LOOKING' || reason === 'start') this.trace('state', { role: 'LOOKING', epoch: this.storage.currentEpoch, reason });
    this.fle!.start(this.storage.lastLoggedZxid, this.storage.currentEpoch);
  }

  private onDecision(d: Decision): void {
    if (this.state !== 'LOOKING') return;
    this.gen++;
    if (d.state === 'LEADING') {
      this.state = 'LEADING';
      this.trace('state', { role: 'LEADING', epoch: this.storage.currentEpoch, phase: 'discovery' });
      this.leader = new Leader(this, d.electionEpoch);
      this.leader.startEnsemble();
    } else {
      this.state = d.state;
      this.trace('state', { role: d.state, epoch: this.storage.currentEpoch, leader: d.leader, phase: 'discovery' });
      this.learner = new Learner(this, d.leader, d.state === 'OBSERVING');
      this.learner.start();
    }
  }

  // ------------------------------------------------------------------ committed txns (every role)

  /** Apply a committed txn: tree, watch events (before replies), replies, session bookkeeping. */
  applyCommitted(t: Txn): void {
    if (t.type === 'createSession' || t.type === 'closeSession') {
      this.applySessionTxn(t);
      return;
    }
    // the cnxn waiting for this txn's reply, if it is on this server (looked up once: session ids are not small
    // integers, so a lookup costs more than most)
    const c = this.cnxns.openSession(t.sessionId);
    const out = this.db.apply(t, c !== undefined);
    // the digest after every txn, as ZooKeeper's (incremental: its cost is that of the nodes the txn wrote); a delete
    // the servers made themselves (the container manager's, session 0) also names its node, as its 'propose' does
    if (t.sessionId === 0 && t.type === 'delete') this.trace('apply', { zxid: t.zxid, type: t.type, session: 0, digest: this.db.digest(), path: t.path });
    else this.trace4(TraceKind.APPLY, 'zxid', t.zxid, 'type', t.type, 'session', t.sessionId, 'digest', this.db.digest());
    if (out.events.size > 0) this.sendWatchEvents(out.events);
    if (c !== undefined) this.cnxns.completeOn(c, t.cxid, out.err, out.body, out.err === Code.SESSIONMOVED, false);
  }

  /** applyCommitted of a createSession / closeSession txn (their replies go through the session bookkeeping). */
  private applySessionTxn(t: Txn): void {
    const out = this.db.apply(t, false);
    this.trace4(TraceKind.APPLY, 'zxid', t.zxid, 'type', t.type, 'session', t.sessionId, 'digest', this.db.digest());
    if (out.events.size > 0) this.sendWatchEvents(out.events);
    if (t.type === 'createSession') {
      this.leader?.sessionCommitted(t.sessionId);
      this.cnxns.sessionCreated(t.sessionId);
    } else {
      this.leader?.sessionClosedCommitted(t.sessionId);
      this.cnxns.complete(t.sessionId, t.cxid, Code.OK, { op: 'closeSession' }, false, true);
      this.cnxns.sessionClosed(t.sessionId);
      this.trace('session', { id: t.sessionId, event: 'closed', zxid: t.zxid });
    }
  }

  /** Write a committed txn's watch events to the cnxns on this server, in order. */
  private sendWatchEvents(events: ReadonlyMap<number, WatchEventMsg[]>): void {
    for (const [conn, evs] of events) {
      const c = this.cnxns.byConn.get(conn);
      if (!c) continue;
      for (const e of evs) {
        this.cnxns.sendEvent(c, { type: 'event', event: e });
        if (this.bug['double-watch']) this.cnxns.sendEvent(c, { type: 'event', event: e }); // BUG SWITCH
      }
    }
  }

  /** Answer a forwarded sync (learner): the SYNC packet arrived after the preceding COMMITs. */
  syncDone(sessionId: number, cxid: number, path: string): void {
    this.cnxns.complete(sessionId, cxid, Code.OK, { op: 'sync', path }, false, false);
  }

  // ------------------------------------------------------------------ client-facing host

  private cnxnHost(): CnxnHost {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const self = this;
    return {
      get port() {
        return self.port;
      },
      serving: () => this.servingClients,
      lastProcessedZxid: () => this.db.lastProcessedZxid,
      // BUG SWITCH accept-client-ahead: a client that has seen a newer zxid than ours is not refused
      refusesClientAhead: () => !this.bug['accept-client-ahead'],
      minSessionTimeout: () => this.config.minSessionTimeout ?? 2 * this.tick,
      maxSessionTimeout: () => this.config.maxSessionTimeout ?? 20 * this.tick,
      newSessionId: () => this.nextSessionId++,
      createSession: (c, timeout) => {
        const id = c.sessionId;
        this.trace('session', { id, event: 'create', timeout, peer: c.peer });
        this.submit({ kind: 'createSession', sessionId: id, cxid: 0, timeout });
      },
      revalidate: (c, sessionId, timeout) => {
        if (this.leader) this.cnxns.finishReattach(c, this.leader.revalidateLocal(sessionId, timeout), timeout);
        else if (this.learner) this.learner.revalidate(c, sessionId, timeout);
        else this.cnxns.close(c);
      },
      touch: (sessionId, timeout) => {
        if (this.leader) this.leader.touchLocal(sessionId, timeout);
        else this.learner?.touches.touch(sessionId, timeout);
      },
      // BUG SWITCH sync-skips-leader: a learner answers sync at the head of its queue, like a read
      submitsSync: () => this.learner !== null && !this.bug['sync-skips-leader'],
      readsOvertakeSync: () => this.bug['read-overtakes-sync'] === true,
      lastPendingWrite: (sessionId) => (this.leader === null ? 0 : this.leader.lastPendingWrite(sessionId)),
      submit: (c, p) => this.submitClient(c, p),
      execute: (c, p) => this.execute(c, p),
      cnxnClosed: (c) => {
        this.db?.watches.removeCnxn(c.conn);
      },
    };
  }

  private submit(r: import('./quorum-messages.js').ForwardedRequest): void {
    if (this.leader) this.leader.processRequest(r, this.myId);
    else this.learner?.forward(r);
  }

  private submitClient(c: ClientCnxn, p: PendingRequest): void {
    const req = p.req as Request;
    if (req.op === 'closeSession') this.trace('session', { id: c.sessionId, event: 'close-request' });
    // the connection's ids travel with the request only when addAuth added some (default runs send what they did)
    if (p.auth !== DEFAULT_AUTH) this.submit({ kind: 'op', sessionId: c.sessionId, cxid: p.xid, req, auth: p.auth });
    else this.submit({ kind: 'op', sessionId: c.sessionId, cxid: p.xid, req });
  }

  /** Run a read / local op (CnxnHost.execute): its error code and reply body go into `p`. */
  private execute(c: ClientCnxn, p: PendingRequest): void {
    const req = p.req as Request;
    // standalone/leader Prep checks the session also for reads (src: PrepRequestProcessor checkSession)
    if (this.leader && req.op !== 'setWatches') {
      const e = this.leader.sessionState(c.sessionId);
      if (e !== 0) {
        p.err = e;
        return;
      }
    }
    switch (req.op) {
      case 'exists':
      case 'getData':
      case 'getChildren': {
        const r = serveRead(this.readTree(), this.db.watches, req, c.conn, p.auth);
        p.err = r.err;
        if (r.body !== undefined) p.body = r.body;
        return;
      }
      case 'multiRead': {
        // src 3.8.0: FinalRequestProcessor OpCode.multiRead; Prep checked the session as for any read (above)
        const r = this.readTree().multiRead(req.ops, p.auth);
        p.err = r.err;
        if (r.body !== undefined) p.body = r.body;
        return;
      }
      case 'getEphemerals': {
        // src 3.8.0: OpCode.getEphemerals → DataTree.getEphemerals(request.sessionId): the caller session's own
        p.err = 0;
        // BUG SWITCH forget-ephemerals-on-reload: the index of the session's ephemerals this answers from was not
        // rebuilt when the tree was last installed from storage or a SNAP, so only the nodes applied since are in it
        const after = this.bug['forget-ephemerals-on-reload'] ? this.loadedZxid : undefined;
        p.body = { op: 'getEphemerals', paths: this.readTree().getEphemerals(c.sessionId, req.prefix, after) };
        return;
      }
      case 'getAllChildrenNumber': {
        const r = this.readTree().getAllChildrenNumber(req.path, p.auth);
        p.err = r.err;
        if (r.err === 0) p.body = { op: 'getAllChildrenNumber', count: r.count! };
        return;
      }
      case 'getACL': {
        // src 3.8.0: FinalRequestProcessor OpCode.getACL (READ or ADMIN; digests masked without ADMIN)
        const r = this.readTree().getACL(req.path, p.auth);
        p.err = r.err;
        if (r.body !== undefined) p.body = r.body;
        return;
      }
      case 'whoAmI':
        // src 3.8.0: FinalRequestProcessor OpCode.whoAmI → AuthUtil.getClientInfos(request.authInfo): the ids the
        // connection held when this request was read (an auth packet read after it is not in them)
        p.err = 0;
        p.body = { op: 'whoAmI', clientInfo: clientInfos(p.auth) };
        return;
      case 'sync':
        p.err = 0;
        p.body = { op: 'sync', path: req.path };
        return;
      case 'setWatches': {
        // BUG SWITCH forget-watches-on-reconnect: answered ok, but nothing is re-armed and no catch-up event is sent
        if (!this.bug['forget-watches-on-reconnect']) {
          const ev = this.db.watches.setWatches(req.relativeZxid, req.dataWatches, req.existWatches, req.childWatches, c.conn, this.db.tree);
          for (const e of ev) this.cnxns.sendEvent(c, { type: 'event', event: e });
        }
        p.err = 0;
        p.body = { op: 'setWatches' };
        return;
      }
      case 'addWatch': {
        // src 3.8.0: FinalRequestProcessor OpCode.addWatch → DataTree.addWatch: no path or ACL check; a mode other
        // than 0/1 makes WatcherMode.fromZooDef throw IllegalArgumentException, which FinalRequestProcessor answers
        // MARSHALLINGERROR (no watch added). No client sends one (Java's AddWatchMode is an enum).
        const mode = req.mode as number;
        if (mode !== 0 && mode !== 1) {
          p.err = Code.MARSHALLINGERROR;
          return;
        }
        this.db.watches.register(mode === 1 ? 'persistentRecursive' : 'persistent', req.path, c.conn);
        p.err = 0;
        p.body = { op: 'addWatch' };
        return;
      }
      case 'checkWatches': {
        // src 3.8.0: FinalRequestProcessor OpCode.checkWatches → DataTree.containsWatcher → WatchManager.containsWatcher,
        // which answers true when ANY cnxn watches the path in that table (it ignores the watcher at the leaf path).
        // Nothing is removed on the server; NOWATCHER otherwise; MARSHALLINGERROR for the paths it throws on.
        p.err = this.db.watches.checkWatches(req.path, req.type);
        if (p.err === 0) p.body = { op: 'checkWatches' };
        return;
      }
      case 'removeWatches': {
        // src 3.8.0: OpCode.removeWatches → DataTree.removeWatch: this cnxn's entries in the table(s); NOWATCHER if none
        p.err = this.db.watches.removeWatches(req.path, req.type, c.conn, true);
        if (p.err === 0) p.body = { op: 'removeWatches' };
        return;
      }
      default:
        p.err = Code.UNIMPLEMENTED;
    }
  }

  /** The tree reads are answered from: the committed one (BUG SWITCH read-uncommitted: the leader's proposed one). */
  private readTree(): DataTree {
    return this.bug['read-uncommitted'] && this.leader?.proposed ? this.leader.proposed : this.db.tree;
  }

  // ------------------------------------------------------------------ introspection (tests, harness)

  get lastProcessedZxid(): number {
    return this.db?.lastProcessedZxid ?? 0;
  }
  get epoch(): number {
    return this.storage?.currentEpoch ?? 0;
  }
  /** The committed tree (read-only use). */
  get tree() {
    return this.db?.tree;
  }
  /** Is this server accepting clients? */
  get serving(): boolean {
    return this.servingClients;
  }
  get leaderId(): number | null {
    if (this.state === 'LEADING' || this.state === 'STANDALONE') return this.myId;
    if (this.learner) return this.learner.leaderSid;
    return null;
  }
}

export { epochOf };
export type { ClientCnxn };
