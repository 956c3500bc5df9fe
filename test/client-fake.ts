/**
 * Test helpers for the client library that do not need the real world or server: a tiny deterministic world
 * (event queue, FIFO connections with 1 ms latency, silent cuts, crashes, timers) and a small fake ZooKeeper
 * server role (one flat session table, a tree, one-shot watches, setWatches catch-up, manual expiry).
 */
import type { ConnId, DiskPort, Port, ProcessEvent, Role } from '../core/port.js';
import type { ClientMessage, ServerMessage, Stat, Request, ReplyBody, Data } from '../core/protocol.js';
import { EventType, KeeperState } from '../core/protocol.js';

type Msg = ClientMessage | ServerMessage;

interface Ev {
  t: number;
  seq: number;
  fn: () => void;
}
interface Conn {
  a: string;
  b: string;
  open: boolean;
  stalled: boolean;
}

const nullDisk: DiskPort = {
  append() {},
  overwrite() {},
  truncate() {},
  remove() {},
  sync() {},
  readLog: () => [],
  readValue: () => undefined,
  files: () => [],
};

export class MiniWorld {
  now = 0;
  private seq = 0;
  private queue: Ev[] = [];
  private readonly procs = new Map<string, { role: Role<any>; up: boolean; rng: number }>();
  private readonly conns = new Map<number, Conn>();
  private nextConn = 1;
  private nextTimer = 1;
  private readonly cancelled = new Set<number>();
  private readonly cuts = new Set<string>();
  latency = 1;

  schedule(delay: number, fn: () => void): void {
    const e = { t: this.now + Math.max(0, delay), seq: this.seq++, fn };
    let i = this.queue.length;
    while (i > 0 && (this.queue[i - 1]!.t > e.t || (this.queue[i - 1]!.t === e.t && this.queue[i - 1]!.seq > e.seq))) i--;
    this.queue.splice(i, 0, e);
  }

  private deliver(name: string, ev: ProcessEvent<any>): void {
    const p = this.procs.get(name);
    if (p && p.up) p.role.handle(ev);
  }

  private isCut(a: string, b: string): boolean {
    return this.cuts.has(`${a}|${b}`) || this.cuts.has(`${b}|${a}`);
  }
  cut(a: string, b: string): void {
    this.cuts.add(`${a}|${b}`);
  }
  heal(): void {
    this.cuts.clear();
  }

  addProcess<R extends Role<any>>(name: string, role: R): R {
    this.procs.set(name, { role, up: true, rng: (name.split('').reduce((h, c) => h * 31 + c.charCodeAt(0), 7) >>> 0) || 1 });
    role.start(this.port(name));
    return role;
  }

  crash(name: string): void {
    const p = this.procs.get(name);
    if (!p) return;
    p.up = false;
    for (const [id, c] of this.conns) {
      if (!c.open || (c.a !== name && c.b !== name)) continue;
      c.open = false;
      const peer = c.a === name ? c.b : c.a;
      this.schedule(this.latency, () => this.deliver(peer, { kind: 'closed', conn: id, peer: name }));
    }
  }
  /** Both sides of every connection between a and b get 'closed'. */
  reset(a: string, b: string): void {
    for (const [id, c] of this.conns) {
      if (!c.open || !((c.a === a && c.b === b) || (c.a === b && c.b === a))) continue;
      c.open = false;
      this.schedule(this.latency, () => this.deliver(c.a, { kind: 'closed', conn: id, peer: c.b }));
      this.schedule(this.latency, () => this.deliver(c.b, { kind: 'closed', conn: id, peer: c.a }));
    }
  }

  private port(self: string): Port<Msg> {
    const w = this;
    return {
      self,
      now: () => w.now,
      random() {
        const p = w.procs.get(self)!;
        p.rng = (Math.imul(p.rng, 1103515245) + 12345) >>> 0;
        return (p.rng >>> 8) / 16777216;
      },
      connect(to) {
        const id = w.nextConn++;
        const c: Conn = { a: self, b: to, open: false, stalled: false };
        w.conns.set(id, c);
        if (w.isCut(self, to)) {
          c.stalled = true;
          return id;
        }
        const target = w.procs.get(to);
        if (!target || !target.up) {
          w.schedule(w.latency, () => w.deliver(self, { kind: 'closed', conn: id, peer: to }));
          return id;
        }
        c.open = true;
        w.schedule(w.latency, () => {
          w.deliver(to, { kind: 'accepted', conn: id, peer: self });
          w.deliver(self, { kind: 'connected', conn: id, peer: to });
        });
        return id;
      },
      send(conn, msg) {
        const c = w.conns.get(conn);
        if (!c || !c.open || c.stalled) return;
        const peer = c.a === self ? c.b : c.a;
        if (w.isCut(self, peer)) {
          c.stalled = true;
          return;
        }
        // Delivered even if the sender closes right after (FIFO: data before the close).
        w.schedule(w.latency, () => w.deliver(peer, { kind: 'message', conn, peer: self, msg }));
      },
      close(conn) {
        const c = w.conns.get(conn);
        if (!c || !c.open) return;
        c.open = false;
        const peer = c.a === self ? c.b : c.a;
        if (!c.stalled && !w.isCut(self, peer)) w.schedule(w.latency, () => w.deliver(peer, { kind: 'closed', conn, peer: self }));
      },
      setTimer(delay, tag) {
        const id = w.nextTimer++;
        w.schedule(delay, () => {
          if (w.cancelled.has(id)) return;
          w.deliver(self, { kind: 'timer', id, tag });
        });
        return id;
      },
      cancelTimer(id) {
        w.cancelled.add(id);
      },
      disk: nullDisk,
      trace() {},
    };
  }

  /** Runs events up to now + ms, letting promise continuations settle after each event. */
  async runFor(ms: number): Promise<void> {
    const end = this.now + ms;
    await settle();
    while (this.queue.length && this.queue[0]!.t <= end) {
      const e = this.queue.shift()!;
      this.now = e.t;
      e.fn();
      await settle();
    }
    this.now = end;
  }
  /** Runs until pred() holds (checked after each event) or maxMs passes. */
  async until(pred: () => boolean, maxMs = 60_000): Promise<boolean> {
    const end = this.now + maxMs;
    await settle();
    while (!pred()) {
      if (!this.queue.length || this.queue[0]!.t > end) {
        this.now = end;
        return pred();
      }
      const e = this.queue.shift()!;
      this.now = e.t;
      e.fn();
      await settle();
    }
    return true;
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

// ------------------------------------------------------------------ fake server

interface Node {
  data: Data;
  stat: Stat;
  children: Set<string>;
}
interface Session {
  id: number;
  passwd: string;
  timeout: number;
  conn: ConnId | null;
}

/** A fake standalone server: enough ZooKeeper for client tests (no ACLs, no sequential, flat checks). */
/** State shared by fake servers (an "ensemble" that replicates instantly). */
export class FakeDb {
  zxid = 0;
  nextSession = 0x1000;
  readonly sessions = new Map<number, Session>();
  readonly nodes = new Map<string, Node>([['/', { data: null, stat: emptyStat(0, 0), children: new Set() }]]);
  readonly connSession = new Map<ConnId, number>();
  readonly dataW = new Map<string, Set<ConnId>>();
  readonly childW = new Map<string, Set<ConnId>>();
}

export class FakeServer implements Role<Msg> {
  port!: Port<Msg>;
  readonly db: FakeDb;
  get zxid(): number {
    return this.db.zxid;
  }
  set zxid(z: number) {
    this.db.zxid = z;
  }
  get sessions() {
    return this.db.sessions;
  }
  get nodes() {
    return this.db.nodes;
  }
  private get nextSession() {
    return this.db.nextSession;
  }
  private set nextSession(n: number) {
    this.db.nextSession = n;
  }
  private get connSession() {
    return this.db.connSession;
  }
  private get dataW() {
    return this.db.dataW;
  }
  private get childW() {
    return this.db.childW;
  }
  /** When true, requests get no answer (but pings do): a hung request. */
  mute = false;
  /** Every request received, for assertions: [conn, xid, op]. */
  readonly log: Array<{ conn: ConnId; xid: number; req: Request }> = [];
  connects: Array<{ sessionId: number; lastZxidSeen: number }> = [];
  constructor(db?: FakeDb, readonly minTimeout = 4000, readonly maxTimeout = 40000) {
    this.db = db ?? new FakeDb();
  }

  start(port: Port<Msg>): void {
    this.port = port;
  }

  /** Expires a session now (as the session tracker would): removes its ephemerals, closes its connection. */
  expire(id: number): void {
    const s = this.sessions.get(id);
    if (!s) return;
    this.sessions.delete(id);
    this.zxid++;
    for (const [path, n] of [...this.nodes]) if (n.stat.ephemeralOwner === id) this.deleteNode(path);
    if (s.conn !== null) {
      this.connSession.delete(s.conn);
      this.port.close(s.conn);
    }
  }

  handle(ev: ProcessEvent<Msg>): void {
    if (ev.kind === 'closed') {
      const sid = this.connSession.get(ev.conn);
      this.connSession.delete(ev.conn);
      if (sid !== undefined) {
        const s = this.sessions.get(sid);
        if (s && s.conn === ev.conn) s.conn = null;
      }
      for (const m of [this.dataW, this.childW]) for (const set of m.values()) set.delete(ev.conn);
      return;
    }
    if (ev.kind !== 'message') return;
    const msg = ev.msg as ClientMessage;
    const conn = ev.conn;
    const send = (m: ServerMessage) => this.port.send(conn, m);
    if (msg.type === 'connect') {
      this.connects.push({ sessionId: msg.sessionId, lastZxidSeen: msg.lastZxidSeen });
      if (msg.lastZxidSeen > this.zxid) {
        this.port.close(conn);
        return;
      }
      const timeout = Math.min(this.maxTimeout, Math.max(this.minTimeout, msg.timeoutMs));
      if (msg.sessionId === 0) {
        const id = this.nextSession++;
        this.zxid++;
        this.sessions.set(id, { id, passwd: `pw${id}`, timeout, conn });
        this.connSession.set(conn, id);
        send({ type: 'connectResponse', timeoutMs: timeout, sessionId: id, passwd: `pw${id}` });
      } else {
        const s = this.sessions.get(msg.sessionId);
        if (!s || s.passwd !== msg.passwd) {
          send({ type: 'connectResponse', timeoutMs: 0, sessionId: 0, passwd: '' });
          this.port.close(conn);
          return;
        }
        if (s.conn !== null && s.conn !== conn) this.port.close(s.conn);
        s.conn = conn;
        this.connSession.set(conn, s.id);
        send({ type: 'connectResponse', timeoutMs: s.timeout, sessionId: s.id, passwd: s.passwd });
      }
      return;
    }
    if (msg.type === 'ping') {
      send({ type: 'pong', zxid: this.zxid });
      return;
    }
    const sid = this.connSession.get(conn);
    if (sid === undefined) return;
    this.log.push({ conn, xid: msg.xid, req: msg.req });
    if (this.mute) return;
    const { err, body } = this.apply(conn, sid, msg.req);
    send(body ? { type: 'reply', xid: msg.xid, zxid: this.zxid, err, body } : { type: 'reply', xid: msg.xid, zxid: this.zxid, err });
  }

  private notify(conns: Set<ConnId> | undefined, type: EventType, path: string, already?: Set<ConnId>): Set<ConnId> {
    const sent = new Set<ConnId>();
    if (!conns) return sent;
    for (const c of conns) {
      if (already?.has(c)) continue;
      sent.add(c);
      this.port.send(c, { type: 'event', event: { type, state: KeeperState.SyncConnected, path } });
    }
    conns.clear();
    return sent;
  }

  private deleteNode(path: string): void {
    this.nodes.delete(path);
    const parent = parentOf(path);
    const p = this.nodes.get(parent);
    if (p) {
      p.children.delete(path.slice(path.lastIndexOf('/') + 1));
      p.stat.cversion++;
      p.stat.numChildren--;
      p.stat.pzxid = this.zxid;
    }
    const sent = this.notify(this.dataW.get(path), EventType.NodeDeleted, path);
    this.notify(this.childW.get(path), EventType.NodeDeleted, path, sent);
    this.notify(this.childW.get(parent), EventType.NodeChildrenChanged, parent);
  }

  private apply(conn: ConnId, sid: number, req: Request): { err: number; body?: ReplyBody } {
    const watch = (m: Map<string, Set<ConnId>>, path: string) => {
      let s = m.get(path);
      if (!s) m.set(path, (s = new Set()));
      s.add(conn);
    };
    switch (req.op) {
      case 'create': {
        this.zxid++;
        const parent = parentOf(req.path);
        const p = this.nodes.get(parent);
        if (!p) return { err: -101 };
        if (this.nodes.has(req.path)) return { err: -110 };
        const owner = req.mode === 1 || req.mode === 3 ? sid : 0;
        const stat = emptyStat(this.zxid, owner);
        stat.dataLength = req.data ? req.data.length : 0;
        this.nodes.set(req.path, { data: req.data, stat, children: new Set() });
        p.children.add(req.path.slice(req.path.lastIndexOf('/') + 1));
        p.stat.cversion++;
        p.stat.numChildren++;
        p.stat.pzxid = this.zxid;
        this.notify(this.dataW.get(req.path), EventType.NodeCreated, req.path);
        this.notify(this.childW.get(parent), EventType.NodeChildrenChanged, parent);
        return { err: 0, body: { op: 'create', path: req.path, stat: { ...stat } } };
      }
      case 'delete': {
        this.zxid++;
        const n = this.nodes.get(req.path);
        if (!n) return { err: -101 };
        if (req.version !== -1 && req.version !== n.stat.version) return { err: -103 };
        if (n.children.size) return { err: -111 };
        this.deleteNode(req.path);
        return { err: 0, body: { op: 'delete' } };
      }
      case 'setData': {
        this.zxid++;
        const n = this.nodes.get(req.path);
        if (!n) return { err: -101 };
        if (req.version !== -1 && req.version !== n.stat.version) return { err: -103 };
        n.data = req.data;
        n.stat.version++;
        n.stat.mzxid = this.zxid;
        n.stat.dataLength = req.data ? req.data.length : 0;
        this.notify(this.dataW.get(req.path), EventType.NodeDataChanged, req.path);
        return { err: 0, body: { op: 'setData', stat: { ...n.stat } } };
      }
      case 'exists': {
        const n = this.nodes.get(req.path);
        if (req.watch) watch(this.dataW, req.path);
        return n ? { err: 0, body: { op: 'exists', stat: { ...n.stat } } } : { err: -101 };
      }
      case 'getData': {
        const n = this.nodes.get(req.path);
        if (!n) return { err: -101 };
        if (req.watch) watch(this.dataW, req.path);
        return { err: 0, body: { op: 'getData', data: n.data, stat: { ...n.stat } } };
      }
      case 'getChildren': {
        const n = this.nodes.get(req.path);
        if (!n) return { err: -101 };
        if (req.watch) watch(this.childW, req.path);
        return { err: 0, body: { op: 'getChildren', children: [...n.children].sort(), stat: { ...n.stat } } };
      }
      case 'sync':
        return { err: 0, body: { op: 'sync', path: req.path } };
      case 'closeSession':
        this.expire(sid);
        return { err: 0, body: { op: 'closeSession' } };
      case 'setWatches': {
        for (const p of req.dataWatches) {
          const n = this.nodes.get(p);
          if (!n) this.port.send(conn, { type: 'event', event: { type: EventType.NodeDeleted, state: 3, path: p } });
          else if (n.stat.mzxid > req.relativeZxid) this.port.send(conn, { type: 'event', event: { type: EventType.NodeDataChanged, state: 3, path: p } });
          else watch(this.dataW, p);
        }
        for (const p of req.existWatches) {
          if (this.nodes.has(p)) this.port.send(conn, { type: 'event', event: { type: EventType.NodeCreated, state: 3, path: p } });
          else watch(this.dataW, p);
        }
        for (const p of req.childWatches) {
          const n = this.nodes.get(p);
          if (!n) this.port.send(conn, { type: 'event', event: { type: EventType.NodeDeleted, state: 3, path: p } });
          else if (n.stat.pzxid > req.relativeZxid) this.port.send(conn, { type: 'event', event: { type: EventType.NodeChildrenChanged, state: 3, path: p } });
          else watch(this.childW, p);
        }
        return { err: 0, body: { op: 'setWatches' } };
      }
      case 'multi': {
        // Enough for the client: all-or-nothing on existence checks only.
        this.zxid++;
        const results: any[] = [];
        let failed = 0;
        for (const o of req.ops) {
          if (failed) {
            results.push({ op: 'error', err: -2 });
            continue;
          }
          const exists = this.nodes.has(o.path);
          const e = o.op === 'create' ? (exists ? -110 : 0) : exists ? 0 : -101;
          if (e) {
            failed = e;
            for (const r of results) (r.op = 'error'), (r.err = 0);
            results.push({ op: 'error', err: e });
          } else results.push({ op: o.op, err: 0 });
        }
        if (failed) return { err: failed, body: { op: 'multi', results } };
        const out: any[] = [];
        const z = this.zxid;
        for (const o of req.ops) {
          if (o.op === 'check') {
            out.push({ op: 'check', err: 0 });
            continue;
          }
          this.zxid = z - 1;
          const r = this.apply(conn, sid, o as Request);
          out.push(o.op === 'create' ? { op: 'create', err: 0, path: o.path, stat: (r.body as any).stat } : o.op === 'setData' ? { op: 'setData', err: 0, stat: (r.body as any).stat } : { op: o.op, err: 0 });
        }
        this.zxid = z;
        return { err: 0, body: { op: 'multi', results: out } };
      }
      default:
        return { err: -6 };
    }
  }
}

function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

function emptyStat(zxid: number, owner: number): Stat {
  return { czxid: zxid, mzxid: zxid, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, ephemeralOwner: owner, dataLength: 0, numChildren: 0, pzxid: zxid };
}
