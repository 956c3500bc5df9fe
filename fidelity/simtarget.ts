/**
 * The SIMULATED transcript target: zksim's servers (sim/cluster.ts) driven through zksim's client library
 * (core/client), on virtual time. A seed decides the run: the same transcript and seed give the same output.
 *
 * Each session is one client process hosting a ZooKeeperClient, wrapped in a small tap role that sees every
 * message the client sends and receives (like the real target's reader below node-zookeeper-client):
 * - requests go through the library's API when it accepts them (so its session handling, watch tables, SetWatches
 *   after a reconnect and error mapping are what is measured); a request the library refuses before sending
 *   (a bad path: the Java client's IllegalArgumentException) is sent by the tap as a raw protocol message on the
 *   client's connection, so the server's own answer is recorded, as on the real side;
 * - the reply header's zxid and the reply body are taken from the reply frame itself; notification frames are
 *   recorded in arrival order when they arrive; state events (SyncConnected, Disconnected, Expired) come from the
 *   client's default watcher;
 * - one server per session (no host shuffle); `expire` partitions the client from its server until the server has
 *   expired the session, heals, and lets the client reconnect and learn Expired;
 * - `settle` runs the world until no request is outstanding, every server applied the same last zxid, and a quiet
 *   period (well above the network latency) passed with nothing new.
 */
import { Cluster } from '../sim/cluster.js';
import type { ConnId, Port, ProcessEvent, Role } from '../core/port.js';
import { ZooKeeperClient } from '../core/client/index.js';
import { validatePath } from '../core/paths.js';
import { isSequentialMode, ttlRefused } from '../core/txn.js';
import {
  AddWatchMode,
  CreateMode,
  EventType,
  KeeperState,
  type ClientMessage,
  type MultiOp,
  type MultiResult,
  type ReadOp,
  type ReadResult,
  type ReplyBody,
  type Request,
  type ServerMessage,
  type Stat,
} from '../core/protocol.js';
import { takeEventsUpToReply, type StepReply, type TranscriptTarget } from './runner.js';
import type { SuiteServerOptions } from './suite.js';
import {
  EVENT_TYPE_NAMES,
  addWatchModeCode,
  dataBytes,
  dataJson,
  errorResult,
  type EventJson,
  type InputStep,
  type MultiOpStep,
  type AclJson,
  type MultiResultJson,
  type ResultJson,
  type StatJson,
} from './transcript.js';

export class SimTargetUnavailable extends Error {
  override name = 'SimTargetUnavailable';
  constructor() {
    super('simulated target not available');
  }
}

export interface SimTargetOptions {
  servers: number;
  seed: string;
  /** Virtual quiet time (ms) that counts as settled (default 100; the network latency is 1-5 ms plus a rare tail). */
  quietMs?: number;
  /** Server options of the suite (manifest "server"): extended types, container check interval. */
  server?: SuiteServerOptions;
}

/** Session id (number or bigint) as the transcripts' hex string. */
export function sessionHex(id: number | bigint): string {
  return '0x' + BigInt.asUintN(64, BigInt(id)).toString(16);
}

type Msg = ClientMessage | ServerMessage;

/** A reply frame as the tap saw it. */
interface Frame {
  err: number;
  zxid: number;
  body: ReplyBody | undefined;
}

const RAW_XID_BASE = 0x40000000;

/**
 * Wraps a ZooKeeperClient role: passes every event through, records reply frames and notification frames, and can
 * send a raw request on the client's current connection (its reply is kept from the client).
 */
class Tap implements Role<Msg> {
  port!: Port<Msg>;
  /** The client's current connection and whether its handshake completed. */
  conn: ConnId | null = null;
  handshaken = false;
  /** Capture the xid of the next user request the client sends. */
  capture = false;
  /** The step is an addWatch: its request is the one to capture (else an addWatch is the client's own re-adding of a
   *  persistent watch after a reconnect, not the step's request). */
  captureAddWatch = false;
  expectXid: number | null = null;
  frames = new Map<number, Frame>();
  /** The server's answer to the last auth packet (xid -4), null until it comes. */
  authFrame: Frame | null = null;
  private rawXid = RAW_XID_BASE;
  private raw = new Map<number, (f: Frame | { lost: number }) => void>();

  constructor(
    readonly zk: ZooKeeperClient,
    private readonly sess: SimSession,
    /** The world's wakeUser: called after settling a raw request, as the client library does after its replies. */
    private readonly wake: () => void,
  ) {}

  start(port: Port<Msg>): void {
    this.port = port;
    const wrapped: Port<Msg> = {
      get self() {
        return port.self;
      },
      now: () => port.now(),
      random: () => port.random(),
      connect: (to) => {
        const c = port.connect(to);
        this.conn = c;
        this.handshaken = false;
        return c;
      },
      send: (conn, msg) => {
        if (this.capture && msg.type === 'request' && msg.req.op !== 'setWatches' && (msg.req.op !== 'addWatch' || this.captureAddWatch)) {
          this.capture = false;
          this.expectXid = msg.xid;
        }
        port.send(conn, msg);
      },
      close: (conn) => {
        if (conn === this.conn) this.lost();
        port.close(conn);
      },
      setTimer: (d, tag) => port.setTimer(d, tag),
      cancelTimer: (id) => port.cancelTimer(id),
      get disk() {
        return port.disk;
      },
      trace: (kind, data) => port.trace(kind, data),
    };
    this.zk.start(wrapped);
  }

  handle(ev: ProcessEvent<Msg>): void {
    if (ev.kind === 'closed' && ev.conn === this.conn) this.lost();
    if (ev.kind === 'message' && ev.conn === this.conn) {
      const m = ev.msg as ServerMessage;
      if (m.type === 'connectResponse') this.handshaken = m.timeoutMs > 0;
      else if (m.type === 'reply') {
        if (m.xid === -4) {
          // the auth packet's answer: not a pending request; AUTHFAILED ends the handle (Java: AuthFailed event)
          this.authFrame = { err: m.err, zxid: m.zxid, body: undefined };
          if (m.err === -115 && !this.sess.closing) {
            this.sess.events.push({ state: 'AuthFailed' });
            this.sess.authFailed = true;
            this.sess.open = false;
            this.sess.closing = true;
          }
          this.sess.replyMark = this.sess.events.length;
        }
        const done = this.raw.get(m.xid);
        if (done) {
          // a raw request of the harness: the client never sent it, so it must not see the reply
          this.raw.delete(m.xid);
          this.sess.replyMark = this.sess.events.length;
          done({ err: m.err, zxid: m.zxid, body: m.body });
          return;
        }
        if (m.xid === this.expectXid) {
          this.expectXid = null;
          this.frames.set(m.xid, { err: m.err, zxid: m.zxid, body: m.body });
          this.sess.replyMark = this.sess.events.length;
        }
      } else if (m.type === 'event') {
        if (!this.sess.closing) this.sess.events.push({ type: EVENT_TYPE_NAMES[m.event.type] ?? `Type(${m.event.type})`, path: m.event.path });
      }
    }
    this.zk.handle(ev);
  }

  /** The current connection is gone: raw requests on it are lost. */
  private lost(): void {
    this.handshaken = false;
    const waiting = [...this.raw.values()];
    this.raw.clear();
    // The loss is the reply of a raw request in flight: its step's events end here. The client's Disconnected comes
    // next (zk.handle, after this) and belongs to the session's next step, as for a request the library sent and on
    // the real target; marking later, when the harness resumes, counted it in this step (random/22/82: a bad path
    // sent raw with data over jute.maxbuffer).
    if (waiting.length > 0 && this.sess.replyMark === null) this.sess.replyMark = this.sess.events.length;
    for (const f of waiting) f({ lost: -4 });
  }

  /** Sends `req` on the client's connection (it must be connected); resolves with the reply frame. */
  sendRaw(req: Request): Promise<Frame | { lost: number }> {
    return new Promise((resolve) => {
      // wake the world's user code, so that the harness's continuation runs before the next event (without it, a
      // run waiting for this promise went on to its virtual time limit: minutes, enough for TTL nodes to expire)
      const settle = (f: Frame | { lost: number }): void => {
        resolve(f);
        this.wake();
      };
      if (this.conn === null || !this.handshaken) {
        settle({ lost: -4 });
        return;
      }
      this.rawXid = this.rawXid >= 0x7ffffff0 ? RAW_XID_BASE : this.rawXid + 1;
      this.raw.set(this.rawXid, settle);
      this.port.send(this.conn, { type: 'request', xid: this.rawXid, req });
    });
  }
}

interface SimSession {
  label: string;
  proc: string;
  server: string;
  zk: ZooKeeperClient;
  tap: Tap;
  events: EventJson[];
  replyMark: number | null;
  closing: boolean;
  open: boolean;
  /** An addAuth was answered AUTHFAILED: later steps fail AUTHFAILED, nothing is sent. */
  authFailed: boolean;
}

function statJson(s: Stat): StatJson {
  return {
    czxid: s.czxid,
    mzxid: s.mzxid,
    ctime: s.ctime,
    mtime: s.mtime,
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: sessionHex(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: s.pzxid,
  };
}

function modeOf(name: string | undefined): CreateMode {
  return CreateMode[(name ?? 'PERSISTENT') as keyof typeof CreateMode];
}

/** The acl field of a create request, when the step gives one. */
function aclOf(o: { acl?: AclJson[] }): { acl?: AclJson[] } {
  return o.acl !== undefined ? { acl: o.acl.map((a) => ({ ...a })) } : {};
}

/** The ttl field of a create request, when the step gives one. */
function ttlOf(o: { ttl?: number }): { ttl?: number } {
  return o.ttl !== undefined ? { ttl: o.ttl } : {};
}

function multiOp(o: MultiOpStep): MultiOp {
  switch (o.op) {
    case 'create':
      return { op: 'create', path: o.path, data: dataBytes(o.data), mode: modeOf(o.mode), ...ttlOf(o), ...aclOf(o) };
    case 'delete':
      return { op: 'delete', path: o.path, version: o.version ?? -1 };
    case 'setData':
      return { op: 'setData', path: o.path, data: dataBytes(o.data), version: o.version ?? -1 };
    case 'check':
      return { op: 'check', path: o.path, version: o.version ?? -1 };
  }
}

function multiResults(rs: readonly MultiResult[]): MultiResultJson[] {
  return rs.map((m) => {
    switch (m.op) {
      case 'error':
        return { code: m.err };
      case 'create':
        return m.stat ? { code: 0, path: m.path, stat: statJson(m.stat) } : { code: 0, path: m.path };
      case 'setData':
        return { code: 0, stat: statJson(m.stat) };
      default:
        return { code: 0 };
    }
  });
}

function readResults(rs: readonly ReadResult[]): MultiResultJson[] {
  return rs.map((m) => {
    switch (m.op) {
      case 'error':
        return { code: m.err };
      case 'getData':
        return { code: 0, data: dataJson(m.data), stat: statJson(m.stat) };
      case 'getChildren':
        return { code: 0, children: [...m.children].sort() };
    }
  });
}

/** The transcript result of a reply frame for `step`. */
function fromFrame(step: InputStep, f: Frame): StepReply {
  const zxid = f.zxid;
  if (step.op === 'multi') {
    const results = f.body?.op === 'multi' ? multiResults(f.body.results) : [];
    const firstErr = results.find((x) => x.code !== 0);
    if (f.err !== 0 || firstErr) return { result: errorResult(f.err !== 0 ? f.err : firstErr!.code, { results }), zxid };
    return { result: { ok: true, results }, zxid };
  }
  if (f.err !== 0) return { result: errorResult(f.err), zxid };
  const b = f.body;
  let result: ResultJson = { ok: true };
  switch (b?.op) {
    case 'create':
      result = { ok: true, path: b.path, stat: statJson(b.stat) };
      break;
    case 'exists':
    case 'setData':
      result = { ok: true, stat: statJson(b.stat) };
      break;
    case 'getData':
      result = { ok: true, data: dataJson(b.data), stat: statJson(b.stat) };
      break;
    case 'getChildren':
      result = { ok: true, children: [...b.children].sort(), stat: statJson(b.stat) };
      break;
    case 'sync':
      result = { ok: true, path: b.path };
      break;
    case 'multiRead':
      result = { ok: true, results: readResults(b.results) };
      break;
    case 'getACL':
      result = { ok: true, acl: b.acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id })), stat: statJson(b.stat) };
      break;
    case 'setACL':
      result = { ok: true, stat: statJson(b.stat) };
      break;
    case 'getEphemerals':
      result = { ok: true, paths: [...b.paths].sort() };
      break;
    case 'getAllChildrenNumber':
      result = { ok: true, count: b.count };
      break;
    case 'whoAmI':
      result = { ok: true, clientInfo: b.clientInfo.map((c) => ({ authScheme: c.authScheme, user: c.user })) };
      break;
    default:
      break;
  }
  return { result, zxid };
}

const WATCHER_TYPE_CODES = { CHILDREN: 1, DATA: 2, ANY: 3 } as const;

/** The request a step stands for, exactly as written. */
function requestOf(step: InputStep): Request {
  switch (step.op) {
    case 'create':
      return { op: 'create', path: step.path, data: dataBytes(step.data), mode: modeOf(step.mode), ...ttlOf(step), ...aclOf(step) };
    case 'getACL':
      return { op: 'getACL', path: step.path };
    case 'setACL':
      return { op: 'setACL', path: step.path, acl: step.acl.map((a) => ({ ...a })), version: step.version ?? -1 };
    case 'delete':
      return { op: 'delete', path: step.path, version: step.version ?? -1 };
    case 'exists':
    case 'getData':
    case 'getChildren':
      return { op: step.op, path: step.path, watch: !!step.watch };
    case 'setData':
      return { op: 'setData', path: step.path, data: dataBytes(step.data), version: step.version ?? -1 };
    case 'sync':
      return { op: 'sync', path: step.path };
    case 'removeWatches':
      return { op: step.all ? 'removeWatches' : 'checkWatches', path: step.path, type: WATCHER_TYPE_CODES[step.watcherType] };
    case 'addWatch':
      // any integer as written (the protocol type says 0 | 1: a raw request may carry another)
      return { op: 'addWatch', path: step.path, mode: addWatchModeCode(step.mode) as AddWatchMode };
    case 'multi':
      return { op: 'multi', ops: step.ops.map(multiOp) };
    case 'multiRead':
      // an `exists` op is sent as written (raw): only to see the server refuse it
      return { op: 'multiRead', ops: step.ops.map((o) => ({ op: o.op, path: o.path }) as ReadOp) };
    case 'getEphemerals':
      return { op: 'getEphemerals', prefix: step.prefix };
    case 'getAllChildrenNumber':
      return { op: 'getAllChildrenNumber', path: step.path };
    case 'whoAmI':
      return { op: 'whoAmI' };
    default:
      throw new Error(`op ${step.op} is not a request`);
  }
}

/** Would the client library refuse this request before sending it (bad path)? */
function refusedByLibrary(req: Request): boolean {
  switch (req.op) {
    case 'create':
      return validatePath(req.path, isSequentialMode(req.mode)) !== null || ttlRefused(req.mode, req.ttl) || req.acl?.length === 0;
    case 'multi':
      return req.ops.length === 0 || req.ops.some((o) => validatePath(o.path, o.op === 'create' && isSequentialMode(o.mode)) !== null || (o.op === 'create' && (ttlRefused(o.mode, o.ttl) || o.acl?.length === 0)));
    case 'setACL':
      // the Java client refuses an empty list (InvalidACLException) before sending
      return validatePath(req.path) !== null || req.acl.length === 0;
    case 'multiRead':
      return req.ops.length === 0 || req.ops.some((o) => (o.op !== 'getData' && o.op !== 'getChildren') || validatePath(o.path) !== null);
    case 'getEphemerals':
      return validatePath(req.prefix) !== null;
    case 'delete':
    case 'exists':
    case 'getData':
    case 'getChildren':
    case 'setData':
    case 'sync':
    case 'getAllChildrenNumber':
    case 'getACL':
      return validatePath(req.path) !== null;
    case 'addWatch':
      return validatePath(req.path) !== null || (req.mode !== AddWatchMode.PERSISTENT && req.mode !== AddWatchMode.PERSISTENT_RECURSIVE);
    default:
      return false;
  }
}

const OP_LIMIT_MS = 120_000;

export class SimTarget implements TranscriptTarget {
  readonly name = 'zksim';
  private cluster!: Cluster;
  private generation = 0;
  private procSeq = 0;
  private sessions = new Map<string, SimSession>();
  private readonly quietMs: number;

  constructor(private readonly opts: SimTargetOptions) {
    if (!Number.isInteger(opts.servers) || opts.servers < 1) throw new Error(`--servers must be a positive integer, got ${opts.servers}`);
    this.quietMs = opts.quietMs ?? 100;
  }

  get servers(): number {
    return this.opts.servers;
  }

  /** The current cluster (tests, bench). */
  get world() {
    return this.cluster.world;
  }

  /** A fresh ensemble: a new world seeded from the seed and the number of resets so far. */
  async reset(): Promise<void> {
    this.sessions.clear();
    this.procSeq = 0;
    const seed = this.generation === 0 ? this.opts.seed : `${this.opts.seed}/${this.generation}`;
    this.generation++;
    const srv = this.opts.server ?? {};
    this.cluster = new Cluster({
      seed,
      servers: this.opts.servers,
      ...(srv.extendedTypesEnabled ? { extendedTypesEnabled: true } : {}),
      ...(srv.containerCheckIntervalMs !== undefined ? { containerCheckIntervalMs: srv.containerCheckIntervalMs } : {}),
    });
    const cl = this.cluster;
    const up = await cl.until(() => cl.leader() !== null && cl.serverNames.every((n) => cl.server(n)?.serving === true), 120_000);
    if (!up) throw new Error('the simulated ensemble did not elect a leader');
  }

  private ensure(): void {
    if (!this.cluster) throw new Error('no ensemble (reset first)');
  }

  // ------------------------------------------------------------------------------------------------ sessions

  async connect(label: string, server: number, timeoutMs: number): Promise<StepReply> {
    if (!this.cluster) await this.reset();
    const old = this.sessions.get(label);
    if (old && old.open) await this.close(label);
    const cl = this.cluster;
    const serverName = cl.serverNames[server];
    if (!serverName) return { result: errorResult(-8, { reason: `no server ${server}` }), zxid: null };
    const proc = `c${++this.procSeq}`;
    const world = cl.world;
    const sess: SimSession = { label, proc, server: serverName, zk: null!, tap: null!, events: [], replyMark: null, closing: false, open: true, authFailed: false };
    const watcher = (e: { type: number; state: number }): void => {
      if (e.type !== EventType.None || sess.closing) return;
      if (e.state === KeeperState.SyncConnected) sess.events.push({ state: 'SyncConnected' });
      else if (e.state === KeeperState.Disconnected) sess.events.push({ state: 'Disconnected' });
      else if (e.state === KeeperState.Expired) {
        sess.events.push({ state: 'Expired' });
        sess.open = false;
      }
    };
    const zk = new ZooKeeperClient({
      servers: [serverName],
      sessionTimeoutMs: timeoutMs,
      watcher,
      noShuffle: true,
      process: proc,
      onUserWake: () => world.wakeUser(),
      clock: () => world.now,
    });
    sess.zk = zk;
    sess.tap = new Tap(zk, sess, () => world.wakeUser());
    world.addProcess(proc, () => sess.tap);
    this.sessions.set(label, sess);
    await cl.until(() => zk.state !== 'CONNECTING', timeoutMs + 10_000);
    await cl.runFor(0);
    if (zk.state !== 'CONNECTED') {
      sess.open = false;
      // stop the handle: it kept retrying, and once it got through, the session's next step said SESSIONEXPIRED with
      // a SyncConnected event, and a live session nobody closed stayed on the ensemble
      sess.closing = true;
      await this.await(zk.close());
      return { result: errorResult(-4, { reason: `could not connect to ${serverName}` }), zxid: null };
    }
    return { result: { ok: true, sessionId: sessionHex(zk.sessionId), timeoutMs: zk.sessionTimeout }, zxid: null };
  }

  /** Runs the world until `p` settles; never throws for the promise's own rejection. */
  private async await<T>(p: Promise<T>, maxMs = OP_LIMIT_MS): Promise<{ ok: true; value: T } | { ok: false; error: unknown } | { ok: 'timeout' }> {
    let out: { ok: true; value: T } | { ok: false; error: unknown } | null = null;
    p.then(
      (value) => {
        out = { ok: true, value };
      },
      (error: unknown) => {
        out = { ok: false, error };
      },
    );
    await this.cluster.until(() => out !== null, maxMs);
    await this.cluster.runFor(0);
    return out ?? { ok: 'timeout' };
  }

  async run(label: string, step: InputStep): Promise<StepReply> {
    this.ensure();
    const sess = this.sessions.get(label);
    if (!sess) return { result: errorResult(-112, { reason: `no session ${label}` }), zxid: null };
    if (!sess.open || sess.zk.state === 'CLOSED') {
      // After expiry or close every call fails at once with SESSIONEXPIRED (Java client), nothing is sent; after a
      // refused auth with AUTHFAILED.
      sess.replyMark = sess.events.length;
      return { result: errorResult(sess.authFailed ? -115 : -112), zxid: null };
    }
    if (step.op === 'addAuth') return this.addAuth(sess, step.scheme, step.auth);
    const req = requestOf(step);
    // removeWatches: the server's own answer, as the real target records it (the client library would add its own
    // containsWatcher check and WatchRemoved events, which are not on the wire)
    if (refusedByLibrary(req) || req.op === 'checkWatches' || req.op === 'removeWatches') return this.runRaw(sess, step, req);
    const zk = sess.zk;
    const tap = sess.tap;
    tap.frames.clear();
    tap.expectXid = null;
    tap.capture = true;
    tap.captureAddWatch = req.op === 'addWatch';
    let p: Promise<unknown>;
    switch (req.op) {
      case 'create':
        p = zk.create2(req.path, req.data, req.mode, req.ttl, req.acl);
        break;
      case 'getACL':
        p = zk.getACL(req.path);
        break;
      case 'setACL':
        p = zk.setACL(req.path, req.acl, req.version);
        break;
      case 'delete':
        p = zk.delete(req.path, req.version);
        break;
      case 'exists':
        p = zk.exists(req.path, req.watch);
        break;
      case 'getData':
        p = zk.getData(req.path, req.watch);
        break;
      case 'getChildren':
        p = zk.getChildren2(req.path, req.watch);
        break;
      case 'setData':
        p = zk.setData(req.path, req.data, req.version);
        break;
      case 'sync':
        p = zk.sync(req.path);
        break;
      case 'multi':
        p = zk.multi(req.ops);
        break;
      case 'multiRead':
        p = zk.multiRead(req.ops);
        break;
      case 'getEphemerals':
        p = zk.getEphemerals(req.prefix);
        break;
      case 'getAllChildrenNumber':
        p = zk.getAllChildrenNumber(req.path);
        break;
      case 'whoAmI':
        p = zk.whoAmI();
        break;
      case 'addWatch':
        // the default watcher: the harness records notification frames, not watcher calls
        p = zk.addWatch(req.path, req.mode);
        break;
      default:
        throw new Error(`op ${req.op} is not a request`);
    }
    // the library settles the promise synchronously with the reply (or the loss): mark events there
    const marked = p.then(
      () => undefined,
      () => {
        if (sess.replyMark === null) sess.replyMark = sess.events.length;
      },
    );
    const r = await this.await(p);
    await marked;
    tap.capture = false;
    const xid = tap.frames.size ? [...tap.frames.keys()][0]! : null;
    const frame = xid !== null ? tap.frames.get(xid)! : null;
    tap.frames.clear();
    if (frame) return fromFrame(step, frame);
    if (r.ok === 'timeout') return { result: errorResult(-7, { reason: 'no reply within the virtual time limit' }), zxid: null };
    if (r.ok) return { result: errorResult(-6, { reason: 'reply not seen by the harness' }), zxid: null };
    const e = r.error as { code?: unknown };
    const code = typeof e?.code === 'number' ? e.code : -1;
    return { result: errorResult(code), zxid: null };
  }

  /** addAuth through the library (addAuthInfo); the result is the server's answer to the auth packet (xid -4). */
  private async addAuth(sess: SimSession, scheme: string, auth: string): Promise<StepReply> {
    const tap = sess.tap;
    tap.authFrame = null;
    sess.zk.addAuthInfo(scheme, auth);
    await this.cluster.until(() => tap.authFrame !== null || sess.zk.state !== 'CONNECTED', OP_LIMIT_MS);
    await this.cluster.runFor(0);
    const f = tap.authFrame as Frame | null;
    if (f === null) return { result: errorResult(-4, { reason: 'the auth packet got no answer' }), zxid: null };
    return { result: f.err === 0 ? { ok: true } : errorResult(f.err), zxid: f.zxid };
  }

  private async runRaw(sess: SimSession, step: InputStep, req: Request): Promise<StepReply> {
    if (sess.zk.state !== 'CONNECTED') await this.cluster.until(() => sess.zk.state !== 'CONNECTING', OP_LIMIT_MS);
    if (sess.zk.state !== 'CONNECTED') return { result: errorResult(sess.zk.state === 'CLOSED' ? -112 : -4), zxid: null };
    const r = await this.await(sess.tap.sendRaw(req));
    if (r.ok !== true) return { result: errorResult(-7, { reason: 'no reply within the virtual time limit' }), zxid: null };
    const f = r.value;
    if ('lost' in f) {
      if (sess.replyMark === null) sess.replyMark = sess.events.length;
      return { result: errorResult(f.lost), zxid: null };
    }
    return fromFrame(step, f);
  }

  async close(label: string): Promise<StepReply> {
    this.ensure();
    const sess = this.sessions.get(label);
    if (!sess) return { result: errorResult(-112, { reason: `no session ${label}` }), zxid: null };
    if (!sess.open || sess.zk.state === 'CLOSED') {
      sess.open = false;
      sess.closing = true;
      return { result: errorResult(-112), zxid: null };
    }
    sess.closing = true;
    const tap = sess.tap;
    tap.frames.clear();
    tap.expectXid = null;
    tap.capture = true;
    await this.await(sess.zk.close());
    tap.capture = false;
    sess.open = false;
    const frame = tap.frames.size ? [...tap.frames.values()][0]! : null;
    tap.frames.clear();
    sess.replyMark = sess.events.length;
    if (!frame) return { result: errorResult(-4, { reason: 'closeSession got no reply' }), zxid: null };
    if (frame.err !== 0) return { result: errorResult(frame.err), zxid: frame.zxid };
    return { result: { ok: true }, zxid: frame.zxid };
  }

  async expire(label: string): Promise<StepReply> {
    this.ensure();
    const sess = this.sessions.get(label);
    if (!sess || !sess.open || sess.zk.state === 'CLOSED') return { result: errorResult(-112, { reason: `no open session ${label}` }), zxid: null };
    const cl = this.cluster;
    const timeout = sess.zk.sessionTimeout;
    const sid = sess.zk.sessionId;
    cl.world.net.partition([[sess.proc], [sess.server]]);
    // The server expires the session in (timeout, timeout + tick] after it last heard from it.
    const tick = cl.server(sess.server)?.tick ?? 2000;
    const gone = await cl.until(() => !this.sessionLive(sess.server, sid), timeout * 2 + tick * 4);
    cl.world.net.heal();
    if (!gone) return { result: errorResult(-7, { reason: 'the server did not expire the session in time' }), zxid: null };
    const learnt = await cl.until(() => sess.zk.state === 'CLOSED', timeout * 2 + 10_000);
    await cl.runFor(0);
    sess.replyMark = null;
    sess.open = false;
    if (!learnt) return { result: errorResult(-7, { reason: 'the client did not learn of the expiry' }), zxid: null };
    return { result: { ok: true }, zxid: null };
  }

  /** Does the session still exist (the server's tree holds it until its closeSession txn is applied)? */
  private sessionLive(server: string, sid: number): boolean {
    const s = this.cluster.server(server);
    return !!s && s.tree !== undefined && s.tree.hasSession(sid);
  }

  // ------------------------------------------------------------------------------------------------ runner hooks

  takeEvents(label: string): EventJson[] {
    const sess = this.sessions.get(label);
    return sess ? takeEventsUpToReply(sess) : [];
  }

  openSessions(): string[] {
    return [...this.sessions.values()].filter((s) => s.open && s.zk.state !== 'CLOSED').map((s) => s.label);
  }

  async wait(ms: number): Promise<void> {
    this.ensure();
    await this.cluster.runFor(ms);
  }

  private quiet(): boolean {
    const cl = this.cluster;
    for (const s of this.sessions.values()) {
      if (s.zk.state === 'CLOSED' || s.authFailed) continue;
      if (s.zk.state !== 'CONNECTED' || s.zk.pendingCount > 0) return false;
    }
    let z: number | null = null;
    for (const n of cl.serverNames) {
      const s = cl.server(n);
      if (!s || !s.serving) return false;
      if (z === null) z = s.lastProcessedZxid;
      else if (s.lastProcessedZxid !== z) return false;
    }
    return true;
  }

  async settle(): Promise<void> {
    if (!this.cluster) return;
    const cl = this.cluster;
    for (let round = 0; round < 50; round++) {
      await cl.until(() => this.quiet(), 60_000);
      const zBefore = this.zxidKey();
      const evBefore = this.eventCount();
      await cl.runFor(this.quietMs);
      if (this.quiet() && this.zxidKey() === zBefore && this.eventCount() === evBefore) return;
    }
  }

  private zxidKey(): string {
    return this.cluster.serverNames.map((n) => this.cluster.server(n)?.lastProcessedZxid ?? -1).join(',');
  }

  private eventCount(): number {
    let n = 0;
    for (const s of this.sessions.values()) n += s.events.length;
    return n;
  }

  async lastZxid(): Promise<number> {
    if (!this.cluster) await this.reset();
    let max = 0;
    for (const n of this.cluster.serverNames) max = Math.max(max, this.cluster.server(n)?.lastProcessedZxid ?? 0);
    return max;
  }

  async dispose(): Promise<void> {
    this.sessions.clear();
  }
}

/** Entry point used by the target registry. */
export async function createSimTarget(opts: SimTargetOptions): Promise<TranscriptTarget> {
  return new SimTarget(opts);
}
