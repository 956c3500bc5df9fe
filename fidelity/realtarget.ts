/**
 * The REAL transcript target: Apache ZooKeeper driven through node-zookeeper-client 1.1.x, below its public API.
 *
 * Why below the API (see ../shared/real-zookeeper.md): the public Client validates paths itself, sends version 0 in
 * transactions as -1, has no sync, no container mode, no create2, throws on error codes it does not know, and
 * shuffles the connect string. So each session uses the library's ConnectionManager (socket, handshake, pings,
 * xids, SetWatches after reconnect, closeSession) with:
 * - request bodies encoded by ./wire.ts and framed by the library's jute.Request, exactly as the transcript says
 *   (any path string, any version, create2 for every create so the reply carries the Stat, createContainer for
 *   CONTAINER, sync);
 * - the ConnectionManager's onSocketData replaced (per instance, before connect) by a reader that decodes every reply
 *   type, keeps the reply-header zxid, records notifications in arrival order, and still feeds the library's
 *   WatcherManager so that its SetWatches after a reconnect stays right;
 * - one server per session, through a TcpProxy, which also implements `expire` (blackhole until the server
 *   expires the session and drops the connection, then reset the client's connection so its reconnect is answered
 *   "expired"). This is a real server-side expiry (closeSession txn from the session tracker), not a client close.
 */
import { createRequire } from 'node:module';
import { TcpProxy } from './proxy.js';
import { fourLetter, srvr } from './realzk.js';
import { takeEventsUpToReply, type StepReply, type TranscriptTarget } from './runner.js';
import {
  CreateFlags,
  JuteReader,
  OpCode,
  RawPayload,
  createOpcode,
  decodeMultiReadResponse,
  decodeMultiResponse,
  decodeStrings,
  decodeClientInfos,
  encodeAddWatch,
  encodeCreate,
  encodeDelete,
  encodeSetWatches2,
  encodeSetACL,
  decodeAcl,
  encodeMulti,
  encodeMultiRead,
  encodePath,
  encodePathType,
  encodePathWatch,
  encodeSetData,
  hex64,
  type WireMultiOp,
  type WireStat,
} from './wire.js';
import {
  EVENT_TYPE_NAMES,
  addWatchModeCode,
  dataBytes,
  dataJson,
  errorResult,
  type EventJson,
  type InputStep,
  type MultiResultJson,
  type ResultJson,
  type StatJson,
} from './transcript.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const ConnectionManager: any = require('node-zookeeper-client/lib/ConnectionManager.js');
const jute: any = require('node-zookeeper-client/lib/jute/index.js');
const STATES: Record<string, number> = ConnectionManager.STATES;

export interface RealTargetOptions {
  /** host:port of each server, index = transcript server index. */
  addresses: string[];
  /** Called by reset(): start a fresh ensemble and return its addresses. Without it, reset deletes every znode
   *  outside /zookeeper instead (zxids, root cversion and sequence counters are then not fresh). */
  restart?: () => Promise<string[]>;
  /** Quiet time (ms) on every session's socket that counts as settled (default 15). */
  quietMs?: number;
  /** Per-request timeout (default 20 s). */
  requestTimeoutMs?: number;
}

interface Reply {
  err: number;
  zxid: bigint;
  reader: JuteReader;
}

interface Session {
  label: string;
  cm: any;
  proxy: TcpProxy;
  events: EventJson[];
  /** events.length when the last reply arrived (events after it belong to the next step). */
  replyMark: number | null;
  lastDataAt: number;
  closing: boolean;
  open: boolean;
  wasConnected: boolean;
  stateWaiters: Array<() => void>;
  /** Waiting for the answer to an auth packet (xid -4). */
  authWaiter: ((r: { err: number; zxid: bigint }) => void) | null;
  /** An addAuth was answered AUTHFAILED: later steps fail AUTHFAILED, nothing is sent (as the Java client). */
  authFailed: boolean;
  /** Paths of the addWatch PERSISTENT / PERSISTENT_RECURSIVE watches the server accepted (for SetWatches2). */
  persistent: Set<string>;
  recursive: Set<string>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function parseAddr(a: string): { host: string; port: number } {
  const i = a.lastIndexOf(':');
  return { host: a.slice(0, i) || '127.0.0.1', port: Number(a.slice(i + 1)) };
}

export function statJson(s: WireStat): StatJson {
  return {
    czxid: Number(s.czxid),
    mzxid: Number(s.mzxid),
    ctime: Number(s.ctime),
    mtime: Number(s.mtime),
    version: s.version,
    cversion: s.cversion,
    aversion: s.aversion,
    ephemeralOwner: hex64(s.ephemeralOwner),
    dataLength: s.dataLength,
    numChildren: s.numChildren,
    pzxid: Number(s.pzxid),
  };
}

export class RealTarget implements TranscriptTarget {
  readonly name = 'real';
  private sessions = new Map<string, Session>();
  private addresses: string[];
  /** False until the first session is opened: a reset of a fresh ensemble needs no restart. */
  private dirty = false;

  constructor(private readonly opts: RealTargetOptions) {
    this.addresses = [...opts.addresses];
  }

  get servers(): number {
    return this.addresses.length;
  }

  // ------------------------------------------------------------------------------------------------ sessions

  async connect(label: string, server: number, timeoutMs: number): Promise<StepReply> {
    const old = this.sessions.get(label);
    if (old) await this.dropSession(old, true);
    this.dirty = true;
    const addr = this.addresses[server];
    if (!addr) return { result: errorResult(-8, { reason: `no server ${server}` }), zxid: null };
    const { host, port } = parseAddr(addr);
    const proxy = await TcpProxy.start(host, port);
    const sess: Session = {
      label,
      cm: null,
      proxy,
      events: [],
      replyMark: null,
      lastDataAt: Date.now(),
      closing: false,
      open: true,
      wasConnected: false,
      stateWaiters: [],
      authWaiter: null,
      authFailed: false,
      persistent: new Set(),
      recursive: new Set(),
    };
    const cm = new ConnectionManager(`127.0.0.1:${proxy.port}`, { sessionTimeout: timeoutMs, spinDelay: 1000, retries: 0 }, (state: number) =>
      this.onState(sess, state),
    );
    sess.cm = cm;
    installReader(cm, sess);
    this.sessions.set(label, sess);
    cm.connect();
    const ok = await this.waitState(sess, (s) => s === STATES.CONNECTED || s === STATES.SESSION_EXPIRED, timeoutMs + 10000);
    if (!ok || cm.state !== STATES.CONNECTED) {
      return { result: errorResult(-4, { reason: `could not connect to ${addr}` }), zxid: null };
    }
    const sid = Buffer.from(cm.sessionId).readBigUInt64BE(0);
    return { result: { ok: true, sessionId: hex64(sid), timeoutMs: cm.sessionTimeout }, zxid: null };
  }

  private onState(sess: Session, state: number): void {
    sess.lastDataAt = Date.now();
    if (state === STATES.DISCONNECTED || state === STATES.CONNECTING) sess.cm && (sess.cm.pendingBuffer = null);
    if (!sess.closing) {
      if (state === STATES.CONNECTED) {
        sess.events.push({ state: 'SyncConnected' });
        sess.wasConnected = true;
      } else if (state === STATES.DISCONNECTED && sess.wasConnected) {
        sess.events.push({ state: 'Disconnected' });
        sess.wasConnected = false;
      } else if (state === STATES.SESSION_EXPIRED) {
        sess.events.push({ state: 'Expired' });
        sess.open = false;
      }
    }
    if (state === STATES.CLOSED) sess.open = false;
    const w = sess.stateWaiters;
    sess.stateWaiters = [];
    for (const f of w) f();
  }

  private async waitState(sess: Session, pred: (s: number) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!pred(sess.cm.state)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        sess.stateWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return true;
  }

  private send(sess: Session, type: number, body: Buffer | null): Promise<Reply | { lost: number }> {
    const header = new jute.protocol.RequestHeader();
    header.type = type;
    const request = new jute.Request(header, body ? new RawPayload(body) : null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve({ lost: -7 }), this.opts.requestTimeoutMs ?? 20000);
      sess.cm.queue(request, (error: any, resp: Reply | undefined) => {
        clearTimeout(timer);
        sess.replyMark = sess.events.length;
        if (error) resolve({ lost: typeof error.getCode === 'function' ? error.getCode() : -4 });
        else resolve(resp!);
      });
    });
  }

  async run(label: string, step: InputStep): Promise<StepReply> {
    const sess = this.sessions.get(label);
    if (!sess) return { result: errorResult(-112, { reason: `no session ${label}` }), zxid: null };
    if (!sess.open) {
      // After expiry or close the Java client fails every call with SESSIONEXPIRED at once. node-zookeeper-client
      // answers SESSIONEXPIRED or CONNECTIONLOSS depending on whether the server already closed the socket (a
      // race), so the harness answers like the Java client, without sending anything.
      sess.replyMark = sess.events.length;
      return { result: errorResult(sess.authFailed ? -115 : -112), zxid: null };
    }
    if (step.op === 'addAuth') return this.addAuth(sess, step.scheme, step.auth);
    let type: number;
    let body: Buffer | null;
    switch (step.op) {
      case 'create': {
        const flags = CreateFlags[step.mode ?? 'PERSISTENT']!;
        type = createOpcode(flags, step.ttl);
        body = encodeCreate(step.path, dataBytes(step.data), flags, step.ttl, step.acl);
        break;
      }
      case 'getACL':
        type = OpCode.getACL;
        body = encodePath(step.path);
        break;
      case 'setACL':
        type = OpCode.setACL;
        body = encodeSetACL(step.path, step.acl, step.version ?? -1);
        break;
      case 'delete':
        type = OpCode.delete;
        body = encodeDelete(step.path, step.version ?? -1);
        break;
      case 'exists':
        type = OpCode.exists;
        body = encodePathWatch(step.path, !!step.watch);
        break;
      case 'getData':
        type = OpCode.getData;
        body = encodePathWatch(step.path, !!step.watch);
        break;
      case 'getChildren':
        type = OpCode.getChildren2;
        body = encodePathWatch(step.path, !!step.watch);
        break;
      case 'setData':
        type = OpCode.setData;
        body = encodeSetData(step.path, dataBytes(step.data), step.version ?? -1);
        break;
      case 'sync':
        type = OpCode.sync;
        body = encodePath(step.path);
        break;
      case 'removeWatches':
        type = step.all ? OpCode.removeWatches : OpCode.checkWatches;
        body = encodePathType(step.path, { CHILDREN: 1, DATA: 2, ANY: 3 }[step.watcherType]);
        break;
      case 'addWatch':
        type = OpCode.addWatch;
        body = encodeAddWatch(step.path, addWatchModeCode(step.mode));
        break;
      case 'multi': {
        type = OpCode.multi;
        const ops: WireMultiOp[] = step.ops.map((o) => {
          switch (o.op) {
            case 'create':
              return { op: 'create', path: o.path, data: dataBytes(o.data), flags: CreateFlags[o.mode ?? 'PERSISTENT']!, ...(o.ttl !== undefined ? { ttl: o.ttl } : {}), ...(o.acl !== undefined ? { acl: o.acl } : {}) };
            case 'delete':
              return { op: 'delete', path: o.path, version: o.version ?? -1 };
            case 'setData':
              return { op: 'setData', path: o.path, data: dataBytes(o.data), version: o.version ?? -1 };
            case 'check':
              return { op: 'check', path: o.path, version: o.version ?? -1 };
          }
        });
        body = encodeMulti(ops);
        break;
      }
      case 'multiRead':
        type = OpCode.multiRead;
        body = encodeMultiRead(step.ops.map((o) => ({ type: OpCode[o.op], path: o.path })));
        break;
      case 'getEphemerals':
        type = OpCode.getEphemerals;
        body = encodePath(step.prefix);
        break;
      case 'getAllChildrenNumber':
        type = OpCode.getAllChildrenNumber;
        body = encodePath(step.path);
        break;
      case 'whoAmI':
        // a RequestHeader with no record (ZooKeeper.whoAmI submits a null request)
        type = OpCode.whoAmI;
        body = null;
        break;
      default:
        throw new Error(`op ${step.op} is not a request`);
    }
    const r = await this.send(sess, type, body);
    if ('lost' in r) return { result: errorResult(r.lost), zxid: null };
    const zxid = Number(r.zxid);
    if (step.op === 'multi') {
      // multi always carries per-op results (error txns included)
      let results: MultiResultJson[] = [];
      try {
        results = decodeMultiResponse(r.reader).map((m) => {
          if (m.type === 'error') return { code: m.err };
          if (m.type === 'create') return m.stat ? { code: 0, path: m.path, stat: statJson(m.stat) } : { code: 0, path: m.path };
          if (m.type === 'setData') return { code: 0, stat: statJson(m.stat) };
          return { code: 0 };
        });
      } catch {
        results = [];
      }
      const firstErr = results.find((x) => x.code !== 0);
      if (r.err !== 0 || firstErr) return { result: errorResult(r.err !== 0 ? r.err : firstErr!.code, { results }), zxid };
      return { result: { ok: true, results }, zxid };
    }
    if (r.err !== 0) return { result: errorResult(r.err), zxid };
    // the Java client keeps an accepted persistent watch (ZKWatchManager) and re-sends it after a reconnect
    if (step.op === 'addWatch') {
      const code = addWatchModeCode(step.mode);
      if (code === 0 || code === 1) (code === 1 ? sess.recursive : sess.persistent).add(step.path);
    }
    return { result: decodeBody(step, r.reader), zxid };
  }

  /**
   * addAuth through the library's addAuthInfo (which also re-sends it after a reconnect, as the Java client does);
   * the result is the server's answer to the auth packet (xid -4, zxid 0).
   */
  private async addAuth(sess: Session, scheme: string, auth: string): Promise<StepReply> {
    const r = await new Promise<{ err: number; zxid: bigint } | null>((resolve) => {
      const timer = setTimeout(() => {
        sess.authWaiter = null;
        resolve(null);
      }, this.opts.requestTimeoutMs ?? 20000);
      sess.authWaiter = (x) => {
        clearTimeout(timer);
        resolve(x);
      };
      addAuthInfo(sess.cm, scheme, Buffer.from(auth, 'utf8'));
    });
    if (r === null) return { result: errorResult(-7, { reason: 'the auth packet got no answer' }), zxid: null };
    return { result: r.err === 0 ? { ok: true } : errorResult(r.err), zxid: Number(r.zxid) };
  }

  async close(label: string): Promise<StepReply> {
    const sess = this.sessions.get(label);
    if (!sess) return { result: errorResult(-112, { reason: `no session ${label}` }), zxid: null };
    if (!sess.open) {
      // close() on an expired or closed handle: SESSIONEXPIRED, as for every call (see run)
      await this.dropSession(sess, false);
      return { result: errorResult(-112), zxid: null };
    }
    sess.closing = true;
    sess.cm.setState(STATES.CLOSING);
    const header = new jute.protocol.RequestHeader();
    header.type = OpCode.closeSession;
    const reply = await new Promise<Reply | { lost: number }>((resolve) => {
      const timer = setTimeout(() => resolve({ lost: -7 }), this.opts.requestTimeoutMs ?? 20000);
      sess.cm.queue(new jute.Request(header, null), (error: any, resp: Reply | undefined) => {
        clearTimeout(timer);
        sess.replyMark = sess.events.length;
        if (error) resolve({ lost: typeof error.getCode === 'function' ? error.getCode() : -4 });
        else resolve(resp!);
      });
    });
    await this.waitState(sess, (s) => s === STATES.CLOSED, 3000);
    await this.dropSession(sess, false);
    if ('lost' in reply) return { result: errorResult(reply.lost), zxid: null };
    if (reply.err !== 0) return { result: errorResult(reply.err), zxid: Number(reply.zxid) };
    return { result: { ok: true }, zxid: Number(reply.zxid) };
  }

  async expire(label: string): Promise<StepReply> {
    const sess = this.sessions.get(label);
    if (!sess || !sess.open) return { result: errorResult(-112, { reason: `no open session ${label}` }), zxid: null };
    sess.proxy.blackhole();
    // The server expires the session in (timeout, timeout + tick] after its last packet (the leader decides in an
    // ensemble). The server may close the idle *connection* a little earlier than it expires the session, so the
    // harness waits until no server lists the session any more (4lw `dump`, SessionTracker part) before it lets the
    // client reconnect; otherwise the reconnect would revive the session.
    const hex = hex64(Buffer.from(sess.cm.sessionId).readBigUInt64BE(0));
    const deadline = Date.now() + sess.cm.sessionTimeout * 2 + 15000;
    let gone = false;
    while (!gone && Date.now() < deadline) {
      await sleep(100);
      const dumps = await Promise.all(this.addresses.map((a) => fourLetter(parseAddr(a).port, 'dump', 1000, parseAddr(a).host)));
      if (dumps.some((d) => !d.includes('SessionTracker dump'))) {
        // `dump` not whitelisted (an external server): wait for the server to drop the connection, then for
        // two more ticks' worth of margin (tickTime 2000 assumed) so that the leader has expired the session too.
        gone = await sess.proxy.waitUpstreamClosed(Math.max(0, deadline - Date.now()));
        if (gone) await sleep(4500);
        break;
      }
      gone = dumps.every((d) => !d.split('ephemeral nodes dump:')[0]!.includes(hex));
    }
    sess.proxy.release();
    if (!gone) return { result: errorResult(-7, { reason: 'server did not expire the session in time' }), zxid: null };
    const ok = await this.waitState(sess, (s) => s === STATES.SESSION_EXPIRED || s === STATES.CLOSED, 15000);
    sess.replyMark = null;
    if (!ok) return { result: errorResult(-7, { reason: 'client did not learn of the expiry' }), zxid: null };
    sess.open = false;
    return { result: { ok: true }, zxid: null };
  }

  /** Forget a session: graceful=true sends closeSession first (unrecorded). */
  private async dropSession(sess: Session, graceful: boolean): Promise<void> {
    if (graceful && sess.open) {
      await this.close(sess.label);
      return;
    }
    sess.closing = true;
    sess.open = false;
    // No reconnect from now on: the library retries on every socket close unless it is CLOSING/expired.
    sess.cm.connect = (): void => undefined;
    if (sess.cm.state !== STATES.CLOSED && sess.cm.state !== STATES.SESSION_EXPIRED) sess.cm.state = STATES.CLOSING;
    try {
      if (sess.cm.socket) sess.cm.socket.destroy();
    } catch {
      /* ignore */
    }
    await sess.proxy.close();
  }

  // ------------------------------------------------------------------------------------------------ runner hooks

  takeEvents(label: string): EventJson[] {
    const sess = this.sessions.get(label);
    return sess ? takeEventsUpToReply(sess) : [];
  }

  openSessions(): string[] {
    return [...this.sessions.values()].filter((s) => s.open).map((s) => s.label);
  }

  async wait(ms: number): Promise<void> {
    await sleep(ms);
  }

  /**
   * Settled when every open session is connected (not mid-reconnect), every server reports the same last zxid,
   * and no session received anything for quietMs.
   */
  async settle(): Promise<void> {
    const quiet = this.opts.quietMs ?? 15;
    const deadline = Date.now() + 15000;
    while (Date.now() < deadline) {
      const open = [...this.sessions.values()].filter((s) => s.open);
      const connecting = open.some((s) => s.cm.state !== STATES.CONNECTED);
      let same = true;
      if (this.addresses.length > 1) {
        const zs = await Promise.all(this.addresses.map((a) => srvr(parseAddr(a).port, parseAddr(a).host)));
        // A server that applied no txn in the current epoch reports either 0x<epoch>00000000 or the previous
        // epoch's last zxid (0 on a fresh ensemble): count those as equal.
        const key = (z: { zxid: number } | null): string => (z === null ? 'down' : z.zxid % 2 ** 32 === 0 ? 'none' : String(z.zxid));
        same = zs.every((z) => key(z) === key(zs[0]!));
      }
      const last = Math.max(0, ...open.map((s) => s.lastDataAt));
      const idle = Date.now() - last;
      if (!connecting && same && idle >= quiet) return;
      await sleep(Math.max(2, Math.min(quiet - idle, 20)));
    }
  }

  async unreachable(): Promise<string | null> {
    for (const a of this.addresses) {
      const { host, port } = parseAddr(a);
      if (!(await srvr(port, host))) return `ZooKeeper at ${a} stopped answering (no answer to 'srvr')`;
    }
    return null;
  }

  async lastZxid(): Promise<number> {
    let max = 0;
    for (const a of this.addresses) {
      const { host, port } = parseAddr(a);
      const s = await srvr(port, host);
      if (s) max = Math.max(max, s.zxid);
    }
    return max;
  }

  async reset(): Promise<void> {
    for (const s of [...this.sessions.values()]) await this.dropSession(s, true);
    this.sessions.clear();
    if (this.opts.restart) {
      if (!this.dirty) return; // a freshly started ensemble is already fresh
      this.dirty = false;
      this.addresses = await this.opts.restart();
      return;
    }
    await cleanTree(this);
  }

  async dispose(): Promise<void> {
    for (const s of [...this.sessions.values()]) {
      try {
        await this.dropSession(s, true);
      } catch {
        /* ignore */
      }
    }
    this.sessions.clear();
  }

  /** Internal: a one-off request on a fresh session (used by cleanTree). */
  async request(label: string, step: InputStep): Promise<StepReply> {
    return this.run(label, step);
  }
}

/**
 * The library's ConnectionManager.addAuthInfo (remembered for re-sending after a reconnect; sent now when connected),
 * without its own refusal of an empty scheme ("scheme must be a non-empty string": a harness error where the Java
 * client, which checks nothing, sends the packet and the server answers AUTHFAILED, as zksim's target records).
 */
export function addAuthInfo(cm: any, scheme: string, auth: Buffer): void {
  if (scheme !== '') {
    cm.addAuthInfo(scheme, auth);
    return;
  }
  cm.credentials.push({ scheme, auth });
  if (cm.state !== STATES.CONNECTED && cm.state !== STATES.CONNECTED_READ_ONLY) return;
  const header = new jute.protocol.RequestHeader();
  header.xid = jute.XID_AUTHENTICATION;
  header.type = jute.OP_CODES.AUTH;
  const payload = new jute.protocol.AuthPacket();
  payload.type = 0;
  payload.scheme = scheme;
  payload.auth = auth;
  cm.queue(new jute.Request(header, payload));
}

/**
 * reset against an external ensemble: delete every znode outside /zookeeper (deepest first). A znode it cannot delete
 * (an ACL without DELETE for anyone on its parent: the reset has no credentials) fails the reset, naming it: the
 * reset said ok and the next cases ran on a tree that was not fresh, unlike zksim's.
 */
export async function cleanTree(t: Pick<RealTarget, 'connect' | 'request' | 'close' | 'takeEvents'>): Promise<void> {
  const label = '__reset__';
  const c = await t.connect(label, 0, 10000);
  if (!c.result.ok) throw new Error('reset: cannot connect');
  let stuck: string | null = null;
  const walk = async (path: string): Promise<void> => {
    const r = await t.request(label, { case: 'reset', session: label, op: 'getChildren', path });
    if (!r.result.ok) return;
    for (const child of r.result.children ?? []) {
      const p = path === '/' ? `/${child}` : `${path}/${child}`;
      if (p === '/zookeeper') continue;
      await walk(p);
      const d = await t.request(label, { case: 'reset', session: label, op: 'delete', path: p, version: -1 });
      // NONODE: gone meanwhile (an ephemeral of a session that just ended)
      if (!d.result.ok && d.result.code !== -101) stuck ??= `${p} (${d.result.name})`;
    }
  };
  try {
    await walk('/');
  } finally {
    await t.close(label);
    t.takeEvents(label);
  }
  if (stuck) throw new Error(`reset could not delete ${stuck} on the external server, so the tree is not fresh (use conformance --against local, or delete it by hand)`);
}

/** Decodes a successful reply body for a single (non-multi) request. */
function decodeBody(step: InputStep, r: JuteReader): ResultJson {
  switch (step.op) {
    case 'create': {
      const path = r.ustring() ?? '';
      return { ok: true, path, stat: statJson(r.stat()) };
    }
    case 'delete':
      return { ok: true };
    case 'exists':
    case 'setData':
      return { ok: true, stat: statJson(r.stat()) };
    case 'getData': {
      const data = r.buffer();
      return { ok: true, data: dataJson(data), stat: statJson(r.stat()) };
    }
    case 'getChildren': {
      const n = r.int();
      const children: string[] = [];
      for (let i = 0; i < n; i++) children.push(r.ustring() ?? '');
      children.sort();
      return { ok: true, children, stat: statJson(r.stat()) };
    }
    case 'sync':
      return { ok: true, path: r.ustring() ?? '' };
    case 'getACL': {
      const acl = decodeAcl(r);
      return { ok: true, acl, stat: statJson(r.stat()) };
    }
    case 'setACL':
      return { ok: true, stat: statJson(r.stat()) };
    case 'multiRead': {
      // err 0: one result per op (ops are independent; an ErrorResult does not fail the request)
      const results: MultiResultJson[] = decodeMultiReadResponse(r).map((m) => {
        if (m.type === 'error') return { code: m.err };
        if (m.type === 'getData') return { code: 0, data: dataJson(m.data), stat: statJson(m.stat) };
        return { code: 0, children: [...m.children].sort() };
      });
      return { ok: true, results };
    }
    case 'getEphemerals':
      return { ok: true, paths: decodeStrings(r).sort() };
    case 'getAllChildrenNumber':
      return { ok: true, count: r.int() };
    case 'whoAmI':
      return { ok: true, clientInfo: decodeClientInfos(r) };
    default:
      return { ok: true };
  }
}

/**
 * Replaces cm.onSocketData (the library binds it per socket at connect time, so setting it on the instance before
 * connect() is enough). Same framing and state handling as the library, plus: every reply type decoded by the
 * caller, reply zxid kept, notifications recorded, unknown error codes passed through instead of thrown.
 */
function installReader(cm: any, sess: Session): void {
  installSetWatches2(cm, sess);
  cm.onSocketData = function onSocketData(this: any, chunk: Buffer): void {
    sess.lastDataAt = Date.now();
    let buf: Buffer = this.pendingBuffer ? Buffer.concat([this.pendingBuffer, chunk]) : chunk;
    this.pendingBuffer = null;
    while (buf.length >= 4) {
      const size = buf.readInt32BE(0);
      if (buf.length < size + 4) break;
      const frame = buf.subarray(4, 4 + size);
      buf = buf.subarray(4 + size);
      if (!handleFrame(this, frame, sess)) return;
    }
    this.pendingBuffer = buf.length ? Buffer.from(buf) : null;
  };
}

/**
 * Replaces cm.onSocketConnected (bound per socket at connect time, like onSocketData): when the session holds
 * persistent watches, the library's SetWatches (opcode 101, no persistent lists) is replaced by SetWatches2 (105)
 * carrying all five lists, after the auth packets, as the Java client's primeConnection sends it (3.8.0 sends
 * SetWatches2 only when there are persistent watches, SetWatches otherwise).
 */
function installSetWatches2(cm: any, sess: Session): void {
  const original = ConnectionManager.prototype.onSocketConnected;
  cm.onSocketConnected = function onSocketConnected(this: any): void {
    if (sess.persistent.size === 0 && sess.recursive.size === 0) {
      original.call(this);
      return;
    }
    const wm = this.watcherManager;
    const isEmpty = wm.isEmpty;
    wm.isEmpty = (): boolean => true; // no SetWatches from the library: SetWatches2 below carries its lists
    try {
      original.call(this);
    } finally {
      wm.isEmpty = isEmpty;
    }
    const header = new jute.protocol.RequestHeader();
    header.type = OpCode.setWatches2;
    const relativeZxid = Buffer.from(this.zxid).readBigInt64BE(0);
    const lists = [wm.getDataWatcherPaths(), wm.getExistenceWatcherPaths(), wm.getChildWatcherPaths(), [...sess.persistent], [...sess.recursive]];
    this.queue(new jute.Request(header, new RawPayload(encodeSetWatches2(relativeZxid, lists))));
  };
}

function handleFrame(cm: any, frame: Buffer, sess: Session): boolean {
  const r = new JuteReader(frame);
  if (cm.state === STATES.CONNECTING) {
    r.int(); // protocolVersion
    const timeOut = r.int();
    const sessionId = r.long();
    const passwd = r.buffer() ?? Buffer.alloc(16);
    if (timeOut <= 0) {
      cm.setState(STATES.SESSION_EXPIRED);
    } else {
      cm.serverAttempts = 0;
      const sid = Buffer.alloc(8);
      sid.writeBigInt64BE(sessionId);
      cm.sessionId = sid;
      cm.sessionPassword = passwd;
      cm.updateTimeout(timeOut);
      cm.setState(STATES.CONNECTED);
      cm.onPacketQueueReadable();
      cm.socket.setTimeout(cm.pingTimeout, cm.onSocketTimeout.bind(cm));
    }
    return true;
  }
  const xid = r.int();
  const zxid = r.long();
  const err = r.int();
  if (xid === -2) return true; // ping
  if (xid === -4) {
    if (err === -115 && !sess.closing) {
      // the Java client's AuthFailed event; the handle is dead from now on (the server closes the connection)
      sess.events.push({ state: 'AuthFailed' });
      sess.authFailed = true;
      sess.open = false;
      sess.closing = true;
    }
    sess.replyMark = sess.events.length;
    if (err === -115) cm.setState(STATES.AUTHENTICATION_FAILED);
    const w = sess.authWaiter;
    sess.authWaiter = null;
    w?.({ err, zxid });
    return true;
  }
  if (xid === -1) {
    const type = r.int();
    const state = r.int();
    const path = r.ustring() ?? '';
    if (!sess.closing) sess.events.push({ type: EVENT_TYPE_NAMES[type] ?? `Type(${type})`, path });
    void state;
    try {
      cm.watcherManager.emit({ type, state, path });
    } catch {
      /* unknown type for the library: ignore */
    }
    return true;
  }
  const pending = cm.pendingQueue.shift();
  if (!pending || pending.request.header.xid !== xid) {
    cm.socket.destroy(); // the library does the same: reconnect
    return false;
  }
  if (zxid > 0n) {
    const z = Buffer.alloc(8);
    z.writeBigInt64BE(zxid);
    cm.zxid = z;
  }
  if (err === 0) registerWatch(cm, pending.request, true);
  else if (err === -101) registerWatch(cm, pending.request, false);
  if (pending.callback) pending.callback(null, { err, zxid, reader: r } satisfies Reply);
  return true;
}

/** Mirror the public API's client-side watch registration (used for SetWatches after a reconnect). */
function registerWatch(cm: any, request: any, ok: boolean): void {
  const type = request.header?.type;
  const payload = request.payload;
  if (!(payload instanceof RawPayload)) return;
  if (type !== OpCode.exists && type !== OpCode.getData && type !== OpCode.getChildren2) return;
  const bytes: Buffer = Buffer.alloc(payload.byteLength());
  payload.serialize(bytes, 0);
  const rr = new JuteReader(bytes);
  const path = rr.ustring() ?? '';
  const watch = rr.bool();
  if (!watch) return;
  const noop = (): void => undefined;
  try {
    if (type === OpCode.exists) {
      if (ok) cm.registerDataWatcher(path, noop);
      else cm.registerExistenceWatcher(path, noop);
    } else if (ok && type === OpCode.getData) cm.registerDataWatcher(path, noop);
    else if (ok && type === OpCode.getChildren2) cm.registerChildWatcher(path, noop);
  } catch {
    /* the library rejects paths it considers invalid: no client-side record */
  }
}
