/**
 * The zksim ZooKeeper client: a Role hosted by the world (one process per client handle) with a promise-based API
 * named after ZooKeeper's Java API. It follows the Java client (ClientCnxn, StaticHostProvider, ZKWatchManager) as
 * described in zookeeper-semantics.md §5, §6.3 and §11.1:
 *
 * - hosts shuffled once with the port's random stream; round-robin; random [0, 1000) ms back-off before every
 *   connect except the first, plus 1000 ms when the round comes back to the last connected host;
 * - connectTimeout = session timeout / number of hosts; readTimeout = 2/3 of the (negotiated) timeout: nothing
 *   received for that long → the connection is declared dead, closed, and the next host is tried;
 * - a ping when the connection has been idle for about readTimeout/2 (≈ timeout/3 − 1 s);
 * - lastZxidSeen from reply headers with zxid > 0 (never from pings or events);
 * - reconnect: ConnectRequest(session id, password, lastZxidSeen), then SetWatches(relativeZxid = lastZxidSeen),
 *   then the queued requests;
 * - connection lost: every queued and in-flight request fails with CONNECTIONLOSS (a sent write is recorded as
 *   unknown), then (None, Disconnected) goes to every watcher; requests made while disconnected are queued until
 *   the next handshake (and fail with CONNECTIONLOSS if that connection attempt fails);
 * - ConnectResponse with timeout 0: (None, Expired) to every watcher, state CLOSED, every later call fails with
 *   SESSIONEXPIRED at once;
 * - one-shot watches kept client-side in data / exist / child maps and fanned out per §5.3.
 *
 * Delivery order: watchers run as microtasks queued in arrival order, and promises settle in arrival order, so
 * user code sees a watch event before the reply that follows it (Java's single event thread). After settling a
 * promise or queueing a watcher call the client calls `onUserWake` (the world then lets microtasks run).
 *
 * Deliberate simplifications: Disconnected is delivered once per lost connection (not after every failed attempt);
 * no chroot, read-only mode or request timeout; addAuthInfo's packets go out after the handshake, last-added first
 * (Java queues them in that order just behind the ConnectRequest); the connect timeout covers the TCP connect and the
 * handshake together (as Java's idle-receive check does).
 */
import type { ConnId, NodeName, Port, ProcessEvent, Role, TimerId } from '../port.js';
import {
  AddWatchMode,
  CreateMode,
  EventType,
  KeeperState,
  MAX_FRAME_BYTES,
  WatcherType,
  type ClientMessage,
  type Data,
  type MultiOp,
  type MultiResult,
  type ReadOp,
  type ReadResult,
  type ReplyBody,
  type Request,
  type ServerMessage,
  type Stat,
} from '../protocol.js';
import type { ACL, ClientInfo } from '../acl.js';
import { OPEN_ACL_UNSAFE, authText, digestOf } from '../acl.js';
import { checkPath, errorName, makeError, ZkError, Code } from './errors.js';
import { MAX_TTL_MS, isSequentialMode, isTtlMode, replyFrameBytes, ttlRefused } from '../txn.js';
import type { ClientConfig, ClientRecorder, ClientState, DataInput, OpResult, Watcher, WatchedEvent } from './types.js';

type Msg = ClientMessage | ServerMessage;

const DEFAULT_SESSION_TIMEOUT = 10_000;
const SPIN_DELAY = 1000;
const MAX_SEND_PING_INTERVAL = 10_000;
const SET_WATCHES_XID = -8;
const AUTH_XID = -4;

const MODE_NAMES: Record<number, string> = {
  0: 'PERSISTENT',
  1: 'EPHEMERAL',
  2: 'PERSISTENT_SEQUENTIAL',
  3: 'EPHEMERAL_SEQUENTIAL',
  4: 'CONTAINER',
  5: 'PERSISTENT_WITH_TTL',
  6: 'PERSISTENT_SEQUENTIAL_WITH_TTL',
};
const EVENT_NAMES: Record<number, 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged'> = {
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
};

const WATCHER_TYPE_NAMES: Record<number, string> = { 1: 'CHILDREN', 2: 'DATA', 3: 'ANY' };


const encoder = new TextEncoder();
const decoder = new TextDecoder();
/**
 * Converts user data to wire data (strings as UTF-8). User bytes are copied, as the Java client serializes them when
 * called: wire data is never mutated afterwards (the servers' txns and znodes keep it by reference, core/txn.ts
 * TxnBytes), and the caller may reuse its array.
 */
export function toData(d: DataInput | undefined): Data {
  if (d === undefined || d === null) return null;
  // a copy even of a Node Buffer (whose slice() is a view of the same memory)
  if (typeof d !== 'string') return new Uint8Array(d);
  // Short ASCII strings (the usual case) without the native encoder call; the bytes are the same.
  const n = d.length;
  if (n <= 64) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const c = d.charCodeAt(i);
      if (c >= 0x80) return encoder.encode(d);
      out[i] = c;
    }
    return out;
  }
  return encoder.encode(d);
}
/** Wire data to the history's form: a UTF-8 string or null. */
export function dataText(d: Data): string | null {
  if (d === null) return null;
  // Short ASCII data without the native decoder call (no BOM or invalid sequence is possible in ASCII).
  const n = d.length;
  if (n <= 64) {
    let s = '';
    for (let i = 0; i < n; i++) {
      const c = d[i]!;
      if (c >= 0x80) return decoder.decode(d);
      s += String.fromCharCode(c);
    }
    return s;
  }
  return decoder.decode(d);
}

/** One request: queued (not yet sent), in flight, or done. */
interface Pending {
  kind: 'user' | 'internal' | 'close';
  xid: number;
  req: Request;
  /** History id (user requests). */
  hid: number;
  /** Watcher to register when a read completes (reads with a watch). */
  watcher: Watcher | null;
  /** checkWatches/removeWatches: what to deregister when the reply (or a connection loss) comes (WatchDeregistration). */
  dereg?: { watcher: Watcher | null; type: WatcherType; local: boolean };
  resolve: (v: any) => void;
  reject: (e: unknown) => void;
  sent: boolean;
}

type Phase = 'idle' | 'connecting' | 'handshake' | 'connected' | 'closed';

export class ZooKeeperClient implements Role<Msg> {
  private port!: Port<Msg>;
  private readonly cfg: ClientConfig;
  private readonly recorder: ClientRecorder | undefined;
  private readonly requestedTimeout: number;

  // Host provider.
  private hosts: string[] = [];
  private hostIndex = -1;
  private lastIndex = -1;
  private firstConnect = true;

  // Session.
  private _state: ClientState = 'CONNECTING';
  private _sessionId = 0;
  private passwd = '';
  private negotiatedTimeout = 0;
  private lastZxidSeen = 0;
  private closing = false;
  private closeWaiters: Array<() => void> = [];
  /** addAuthInfo calls (scheme, bytes), re-sent after every handshake (Java ClientCnxn.authInfo). */
  private readonly authInfo: Array<{ scheme: string; auth: Uint8Array }> = [];
  /** The server answered an auth packet AUTHFAILED: the handle is dead (Java state AUTH_FAILED). */
  private authFailedFlag = false;

  // Connection.
  private phase: Phase = 'idle';
  private conn: ConnId | null = null;
  private connectedServer: string | null = null;
  private connStart = 0;
  private lastSend = 0;
  private lastRecv = 0;
  private connectTimeout: number;
  private readTimeout: number;
  /** pingAfter() for the current readTimeout (arm runs twice per request). */
  private pingDelay: number;
  private xid = 0;
  private mainTimer: { id: TimerId; at: number } | null = null;
  private backoffTimer: TimerId | null = null;

  private outgoing: Pending[] = [];
  /** Calls made before the world started the role (and without a `clock`): submitted at start, at its time. */
  private preStart: Array<() => void> = [];
  private inflight: Pending[] = [];

  // Client-side watch tables (Java ZKWatchManager): path -> watchers.
  private readonly dataWatches = new Map<string, Set<Watcher>>();
  private readonly existWatches = new Map<string, Set<Watcher>>();
  private readonly childWatches = new Map<string, Set<Watcher>>();
  private readonly persistentWatches = new Map<string, Set<Watcher>>();
  private readonly recursiveWatches = new Map<string, Set<Watcher>>();

  /** The last string wireData converted, and its bytes. */
  private lastText: string | null = null;
  private lastBytes: Data = null;
  /** The last path checkPath accepted (never an invalid one: '' and non-strings are refused). */
  private lastValidPath: string | null = null;

  /** Exceptions thrown by user watchers (they never break the client). */
  readonly watcherErrors: unknown[] = [];

  constructor(cfg: ClientConfig) {
    if (!cfg.servers.length) throw new Error('ZooKeeperClient: empty server list');
    this.cfg = cfg;
    this.recorder = cfg.recorder;
    this.requestedTimeout = cfg.sessionTimeoutMs ?? DEFAULT_SESSION_TIMEOUT;
    this.connectTimeout = Math.floor(this.requestedTimeout / cfg.servers.length);
    this.readTimeout = Math.floor((this.requestedTimeout * 2) / 3);
    this.pingDelay = this.pingAfter();
  }

  // ---------------------------------------------------------------- public state

  /** CONNECTING, CONNECTED or CLOSED (also after an auth the server refused: see `authFailed`). */
  get state(): ClientState {
    return this._state;
  }
  /**
   * True once the server answered an addAuthInfo with AUTHFAILED (Java state AUTH_FAILED): the handle is closed
   * (`state` CLOSED, so code waiting for a dead handle sees one) and its calls fail with AUTHFAILED.
   */
  get authFailed(): boolean {
    return this.authFailedFlag;
  }
  /** The session id (0 before the first handshake). */
  get sessionId(): number {
    return this._sessionId;
  }
  /** The session password (hex text), for tests that steal a session. */
  get sessionPasswd(): string {
    return this.passwd;
  }
  /** The negotiated session timeout (0 before the first handshake). */
  get sessionTimeout(): number {
    return this.negotiatedTimeout;
  }
  /** The last zxid seen in a reply header. */
  get lastZxid(): number {
    return this.lastZxidSeen;
  }
  /** The server of the current connection (null while not connected). */
  get server(): string | null {
    return this.phase === 'connected' ? this.connectedServer : null;
  }
  /** The history process id of this handle. */
  get process(): string | number {
    return this.cfg.process ?? this.port?.self ?? '?';
  }
  /** Number of requests queued or in flight (user requests only). */
  get pendingCount(): number {
    return this.outgoing.filter((p) => p.kind === 'user').length + this.inflight.filter((p) => p.kind === 'user').length;
  }
  /** Paths with client-side watches, per kind (sorted), for tests. */
  watchedPaths(): { data: string[]; exist: string[]; child: string[]; persistent?: string[]; recursive?: string[] } {
    const keys = (m: Map<string, Set<Watcher>>) => [...m.keys()].sort();
    const out: { data: string[]; exist: string[]; child: string[]; persistent?: string[]; recursive?: string[] } = {
      data: keys(this.dataWatches),
      exist: keys(this.existWatches),
      child: keys(this.childWatches),
    };
    if (this.persistentWatches.size) out.persistent = keys(this.persistentWatches);
    if (this.recursiveWatches.size) out.recursive = keys(this.recursiveWatches);
    return out;
  }

  // ---------------------------------------------------------------- the API (Java names)

  /**
   * Creates a node; resolves with the created path (the sequential name for sequential modes). `acl`: the node's ACL
   * (default OPEN_ACL_UNSAFE, world:anyone with every permission); an empty list is refused here with INVALIDACL, as
   * the Java client does, nothing sent.
   */
  create(path: string, data: DataInput = null, mode: CreateMode = CreateMode.PERSISTENT, ttl?: number, acl?: readonly ACL[]): Promise<string> {
    return this.createInternal(path, data, mode, ttl, acl, (r) => r.path);
  }
  /** Creates a node; resolves with the created path and its Stat (Java create with a Stat out-parameter). */
  create2(path: string, data: DataInput = null, mode: CreateMode = CreateMode.PERSISTENT, ttl?: number, acl?: readonly ACL[]): Promise<{ path: string; stat: Stat }> {
    return this.createInternal(path, data, mode, ttl, acl, (r) => r);
  }
  private createInternal<T>(path: string, data: DataInput, mode: CreateMode, ttl: number | undefined, acl: readonly ACL[] | undefined, shape: (r: { path: string; stat: Stat }) => T): Promise<T> {
    const d = toData(data);
    const args: Record<string, unknown> = { path, data: dataText(d), mode: MODE_NAMES[mode] ?? mode };
    if (ttl !== undefined) args.ttl = ttl;
    if (acl !== undefined) args.acl = aclArgs(acl);
    const bad = checkPath(path, isSequentialMode(mode)) ?? this.checkTtl(mode, ttl) ?? checkAcl(acl);
    const req: Request = { op: 'create', path, data: d, mode };
    if (isTtlMode(mode)) req.ttl = ttl;
    if (acl !== undefined && acl !== OPEN_ACL_UNSAFE) req.acl = copyAcl(acl);
    return this.submit('create', args, req, null, bad, shape);
  }
  /**
   * The node's ACL and Stat (Java getACL). Needs READ or ADMIN on the node (NOAUTH otherwise); without ADMIN every
   * digest id comes back masked as "user:x".
   */
  getACL(path: string): Promise<{ acl: ACL[]; stat: Stat }> {
    return this.submit('getACL', { path }, { op: 'getACL', path }, null, this.checkPath(path));
  }
  /**
   * Replaces the node's ACL if its aversion matches `version` (-1: any); resolves with the new Stat (aversion + 1).
   * Needs ADMIN on the node (NOAUTH); an invalid list is INVALIDACL (an empty one refused here, nothing sent).
   */
  setACL(path: string, acl: readonly ACL[], version = -1): Promise<Stat> {
    const bad = this.checkPath(path) ?? checkAcl(acl);
    return this.submit('setACL', { path, acl: aclArgs(acl ?? []), version }, { op: 'setACL', path, acl: copyAcl(acl ?? []), version }, null, bad);
  }
  /**
   * Authenticates this handle's connections (Java addAuthInfo; returns nothing, as there). The `digest` scheme takes
   * "user:password" and adds the id user:base64(sha1("user:password")) on the server; the handle re-sends every
   * addAuthInfo after each reconnect. A scheme the server does not know fails: the server answers AUTHFAILED and
   * closes the connection, the handle is closed (`authFailed` true), every watcher gets (None, AuthFailed), and every pending
   * and later call fails with AUTHFAILED.
   */
  addAuthInfo(scheme: string, auth: string | Uint8Array): void {
    const bytes = typeof auth === 'string' ? new TextEncoder().encode(auth) : new Uint8Array(auth);
    this.authInfo.push({ scheme, auth: bytes });
    if (this.recorder) {
      // An operation of the process that completes at once (history.ts `addAuth`): the handle sends it before every
      // request made after it, on this connection or first thing on the next one, so the checkers give its id to
      // the session's later operations (and maybe to those still queued or in flight, see check/models/znode.ts).
      const text = authText(bytes); // as the server reads it (core/server/connections.ts)
      this.recordAtOnce('addAuth', { scheme, auth: text }, scheme === 'digest' ? { id: digestOf(text) } : {});
    }
    if (this.phase === 'connected' && this._state !== 'CLOSED') this.sendAuth(scheme, bytes);
  }
  private sendAuth(scheme: string, auth: Uint8Array): void {
    this.trace('client.auth', { scheme });
    this.sendRaw({ type: 'request', xid: AUTH_XID, req: { op: 'auth', scheme, auth } });
  }
  /** Deletes a node; version -1 matches any version. */
  delete(path: string, version = -1): Promise<void> {
    return this.submit('delete', { path, version }, { op: 'delete', path, version }, null, this.checkPath(path));
  }
  /**
   * The node's Stat, or null when it does not exist. `watch`: true = the default watcher, a function = that watcher;
   * it is registered also when the node is missing (an exist watch) and fires on create/delete/setData.
   */
  exists(path: string, watch?: Watcher | boolean): Promise<Stat | null> {
    const w = this.watcherOf(watch);
    const args = this.recorder ? { path, watch: w !== null } : null;
    return this.submit('exists', args, { op: 'exists', path, watch: w !== null }, w, this.checkPath(path));
  }
  /** The node's data and Stat (NONODE when missing; then no watch is left). */
  getData(path: string, watch?: Watcher | boolean): Promise<{ data: Data; stat: Stat }> {
    const w = this.watcherOf(watch);
    const args = this.recorder ? { path, watch: w !== null } : null; // history arguments only for a recorder
    return this.submit('getData', args, { op: 'getData', path, watch: w !== null }, w, this.checkPath(path));
  }
  /** Sets the data if the version matches (-1: any); resolves with the new Stat. */
  setData(path: string, data: DataInput, version = -1): Promise<Stat> {
    const d = this.wireData(data);
    const args = this.recorder ? { path, data: dataText(d), version } : null; // history arguments only for a recorder
    return this.submit('setData', args, { op: 'setData', path, data: d, version }, null, this.checkPath(path));
  }
  /**
   * The children's names in the order the server returns them (zksim's server order is deterministic but, like
   * ZooKeeper's, not promised to be sorted: sort them yourself).
   */
  getChildren(path: string, watch?: Watcher | boolean): Promise<string[]> {
    return this.getChildrenInternal(path, watch, (r) => r.children);
  }
  /** getChildren with the parent's Stat (Java getChildren(path, watch, stat)). */
  getChildren2(path: string, watch?: Watcher | boolean): Promise<{ children: string[]; stat: Stat }> {
    return this.getChildrenInternal(path, watch, (r) => r);
  }
  private getChildrenInternal<T>(path: string, watch: Watcher | boolean | undefined, shape: (r: { children: string[]; stat: Stat }) => T): Promise<T> {
    const w = this.watcherOf(watch);
    const args = this.recorder ? { path, watch: w !== null } : null;
    return this.submit('getChildren', args, { op: 'getChildren', path, watch: w !== null }, w, this.checkPath(path), shape);
  }
  /** Waits until the connected server has applied everything the leader had committed; resolves with the path. */
  sync(path: string): Promise<string> {
    return this.submit('sync', { path }, { op: 'sync', path }, null, this.checkPath(path));
  }
  /**
   * All-or-nothing: resolves with one result per op, or rejects with the first error; the error's `results` holds
   * the per-op results (0 for the ops before the failing one, its error, then RUNTIMEINCONSISTENCY -2).
   * An empty list resolves with [] without contacting the server.
   */
  multi(ops: MultiOp[]): Promise<OpResult[]> {
    const args = { ops: ops.map(multiOpArgs) };
    let bad: ZkError | null = null;
    for (const o of ops) {
      bad = checkPath(o.path, o.op === 'create' && isSequentialMode(o.mode)) ?? (o.op === 'create' ? this.checkTtl(o.mode, o.ttl) ?? checkAcl(o.acl) : null);
      // reads go through multiRead (Java: IllegalArgumentException for mixing reads and writes in one multi)
      if (!bad && o.op !== 'create' && o.op !== 'delete' && o.op !== 'setData' && o.op !== 'check') {
        bad = makeError(Code.BADARGUMENTS, undefined, `multi takes create, delete, setData and check ops (reads: multiRead), not ${String((o as { op: unknown }).op)}`);
      }
      if (bad) break;
    }
    if (!bad && ops.length === 0 && this._state !== 'CLOSED' && !this.closing) {
      this.recordAtOnce('multi', args, { results: [] });
      this.wake();
      return Promise.resolve([]);
    }
    return this.submit('multi', args, { op: 'multi', ops: ops.map(cloneOp) }, null, bad);
  }
  /**
   * Reads several nodes in one request, answered from one state of the connected server (Java `multi` with only
   * `Op.getData` / `Op.getChildren`, which sends multiRead, opcode 22, 3.6+). The ops are independent: resolves with
   * one result per op — `{op: 'getData', err: 0, data, stat}`, `{op: 'getChildren', err: 0, children}` (names only,
   * as Java's GetChildrenResult) or `{op: 'error', err}` (NONODE...) — and rejects only when the request itself
   * fails (connection loss, session expired). Never sets a watch. Every path is validated first (BADARGUMENTS, nothing
   * sent), any other op kind too (Java: IllegalArgumentException for mixing reads and writes); an empty list resolves
   * with [] without contacting the server.
   */
  multiRead(ops: ReadOp[]): Promise<ReadResult[]> {
    const list = ops.map((o) => ({ op: o.op, path: o.path }));
    let bad: ZkError | null = null;
    for (const o of list) {
      bad = o.op === 'getData' || o.op === 'getChildren' ? checkPath(o.path) : makeError(Code.BADARGUMENTS, undefined, 'Mixing read and write operations (transactions) is not allowed in a multi request');
      if (bad) break;
    }
    const args = { ops: list };
    if (!bad && list.length === 0 && this._state !== 'CLOSED' && !this.closing) {
      this.recordAtOnce('multiRead', args, { results: [] });
      this.wake();
      return Promise.resolve([]);
    }
    return this.submit('multiRead', args, { op: 'multiRead', ops: list }, null, bad);
  }
  /**
   * The paths of this session's ephemeral nodes that start with `prefix` as strings (so "/b/e" also matches "/b/eph";
   * the default "/" matches all), in no promised order (zksim's are sorted). Java getEphemerals (opcode 103, 3.6+):
   * the prefix must be a valid path (BADARGUMENTS otherwise, nothing sent); answered by the connected server.
   */
  getEphemerals(prefix = '/'): Promise<string[]> {
    return this.submit('getEphemerals', { prefix }, { op: 'getEphemerals', prefix }, null, this.checkPath(prefix));
  }
  /**
   * The number of all descendants of `path` (the node itself excluded; `/` counts the /zookeeper subtree too). Java
   * getAllChildrenNumber (opcode 104, 3.6+): NONODE when missing; answered by the connected server, no watch.
   */
  getAllChildrenNumber(path: string): Promise<number> {
    return this.submit('getAllChildrenNumber', { path }, { op: 'getAllChildrenNumber', path }, null, this.checkPath(path));
  }
  /**
   * Who the server thinks this connection is (Java whoAmI, opcode 107, 3.7+): one `{authScheme, user}` per id the
   * connection holds, in the server's order — `{authScheme: 'ip', user: <client address>}` first (127.0.0.1 in the
   * simulation), then one `{authScheme: 'digest', user}` per distinct successful addAuthInfo("digest", "user:password")
   * (the user name only). Answered by the connected server after this session's earlier requests; an addAuthInfo
   * called before it counts (its packet goes out first). Java returns null when the request fails; this rejects
   * (CONNECTIONLOSS, SESSIONEXPIRED...).
   */
  whoAmI(): Promise<ClientInfo[]> {
    return this.submit('whoAmI', {}, { op: 'whoAmI' }, null, null);
  }
  /**
   * A persistent watch (PERSISTENT: every event at `path`, including NodeChildrenChanged) or a recursive one
   * (PERSISTENT_RECURSIVE: NodeCreated/NodeDeleted/NodeDataChanged at `path` and below). Never consumed; the node
   * need not exist. `watcher` true or omitted = the default watcher. After a reconnect the client re-adds them
   * (zksim's SetWatches carries no persistent lists; Java sends SetWatches2) — no catch-up events, as in ZooKeeper.
   */
  addWatch(path: string, mode: AddWatchMode, watcher?: Watcher | boolean): Promise<void> {
    const w = this.watcherOf(watcher ?? true)!;
    const modeName = mode === AddWatchMode.PERSISTENT_RECURSIVE ? 'PERSISTENT_RECURSIVE' : 'PERSISTENT';
    return this.submit('addWatch', { path, mode: modeName }, { op: 'addWatch', path, mode }, w, this.checkPath(path));
  }
  /**
   * Removes `watcher` from `path` (Java removeWatches(path, watcher, watcherType, local), 3.8.0): sends checkWatches
   * (opcode 17, the server keeps its entry: other watchers of this client may share it), then drops the watcher
   * locally — Children: child watches; Data: data and exist watches; Any: those and persistent/recursive ones — and
   * delivers ChildWatchRemoved / DataWatchRemoved / PersistentWatchRemoved to it before the promise settles. Rejects
   * with NOWATCHER when this client holds no such watcher (whatever the server said) or when the server answers
   * NOWATCHER. `local`: remove locally even if the server fails the request (NOWATCHER, connection loss); the request
   * is still sent when connected (Java does the same).
   */
  removeWatches(path: string, watcher: Watcher, watcherType: WatcherType, local = false): Promise<void> {
    const args = this.recorder ? { path, watcherType: WATCHER_TYPE_NAMES[watcherType] ?? watcherType, all: false, local } : null;
    return this.submitRemove(args, { op: 'checkWatches', path, type: watcherType }, { watcher, type: watcherType, local }, path);
  }
  /** Removes every watcher of `watcherType` on `path` (Java removeAllWatches): opcode 18, the server drops its entries. */
  removeAllWatches(path: string, watcherType: WatcherType, local = false): Promise<void> {
    const args = this.recorder ? { path, watcherType: WATCHER_TYPE_NAMES[watcherType] ?? watcherType, all: true, local } : null;
    return this.submitRemove(args, { op: 'removeWatches', path, type: watcherType }, { watcher: null, type: watcherType, local }, path);
  }
  private submitRemove(args: unknown, req: Request, dereg: NonNullable<Pending['dereg']>, path: string): Promise<void> {
    const t = dereg.type as number;
    const bad = this.checkPath(path) ?? (t === 1 || t === 2 || t === 3 ? null : makeError(Code.BADARGUMENTS, path, 'Invalid integer value for conversion to WatcherType'));
    return this.submit('removeWatches', args, req, null, bad, undefined, dereg); // one history op; args.all tells 17 from 18
  }
  /**
   * ZKWatchManager.removeWatcher (3.8.0) run by finishPacket with the reply code `rc`: returns the code the caller
   * gets (0, NOWATCHER, or `rc`) and queues the WatchRemoved events of the watchers it removed.
   */
  private unregister(path: string, d: NonNullable<Pending['dereg']>, rc: number): number {
    const { watcher, type, local } = d;
    const has = (m: Map<string, Set<Watcher>>) => {
      const ws = m.get(path);
      return ws !== undefined && (watcher === null ? ws.size > 0 : ws.has(watcher));
    };
    // containsWatcher: Children also looks at persistent/recursive watches, Data too (but removes none of them)
    const lookIn = type === WatcherType.Children
      ? [this.childWatches, this.persistentWatches, this.recursiveWatches]
      : type === WatcherType.Data
        ? [this.dataWatches, this.existWatches, this.persistentWatches, this.recursiveWatches]
        : [this.childWatches, this.dataWatches, this.existWatches, this.persistentWatches, this.recursiveWatches];
    if (!lookIn.some(has)) return Code.NOWATCHER;
    if (!local && rc !== 0) return rc;
    const child = new Set<Watcher>();
    const data = new Set<Watcher>();
    const persistent = new Set<Watcher>();
    let removed = false;
    const take = (m: Map<string, Set<Watcher>>, into: Set<Watcher>) => {
      const ws = m.get(path);
      if (!ws) return;
      if (watcher === null) {
        for (const w of ws) into.add(w);
        m.delete(path);
        removed = true;
      } else if (ws.delete(watcher)) {
        into.add(watcher);
        if (ws.size === 0) m.delete(path);
        removed = true;
      }
    };
    if (type !== WatcherType.Data) take(this.childWatches, child);
    if (type !== WatcherType.Children) {
      take(this.dataWatches, data);
      take(this.existWatches, data);
    }
    if (type === WatcherType.Any) {
      take(this.persistentWatches, persistent);
      take(this.recursiveWatches, persistent);
    }
    if (!removed) return Code.NOWATCHER;
    // ClientCnxn.queueEvent: Disconnected when the request failed with a lost connection or session
    const state = rc === Code.CONNECTIONLOSS || rc === Code.SESSIONEXPIRED ? KeeperState.Disconnected : KeeperState.SyncConnected;
    // Java iterates a HashMap keyed by EventType (no fixed order); zksim: child, data, persistent
    for (const [set, ev] of [[child, EventType.ChildWatchRemoved], [data, EventType.DataWatchRemoved], [persistent, EventType.PersistentWatchRemoved]] as const) {
      if (set.size === 0) continue;
      this.trace('client.event', { type: ev, path });
      this.deliver(set, { type: ev, state, path });
    }
    return 0;
  }
  /** A multi builder: zk.transaction().create(...).setData(...).check(...).delete(...).commit(). */
  transaction(): Transaction {
    return new Transaction(this);
  }
  /**
   * Closes the session: sends closeSession and waits for its reply (or the loss of the connection), then the handle
   * is CLOSED and every watcher gets (None, Closed). Later calls fail with SESSIONEXPIRED.
   */
  close(): Promise<void> {
    if (this._state === 'CLOSED') return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.closeWaiters.push(resolve);
      if (this.closing) return;
      this.closing = true;
      if (this.phase === 'connected') {
        const p: Pending = { kind: 'close', xid: 0, req: { op: 'closeSession' }, hid: -1, watcher: null, resolve: () => {}, reject: () => {}, sent: false };
        this.send(p);
      } else {
        this.finishClose();
      }
    });
  }

  // ---------------------------------------------------------------- Role

  start(port: Port<Msg>): void {
    const restarted = this.port !== undefined;
    this.port = port;
    if (restarted) {
      // The world restarted this process with the same role object: the old connection and timers are gone.
      this.conn = null;
      this.mainTimer = null;
      this.backoffTimer = null;
      if (this._state !== 'CLOSED') this.dropConnection('process restarted');
      return;
    }
    if (this._state === 'CLOSED') return; // closed before it started
    const hosts = [...this.cfg.servers];
    if (!this.cfg.noShuffle) {
      // Fisher-Yates with the port's stream (Java: Collections.shuffle once at construction).
      for (let i = hosts.length - 1; i > 0; i--) {
        const j = Math.floor(port.random() * (i + 1));
        [hosts[i], hosts[j]] = [hosts[j]!, hosts[i]!];
      }
    }
    this.hosts = hosts;
    this.nextHostAndConnect();
    const early = this.preStart;
    this.preStart = [];
    for (const f of early) f();
  }

  /** handle({ kind: 'message', conn, peer, msg }) (Role's fast form). */
  message(conn: ConnId, _peer: NodeName, msg: Msg): void {
    if (conn !== this.conn) return;
    this.lastRecv = this.port.now(); // now(): messages come only once started
    this.onMessage(msg as ServerMessage);
  }

  handle(event: ProcessEvent<Msg>): void {
    switch (event.kind) {
      case 'timer':
        if (this.mainTimer && event.id === this.mainTimer.id) {
          this.mainTimer = null;
          this.onTick();
        } else if (this.backoffTimer !== null && event.id === this.backoffTimer) {
          this.backoffTimer = null;
          this.startConnect();
        }
        return;
      case 'connected':
        if (event.conn !== this.conn || this.phase !== 'connecting') return;
        this.phase = 'handshake';
        this.sendRaw({
          type: 'connect',
          protocolVersion: 0,
          lastZxidSeen: this.lastZxidSeen,
          timeoutMs: this.requestedTimeout,
          sessionId: this._sessionId,
          passwd: this.passwd,
        });
        return;
      case 'closed':
        if (event.conn !== this.conn) return;
        this.dropConnection(`closed by ${event.peer}`);
        return;
      case 'message':
        this.message(event.conn, event.peer, event.msg);
        return;
      case 'accepted':
        // Nobody connects to a client.
        this.port.close(event.conn);
        return;
      default:
        return;
    }
  }

  // ---------------------------------------------------------------- connection management

  private trace(kind: string, data: Record<string, unknown>): void {
    this.port?.trace(kind, data);
  }

  private now(): number {
    return this.port ? this.port.now() : this.cfg.clock ? this.cfg.clock() : 0;
  }

  /** Java StaticHostProvider.next(spinDelay) plus ClientCnxn's random back-off before every connect but the first. */
  private nextHostAndConnect(): void {
    this.hostIndex = (this.hostIndex + 1) % this.hosts.length;
    let delay = 0;
    if (!this.firstConnect) {
      delay = Math.floor(this.port.random() * 1000);
      if (this.hostIndex === this.lastIndex) delay += SPIN_DELAY;
    }
    this.firstConnect = false;
    this.phase = 'idle';
    if (delay > 0) this.backoffTimer = this.port.setTimer(delay, 'client:backoff');
    else this.startConnect();
  }

  private startConnect(): void {
    if (this._state === 'CLOSED') return;
    const host = this.hosts[this.hostIndex]!;
    this.phase = 'connecting';
    this.connectedServer = host;
    const t = this.now();
    this.connStart = t;
    this.lastSend = t;
    this.lastRecv = t;
    this.conn = this.port.connect(host);
    this.trace('client.connecting', { server: host, sessionId: this._sessionId });
    this.arm();
  }

  private pingAfter(): number {
    const half = Math.floor(this.readTimeout / 2);
    const t = half <= 1000 ? half : Math.max(1001, half - 1000);
    return Math.max(1, Math.min(t, MAX_SEND_PING_INTERVAL));
  }

  /** The one lazy timer: fires at (or before) the earliest of connect timeout, read timeout and next ping. */
  private arm(): void {
    let at: number;
    // 'connected' first: arm runs twice per request
    if (this.phase === 'connected') at = Math.min(this.lastRecv + this.readTimeout, this.lastSend + this.pingDelay);
    else if (this.phase === 'connecting' || this.phase === 'handshake') at = this.connStart + this.connectTimeout;
    else return;
    // Usually the timer already fires at or before `at`: then it does so after the clamp below too (which only
    // moves `at` later), and the clock need not be read.
    const timer = this.mainTimer;
    if (timer !== null && timer.at <= at) return;
    const now = this.now();
    if (at < now + 1) at = now + 1;
    if (timer !== null && timer.at <= at) return;
    if (timer !== null) this.port.cancelTimer(timer.id);
    this.mainTimer = { id: this.port.setTimer(at - now, 'client:tick'), at };
  }

  private onTick(): void {
    const now = this.now();
    if (this.phase === 'connecting' || this.phase === 'handshake') {
      if (now - this.connStart >= this.connectTimeout) {
        this.dropConnection('connect timeout');
        return;
      }
    } else if (this.phase === 'connected') {
      if (now - this.lastRecv >= this.readTimeout) {
        this.dropConnection('read timeout');
        return;
      }
      if (now - this.lastSend >= this.pingDelay) this.sendRaw({ type: 'ping' });
    } else {
      return;
    }
    this.arm();
  }

  /** Sends to the server; hot senders pass the message's type (see Port.send), which the compiler checks against msg. */
  private sendRaw<T extends ClientMessage>(msg: T, type?: T['type']): void {
    if (this.conn === null) return;
    this.port.send(this.conn, msg, type);
    this.lastSend = this.port.now(); // now(): a connection implies a started role
  }

  private send(p: Pending): void {
    if (p.req.op !== 'setWatches') {
      this.xid = this.xid >= 0x7fffffff ? 1 : this.xid + 1;
      p.xid = this.xid;
    }
    p.sent = true;
    this.inflight.push(p);
    this.sendRaw({ type: 'request', xid: p.xid, req: p.req }, 'request');
  }

  /** The connection is gone (closed, reset, timed out, protocol error): fail requests, notify, try the next host. */
  private dropConnection(reason: string): void {
    if (this.phase === 'closed') return;
    const wasConnected = this.phase === 'connected';
    if (this.conn !== null) this.port.close(this.conn);
    this.conn = null;
    if (this.mainTimer) {
      this.port.cancelTimer(this.mainTimer.id);
      this.mainTimer = null;
    }
    this.trace('client.disconnected', { server: this.connectedServer, reason, wasConnected });
    this.phase = 'idle';
    const failed = [...this.inflight, ...this.outgoing];
    this.inflight = [];
    this.outgoing = [];
    for (const p of failed) this.failPending(p, Code.CONNECTIONLOSS);
    if (wasConnected) {
      this._state = 'CONNECTING';
      this.recorder?.session(this.process, 'disconnected', this.now(), { server: this.connectedServer ?? undefined, sessionId: this._sessionId });
      this.deliverState(KeeperState.Disconnected);
    }
    if (this.closing) {
      // close() in progress: the closeSession's outcome is unknown; the handle is closed either way.
      this.finishClose();
      return;
    }
    this.nextHostAndConnect();
  }

  private onMessage(msg: ServerMessage): void {
    switch (msg.type) {
      case 'connectResponse':
        if (this.phase !== 'handshake') return;
        this.onConnectResponse(msg);
        return;
      case 'reply':
        if (this.phase !== 'connected') return;
        this.onReply(msg);
        return;
      case 'pong':
        if (this.phase === 'connected') this.arm();
        return;
      case 'event':
        if (this.phase !== 'connected') return;
        this.onEvent(msg.event.type, msg.event.path);
        this.arm();
        return;
    }
  }

  private onConnectResponse(msg: Extract<ServerMessage, { type: 'connectResponse' }>): void {
    if (msg.timeoutMs <= 0) {
      this.expire();
      return;
    }
    const server = this.connectedServer!;
    this._sessionId = msg.sessionId;
    this.passwd = msg.passwd;
    this.negotiatedTimeout = msg.timeoutMs;
    this.readTimeout = Math.floor((msg.timeoutMs * 2) / 3);
    this.pingDelay = this.pingAfter();
    this.connectTimeout = Math.floor(msg.timeoutMs / this.hosts.length);
    this.phase = 'connected';
    this._state = 'CONNECTED';
    this.lastIndex = this.hostIndex;
    this.trace('client.connected', { server, sessionId: msg.sessionId, timeoutMs: msg.timeoutMs });
    this.recorder?.session(this.process, 'connected', this.now(), { server, sessionId: msg.sessionId });
    this.deliverState(KeeperState.SyncConnected);
    // auth packets first, then SetWatches, then the queued requests (Java primeConnection). The auth packets go out
    // last-added first: primeConnection puts each one at the head of its queue (addFirst) in the order they were
    // added. whoAmI shows it: the server lists ids of one hash bin in arrival order (core/acl.ts authInfoOrder).
    for (let i = this.authInfo.length - 1; i >= 0; i--) this.sendAuth(this.authInfo[i]!.scheme, this.authInfo[i]!.auth);
    // SetWatches before any queued request (Java primeConnection).
    if (this.dataWatches.size || this.existWatches.size || this.childWatches.size) {
      const req: Request = {
        op: 'setWatches',
        relativeZxid: this.lastZxidSeen,
        dataWatches: [...this.dataWatches.keys()],
        existWatches: [...this.existWatches.keys()],
        childWatches: [...this.childWatches.keys()],
      };
      this.send({ kind: 'internal', xid: SET_WATCHES_XID, req, hid: -1, watcher: null, resolve: () => {}, reject: () => {}, sent: false });
    }
    for (const [m, mode] of [[this.persistentWatches, AddWatchMode.PERSISTENT], [this.recursiveWatches, AddWatchMode.PERSISTENT_RECURSIVE]] as const) {
      for (const path of m.keys()) {
        this.send({ kind: 'internal', xid: 0, req: { op: 'addWatch', path, mode }, hid: -1, watcher: null, resolve: () => {}, reject: () => {}, sent: false });
      }
    }
    const queued = this.outgoing;
    this.outgoing = [];
    for (const p of queued) this.send(p);
    this.arm();
  }

  private onReply(msg: Extract<ServerMessage, { type: 'reply' }>): void {
    if (msg.xid === AUTH_XID) {
      // not a pending request (Java readResponse handles AUTHPACKET_XID first): only a failure matters
      if (msg.err === Code.AUTHFAILED) this.failAuth();
      return;
    }
    const head = this.inflight[0];
    if (!head || head.xid !== msg.xid) {
      // Java: "Xid out of order" → the connection is dropped.
      this.dropConnection(`xid out of order: got ${msg.xid}, expected ${head ? head.xid : 'none'}`);
      return;
    }
    const op = msg.body?.op;
    if ((op === 'getData' || op === 'getChildren' || op === 'multi' || op === 'multiRead' || op === 'getEphemerals') && replyFrameBytes(msg.body) > MAX_FRAME_BYTES) {
      // The Java client refuses replies over jute.maxbuffer (§1.5): connection loss.
      this.dropConnection('reply over jute.maxbuffer');
      return;
    }
    // usually the only request in flight: pop() takes it (measured: shift() here cost ~170 more instructions per reply)
    if (this.inflight.length === 1) this.inflight.pop();
    else this.inflight.shift();
    if (msg.zxid > 0) this.lastZxidSeen = msg.zxid;
    this.complete(head, msg.err, msg.body, msg.zxid);
    this.arm();
  }

  /** A reply for `p` arrived: register watches, settle the promise, record the outcome. */
  private complete(p: Pending, err: number, body: ReplyBody | undefined, zxid: number): void {
    if (p.kind === 'internal') return;
    if (p.kind === 'close') {
      this.finishClose();
      return;
    }
    // the history's view of a result (and its time) is built only when a recorder wants it (decoding data costs)
    const rec = this.recorder != null;
    const t = rec ? this.now() : 0;
    const req = p.req;
    const zx = zxid >= 0 ? zxid : undefined;
    if (p.dereg) {
      const code = this.unregister((req as { path: string }).path, p.dereg, err);
      if (code === 0) this.okWith(p, t, zx, undefined, {});
      else this.failWith(p, t, zx, code);
      return;
    }
    // the commonest requests first (a switch compares case by case)
    switch (req.op) {
      case 'setData':
        if (err === 0 && body?.op === 'setData') this.okWith(p, t, zx, body.stat, rec && { stat: body.stat });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'exists':
        if (err === 0 && body?.op === 'exists') {
          if (p.watcher) addWatch(this.dataWatches, req.path, p.watcher);
          this.okWith(p, t, zx, body.stat, rec && { stat: body.stat });
        } else if (err === Code.NONODE) {
          if (p.watcher) addWatch(this.existWatches, req.path, p.watcher);
          this.okWith(p, t, zx, null, rec && { stat: null });
        } else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'getData':
        if (err === 0 && body?.op === 'getData') {
          if (p.watcher) addWatch(this.dataWatches, req.path, p.watcher);
          // the caller gets its own copy of the bytes, as from a real socket (the server's are shared and immutable);
          // the constructor copies with less work than slice() (no species lookup)
          const d = body.data;
          this.okWith(p, t, zx, { data: d === null ? null : new Uint8Array(d), stat: body.stat }, rec && { data: dataText(body.data), stat: body.stat });
        } else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'getChildren':
        if (err === 0 && body?.op === 'getChildren') {
          if (p.watcher) addWatch(this.childWatches, req.path, p.watcher);
          this.okWith(p, t, zx, { children: body.children, stat: body.stat }, rec && { children: body.children, stat: body.stat });
        } else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'create':
        if (err === 0 && body?.op === 'create') this.okWith(p, t, zx, { path: body.path, stat: body.stat }, rec && { path: body.path, stat: body.stat });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'delete':
        if (err === 0) this.okWith(p, t, zx, undefined, {});
        else this.failWith(p, t, zx, err);
        return;
      case 'setACL':
        if (err === 0 && body?.op === 'setACL') this.okWith(p, t, zx, body.stat, rec && { stat: body.stat });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'getACL':
        if (err === 0 && body?.op === 'getACL') this.okWith(p, t, zx, { acl: body.acl.map((a) => ({ ...a })), stat: body.stat }, rec && { acl: aclArgs(body.acl), stat: body.stat });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'sync':
        if (err === 0) this.okWith(p, t, zx, body?.op === 'sync' ? body.path : req.path, {});
        else this.failWith(p, t, zx, err);
        return;
      case 'addWatch':
        if (err === 0) {
          if (p.watcher) addWatch(req.mode === AddWatchMode.PERSISTENT_RECURSIVE ? this.recursiveWatches : this.persistentWatches, req.path, p.watcher);
          this.okWith(p, t, zx, undefined, {});
        } else this.failWith(p, t, zx, err);
        return;
      case 'multiRead':
        if (err === 0 && body?.op === 'multiRead') {
          // each caller gets its own copy of the bytes and names (as getData does)
          const results = body.results.map(copyReadResult);
          this.okWith(p, t, zx, results, rec && { results: body.results.map(readResultHist) });
        } else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'getEphemerals':
        if (err === 0 && body?.op === 'getEphemerals') this.okWith(p, t, zx, body.paths.slice(), rec && { paths: body.paths.slice() });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'whoAmI':
        if (err === 0 && body?.op === 'whoAmI') {
          const infos = body.clientInfo.map((c) => ({ authScheme: c.authScheme, user: c.user }));
          this.okWith(p, t, zx, infos, rec && { clientInfo: body.clientInfo.map((c) => ({ authScheme: c.authScheme, user: c.user })) });
        } else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'getAllChildrenNumber':
        if (err === 0 && body?.op === 'getAllChildrenNumber') this.okWith(p, t, zx, body.count, rec && { count: body.count });
        else this.failWith(p, t, zx, err || Code.MARSHALLINGERROR);
        return;
      case 'multi': {
        const results = body?.op === 'multi' ? body.results : undefined;
        const firstErr = err !== 0 ? err : results?.find((r) => r.err !== 0)?.err ?? 0;
        if (firstErr === 0 && results) this.okWith(p, t, zx, results as OpResult[], rec && { results: results.map(multiResultHist) });
        else this.failWith(p, t, zx, firstErr || Code.MARSHALLINGERROR, results);
        return;
      }
      default:
        if (err === 0) this.okWith(p, t, zx, undefined, {});
        else this.failWith(p, t, zx, err);
    }
  }

  /** The request succeeded: record the outcome, settle the promise, wake user code. */
  private okWith(p: Pending, t: number, zx: number | undefined, value: unknown, hist: unknown): void {
    this.recorder?.ok(p.hid, hist, t, zx);
    p.resolve(value);
    this.wake();
  }

  /** The server answered with an error: record it, reject the promise, wake user code. */
  private failWith(p: Pending, t: number, zx: number | undefined, code: number, results?: MultiResult[]): void {
    const req = p.req;
    const e = makeError(code, 'path' in req ? req.path : undefined, undefined, results);
    const info: { code: number; name: string; results?: unknown } = { code, name: errorName(code) };
    if (results) info.results = results.map((r) => r.err);
    this.recorder?.fail(p.hid, info, t, zx);
    p.reject(e);
    this.wake();
  }

  /** Fails a request without a server reply (CONNECTIONLOSS or SESSIONEXPIRED), recording its outcome properly. */
  private failPending(p: Pending, code: number): void {
    if (p.kind !== 'user') return;
    const t = this.now();
    if (p.dereg) {
      // finishPacket with CONNECTIONLOSS/SESSIONEXPIRED: `local` removes anyway and succeeds (events say Disconnected)
      const c = this.unregister((p.req as { path: string }).path, p.dereg, code);
      if (c === 0) {
        this.recorder?.ok(p.hid, {}, t);
        p.resolve(undefined);
        this.wake();
        return;
      }
      if (this.recorder) this.recorder.fail(p.hid, { code: c, name: errorName(c) }, t, undefined, true);
      p.reject(makeError(c, (p.req as { path: string }).path));
      this.wake();
      return;
    }
    const write = isWrite(p.req);
    if (this.recorder) {
      const info = { code, name: errorName(code) };
      // A sent write that got no reply may take effect later (or never): unknown outcome, whatever the code. (Today
      // only CONNECTIONLOSS meets a sent write: a close or an expiry finds the sent requests answered or already
      // failed by the lost connection; the rule holds whatever path gets here.)
      if (p.sent && write) this.recorder.info(p.hid, t, info);
      // A read that lost its connection, or any request never sent: certainly no effect, observed nothing.
      else this.recorder.fail(p.hid, info, t, undefined, true);
    }
    p.reject(makeError(code, 'path' in p.req ? (p.req as { path: string }).path : undefined));
    this.wake();
  }

  /** The server refused an auth packet (Java: state AUTH_FAILED, AuthFailed event, then the pending calls fail). */
  private failAuth(): void {
    this.trace('client.auth-failed', { sessionId: this._sessionId, server: this.connectedServer });
    this.authFailedFlag = true;
    this.recorder?.session(this.process, 'closed', this.now(), { server: this.connectedServer ?? undefined, sessionId: this._sessionId });
    this.shutdown(KeeperState.AuthFailed);
  }

  private expire(): void {
    this.trace('client.expired', { sessionId: this._sessionId, server: this.connectedServer });
    this.recorder?.session(this.process, 'expired', this.now(), { server: this.connectedServer ?? undefined, sessionId: this._sessionId });
    this.shutdown(KeeperState.Expired);
  }

  private finishClose(): void {
    if (this._state === 'CLOSED') return;
    this.trace('client.closed', { sessionId: this._sessionId });
    this.recorder?.session(this.process, 'closed', this.now(), { sessionId: this._sessionId });
    this.shutdown(KeeperState.Closed);
  }

  /** The handle becomes CLOSED: fail everything with SESSIONEXPIRED, tell every watcher, forget the watches. */
  private shutdown(state: KeeperState): void {
    this._state = 'CLOSED';
    this.phase = 'closed';
    if (this.conn !== null) this.port.close(this.conn);
    this.conn = null;
    if (this.mainTimer) this.port.cancelTimer(this.mainTimer.id);
    this.mainTimer = null;
    if (this.backoffTimer !== null) this.port.cancelTimer(this.backoffTimer);
    this.backoffTimer = null;
    const failed = [...this.inflight, ...this.outgoing];
    this.inflight = [];
    this.outgoing = [];
    // Java: Expired (and AuthFailed) is queued before the pending packets are failed; Closed comes after (SendThread exit).
    const first = state === KeeperState.Expired || state === KeeperState.AuthFailed;
    if (first) this.deliverState(state);
    for (const p of failed) this.failPending(p, this.authFailedFlag ? Code.AUTHFAILED : Code.SESSIONEXPIRED);
    if (!first) this.deliverState(state);
    this.dataWatches.clear();
    this.existWatches.clear();
    this.childWatches.clear();
    this.persistentWatches.clear();
    this.recursiveWatches.clear();
    const waiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const w of waiters) w();
    if (waiters.length) this.wake();
  }

  // ---------------------------------------------------------------- watches and events

  private onEvent(type: EventType, path: string): void {
    const name = EVENT_NAMES[type];
    if (name) this.recorder?.event(this.process, name, path, this.now());
    this.trace('client.event', { type, path });
    // ZKWatchManager.materialize: which local watchers this frame triggers (and removes, one-shot).
    const targets = new Set<Watcher>();
    const take = (m: Map<string, Set<Watcher>>) => {
      const ws = m.get(path);
      if (!ws) return;
      for (const w of ws) targets.add(w);
      m.delete(path);
    };
    switch (type) {
      case EventType.NodeCreated:
      case EventType.NodeDataChanged:
        take(this.dataWatches);
        take(this.existWatches);
        break;
      case EventType.NodeChildrenChanged:
        take(this.childWatches);
        break;
      case EventType.NodeDeleted:
        take(this.dataWatches);
        take(this.existWatches);
        take(this.childWatches);
        break;
      default:
        break;
    }
    // Persistent watches at the path (every type), recursive ones at the path or an ancestor (not children events).
    const pw = this.persistentWatches.get(path);
    if (pw) for (const w of pw) targets.add(w);
    if (this.recursiveWatches.size && type !== EventType.NodeChildrenChanged) {
      for (let p: string | null = path; p !== null; p = p === '/' ? null : parentOf(p)) {
        const rw = this.recursiveWatches.get(p);
        if (rw) for (const w of rw) targets.add(w);
      }
    }
    this.deliver(targets, { type, state: KeeperState.SyncConnected, path });
  }

  /** A state event goes to the default watcher and every registered watcher (each once). */
  private deliverState(state: KeeperState): void {
    const targets = new Set<Watcher>();
    if (this.cfg.watcher) targets.add(this.cfg.watcher);
    for (const m of [this.dataWatches, this.existWatches, this.childWatches, this.persistentWatches, this.recursiveWatches]) for (const ws of m.values()) for (const w of ws) targets.add(w);
    this.deliver(targets, { type: EventType.None, state, path: null });
  }

  private watcherFailed(e: unknown): void {
    this.watcherErrors.push(e);
    this.cfg.onWatcherError?.(e);
  }

  private deliver(targets: Set<Watcher>, event: WatchedEvent): void {
    if (targets.size === 0) return;
    for (const w of targets) {
      queueMicrotask(() => {
        try {
          const r: unknown = w({ ...event });
          // an async watcher: its rejection is the watcher's exception, not an unhandled rejection of the process
          if (r !== null && typeof r === 'object' && typeof (r as PromiseLike<unknown>).then === 'function') {
            (r as PromiseLike<unknown>).then(undefined, (e: unknown) => this.watcherFailed(e));
          }
        } catch (e) {
          this.watcherFailed(e);
        }
      });
    }
    this.wake();
  }

  /**
   * toData(d), reusing the bytes of the last string converted: wire data is never mutated (the server keeps it by
   * reference and every reader gets a copy), so equal strings may share one array, and a Uint8Array costs more to
   * create than its 16 bytes suggest.
   */
  private wireData(d: DataInput | undefined): Data {
    if (typeof d !== 'string') return toData(d);
    if (d === this.lastText) return this.lastBytes;
    const bytes = toData(d);
    this.lastText = d;
    this.lastBytes = bytes;
    return bytes;
  }

  /**
   * checkPath(path) for a non-sequential path, remembering the last path it accepted: validation is a pure function
   * of the path, and a client mostly reuses a few paths (a full check is about 1% of a run's work).
   */
  private checkPath(path: string): ZkError | null {
    if (typeof path === 'string' && path === this.lastValidPath) return null;
    const bad = checkPath(path);
    if (bad === null) this.lastValidPath = path;
    return bad;
  }

  private watcherOf(watch: Watcher | boolean | undefined): Watcher | null {
    if (typeof watch === 'function') return watch;
    if (watch === true) return this.cfg.watcher ?? noopWatcher;
    return null;
  }

  private wake(): void {
    this.cfg.onUserWake?.();
  }

  // ---------------------------------------------------------------- request submission

  private checkTtl(mode: CreateMode, ttl: number | undefined): ZkError | null {
    if (!ttlRefused(mode, ttl)) return null;
    return makeError(Code.BADARGUMENTS, undefined, isTtlMode(mode) ? `ttl must be in (0, ${MAX_TTL_MS}]` : 'ttl given for a mode without TTL');
  }

  /**
   * Records an operation that completes at once, without the server. Before the world started the role (and without
   * a `clock`) there is no time to give it: it is recorded at the start, in its place among the calls made before
   * it (submit's preStart), as those are, instead of at time 0 in the middle of a run (a session opened late).
   */
  private recordAtOnce(op: string, args: unknown, result: unknown): void {
    const rec = this.recorder;
    if (!rec) return;
    if (!this.port && !this.cfg.clock) {
      this.preStart.push(() => this.recordAtOnce(op, args, result));
      return;
    }
    const t = this.now();
    rec.ok(rec.invoke(this.process, op, args, t), result, t);
  }

  /** Records the invoke, then sends or queues the request; `shape` maps the reply value to what the caller gets. */
  private submit<T>(op: string, args: unknown, req: Request, watcher: Watcher | null, bad: ZkError | null, shape?: (v: any) => T, dereg?: Pending['dereg']): Promise<T> {
    if (!this.port && !this.cfg.clock) {
      return new Promise<T>((resolve, reject) => {
        this.preStart.push(() => this.submit(op, args, req, watcher, bad, shape, dereg).then(resolve, reject));
      });
    }
    const rec = this.recorder;
    const t = rec ? this.now() : 0; // only recorded
    const hid = rec ? rec.invoke(this.process, op, args, t) : -1;
    if (bad) {
      // Client-side validation (Java: IllegalArgumentException): nothing is sent.
      rec?.fail(hid, { code: bad.code, name: bad.name }, t, undefined, true);
      this.wake();
      return Promise.reject(bad);
    }
    if (this._state === 'CLOSED' || this.closing) {
      // Java conLossPacket: AUTHFAILED once an auth failed, else SESSIONEXPIRED
      const code = this.authFailedFlag ? Code.AUTHFAILED : Code.SESSIONEXPIRED;
      rec?.fail(hid, { code, name: errorName(code) }, t, undefined, true);
      this.wake();
      return Promise.reject(makeError(code, 'path' in req ? (req as { path: string }).path : undefined));
    }
    return new Promise<T>((resolve, reject) => {
      const p: Pending = { kind: 'user', xid: 0, req, hid, watcher, resolve: shape ? (v) => resolve(shape(v)) : resolve, reject, sent: false };
      if (dereg) p.dereg = dereg;
      if (this.phase === 'connected') {
        this.send(p);
        this.arm();
      } else {
        this.outgoing.push(p);
      }
    });
  }
}

/** zk.transaction() builder (Java Transaction). */
export class Transaction {
  private readonly ops: MultiOp[] = [];
  constructor(private readonly zk: ZooKeeperClient) {}
  create(path: string, data: DataInput = null, mode: CreateMode = CreateMode.PERSISTENT, ttl?: number, acl?: readonly ACL[]): this {
    const o: MultiOp = { op: 'create', path, data: toData(data), mode };
    if (ttl !== undefined) o.ttl = ttl;
    if (acl !== undefined) o.acl = acl;
    this.ops.push(o);
    return this;
  }
  delete(path: string, version = -1): this {
    this.ops.push({ op: 'delete', path, version });
    return this;
  }
  setData(path: string, data: DataInput, version = -1): this {
    this.ops.push({ op: 'setData', path, data: toData(data), version });
    return this;
  }
  check(path: string, version: number): this {
    this.ops.push({ op: 'check', path, version });
    return this;
  }
  commit(): Promise<OpResult[]> {
    return this.zk.multi(this.ops);
  }
}

function noopWatcher(): void {}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function addWatch(m: Map<string, Set<Watcher>>, path: string, w: Watcher): void {
  let s = m.get(path);
  if (!s) m.set(path, (s = new Set()));
  s.add(w);
}

function isWrite(req: Request): boolean {
  return req.op === 'create' || req.op === 'delete' || req.op === 'setData' || req.op === 'setACL' || req.op === 'multi' || req.op === 'closeSession';
}

/** Java ZooKeeper.validateACL: a null or empty list (or a null entry) is INVALIDACL before anything is sent. */
function checkAcl(acl: readonly ACL[] | undefined): ZkError | null {
  if (acl === undefined) return null;
  if (!Array.isArray(acl) || acl.length === 0 || acl.some((a) => a == null)) return makeError(Code.INVALIDACL, undefined, 'empty ACL');
  return null;
}

/** The caller's list, copied: later changes to it must not reach the request. */
function copyAcl(acl: readonly ACL[]): ACL[] {
  return acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id }));
}

/** An ACL list as the history records it. */
function aclArgs(acl: readonly ACL[]): Array<{ perms: number; scheme: string; id: string }> {
  return acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id }));
}

function cloneOp(o: MultiOp): MultiOp {
  if (o.op === 'create' && o.acl !== undefined) {
    const c = { ...o };
    if (o.acl === OPEN_ACL_UNSAFE) delete c.acl;
    else c.acl = copyAcl(o.acl);
    return c;
  }
  return { ...o };
}

function multiOpArgs(o: MultiOp): Record<string, unknown> {
  switch (o.op) {
    case 'create': {
      const a: Record<string, unknown> = { op: 'create', path: o.path, data: dataText(o.data), mode: MODE_NAMES[o.mode] ?? o.mode };
      if (o.ttl !== undefined) a.ttl = o.ttl;
      if (o.acl !== undefined) a.acl = aclArgs(o.acl);
      return a;
    }
    case 'delete':
      return { op: 'delete', path: o.path, version: o.version };
    case 'setData':
      return { op: 'setData', path: o.path, data: dataText(o.data), version: o.version };
    case 'check':
      return { op: 'check', path: o.path, version: o.version };
  }
}

function copyReadResult(r: ReadResult): ReadResult {
  switch (r.op) {
    case 'getData':
      return { op: 'getData', err: 0, data: r.data === null ? null : new Uint8Array(r.data), stat: { ...r.stat } };
    case 'getChildren':
      return { op: 'getChildren', err: 0, children: r.children.slice() };
    default:
      return { op: 'error', err: r.err };
  }
}

/** A multiRead result as the history records it (data as text, as getData's). */
function readResultHist(r: ReadResult): Record<string, unknown> {
  switch (r.op) {
    case 'getData':
      return { op: 'getData', data: dataText(r.data), stat: r.stat };
    case 'getChildren':
      return { op: 'getChildren', children: r.children.slice() };
    default:
      return { op: 'error', err: r.err };
  }
}

function multiResultHist(r: MultiResult): Record<string, unknown> {
  switch (r.op) {
    case 'create':
      return { op: 'create', path: r.path, stat: r.stat };
    case 'setData':
      return { op: 'setData', stat: r.stat };
    case 'error':
      return { op: 'error', err: r.err };
    default:
      return { op: r.op };
  }
}
