/**
 * Model-based test (fast-check `fc.commands`): random operation sequences run against the real database
 * (prepare + DataTree.apply, like a leader applying its own txns) and against a deliberately simple model written
 * here from the semantics document, comparing every reply, every Stat field, data and children after every step.
 *
 * The model is written differently on purpose: it keeps the *reported* cversion directly (+1 per child create and
 * per child delete, starting at -1 / -2 for / and /zookeeper) and a separate sequence counter; children are found by
 * scanning all paths; multi runs on a deep copy that is committed only if every sub-op succeeded.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DataTree } from '../core/datatree.js';
import type { Reply } from '../core/datatree.js';
import { TxnBytes, prepare } from '../core/txn.js';
import type { PrepRequest } from '../core/txn.js';
import type { Data, MultiOp, MultiResult, ReadRequest, ReplyBody, Stat, WatchEventMsg } from '../core/protocol.js';
import { WatchManager, serveRead } from '../core/watches.js';

// ---------------------------------------------------------------------------------------------------------------
// the model

interface MNode {
  data: Data;
  czxid: number; mzxid: number; ctime: number; mtime: number;
  version: number; aversion: number; pzxid: number;
  /** Reported cversion, kept directly. */
  cv: number;
  /** Sequential counter: child creations. */
  seq: number;
  owner: number;
  kind: 'persistent' | 'ephemeral' | 'container';
  readOnly: boolean;
}

const E = { OK: 0, RUNTIME: -2, BADARGS: -8, NONODE: -101, NOAUTH: -102, BADVERSION: -103, NOKIDS: -108, EXISTS: -110, NOTEMPTY: -111, EXPIRED: -112, UNIMPL: -6 };

type Change = ['created' | 'deleted' | 'changed', string];

class Model {
  nodes = new Map<string, MNode>();
  sessions = new Set<number>();
  zxid = 0;
  /** What the last write changed, in order (for the watch model). */
  changes: Change[] = [];

  constructor() {
    const base = (): MNode => ({ data: new Uint8Array(0), czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, aversion: 0, pzxid: 0, cv: 0, seq: 0, owner: 0, kind: 'persistent', readOnly: false });
    this.nodes.set('/', { ...base(), cv: -1 });
    this.nodes.set('/zookeeper', { ...base(), cv: -2 });
    this.nodes.set('/zookeeper/quota', base());
    this.nodes.set('/zookeeper/config', { ...base(), aversion: -1, readOnly: true });
  }

  copy(): Model {
    const m = new Model();
    m.nodes = new Map([...this.nodes].map(([k, v]) => [k, { ...v }]));
    m.sessions = new Set(this.sessions);
    m.zxid = this.zxid;
    m.changes = [...this.changes];
    return m;
  }

  static parentKey(path: string): string {
    const p = path.slice(0, path.lastIndexOf('/'));
    return p === '' ? '/' : p;
  }
  get(path: string): MNode | undefined {
    return this.nodes.get(path === '' ? '/' : path);
  }
  children(path: string): string[] {
    const out: string[] = [];
    for (const k of this.nodes.keys()) if (k !== '/' && Model.parentKey(k) === path) out.push(k.slice(k.lastIndexOf('/') + 1));
    return out.sort();
  }
  stat(path: string): Stat {
    const n = this.get(path)!;
    const key = path === '' ? '/' : path;
    return {
      czxid: n.czxid, mzxid: n.mzxid, ctime: n.ctime, mtime: n.mtime, version: n.version, cversion: n.cv,
      aversion: n.aversion, ephemeralOwner: n.kind === 'ephemeral' ? n.owner : 0,
      dataLength: n.data ? n.data.length : 0, numChildren: this.children(key).length, pzxid: n.pzxid,
    };
  }
  /** Simple validity for the generated alphabet: absolute, no trailing "/", no empty, "." or ".." component. */
  static valid(path: string): boolean {
    if (path === '/') return true;
    if (!path.startsWith('/') || path.endsWith('/')) return false;
    if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) return false;
    return path.slice(1).split('/').every((c) => c !== '' && c !== '.' && c !== '..');
  }

  // writes: return the reply the server must give (zxid/time handled by the caller)
  create(path: string, data: Data, mode: number, session: number, z: number, t: number): { err: number; body?: ReplyBody; res?: MultiResult } {
    if (mode === 5 || mode === 6) return { err: E.UNIMPL };
    const eph = mode === 1 || mode === 3;
    if (eph && !this.sessions.has(session)) return { err: E.EXPIRED };
    if (!path.includes('/') || path.includes('\0')) return { err: E.BADARGS };
    const parentText = path.slice(0, path.lastIndexOf('/'));
    const parent = this.get(parentText);
    if (!parent) return { err: E.NONODE };
    if (parent.readOnly) return { err: E.NOAUTH };
    const seq = mode === 2 || mode === 3;
    const name = seq ? path + String(parent.seq).padStart(10, '0') : path;
    if (!Model.valid(name)) return { err: E.BADARGS };
    if (this.nodes.has(name)) return { err: E.EXISTS };
    if (parent.kind === 'ephemeral') return { err: E.NOKIDS };
    parent.seq += 1;
    parent.cv += 1;
    parent.pzxid = z;
    this.nodes.set(name, {
      data, czxid: z, mzxid: z, ctime: t, mtime: t, version: 0, aversion: 0, pzxid: z, cv: 0, seq: 0,
      owner: eph ? session : 0, kind: eph ? 'ephemeral' : mode === 4 ? 'container' : 'persistent', readOnly: false,
    });
    this.changes.push(['created', name]);
    const stat = this.stat(name);
    return { err: 0, body: { op: 'create', path: name, stat }, res: { op: 'create', err: 0, path: name, stat } };
  }
  remove(path: string, z: number): void {
    this.nodes.delete(path);
    this.changes.push(['deleted', path]);
    const p = this.nodes.get(Model.parentKey(path))!;
    p.cv += 1;
    if (z > p.pzxid) p.pzxid = z;
  }
  del(path: string, version: number, z: number): { err: number; body?: ReplyBody; res?: MultiResult } {
    const specials = ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config'];
    if (!path.includes('/') || path.includes('\0') || specials.includes(path)) return { err: E.BADARGS };
    const parent = this.get(path.slice(0, path.lastIndexOf('/')));
    if (!parent) return { err: E.NONODE };
    if (parent.readOnly) return { err: E.NOAUTH };
    const n = this.nodes.get(path);
    if (!n) return { err: E.NONODE };
    if (version !== -1 && version !== n.version) return { err: E.BADVERSION };
    if (this.children(path).length > 0) return { err: E.NOTEMPTY };
    this.remove(path, z);
    return { err: 0, body: { op: 'delete' }, res: { op: 'delete', err: 0 } };
  }
  setData(path: string, data: Data, version: number, z: number, t: number): { err: number; body?: ReplyBody; res?: MultiResult } {
    if (!Model.valid(path)) return { err: E.BADARGS };
    const n = this.nodes.get(path);
    if (!n) return { err: E.NONODE };
    if (n.readOnly) return { err: E.NOAUTH };
    if (version !== -1 && version !== n.version) return { err: E.BADVERSION };
    n.data = data;
    n.version += 1;
    n.mzxid = z;
    n.mtime = t;
    this.changes.push(['changed', path]);
    const stat = this.stat(path);
    return { err: 0, body: { op: 'setData', stat }, res: { op: 'setData', err: 0, stat } };
  }
  check(path: string, version: number): { err: number; res?: MultiResult } {
    if (!Model.valid(path)) return { err: E.BADARGS };
    const n = this.nodes.get(path);
    if (!n) return { err: E.NONODE };
    if (version !== -1 && version !== n.version) return { err: E.BADVERSION };
    return { err: 0, res: { op: 'check', err: 0 } };
  }
  multi(ops: MultiOp[], session: number, z: number, t: number): { err: number; body: ReplyBody; next: Model } {
    const scratch = this.copy();
    const results: MultiResult[] = [];
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i]!;
      const r = op.op === 'create' ? scratch.create(op.path, op.data, op.mode, session, z, t)
        : op.op === 'delete' ? scratch.del(op.path, op.version, z)
        : op.op === 'setData' ? scratch.setData(op.path, op.data, op.version, z, t)
        : scratch.check(op.path, op.version);
      if (r.err !== 0) {
        const errs = ops.map((_, j): MultiResult => ({ op: 'error', err: j < i ? 0 : j === i ? r.err : E.RUNTIME }));
        return { err: r.err, body: { op: 'multi', results: errs }, next: this };
      }
      // Op.create in a multi (opcode create) reports the path only; CONTAINER/TTL creates carry the Stat (real server)
      const res = r.res!;
      results.push(res.op === 'create' && op.op === 'create' && op.mode !== 4 && op.mode !== 5 && op.mode !== 6 ? { op: 'create', err: 0, path: res.path } : res);
    }
    return { err: 0, body: { op: 'multi', results }, next: scratch };
  }
  closeSession(session: number, z: number): void {
    const mine = [...this.nodes].filter(([, n]) => n.kind === 'ephemeral' && n.owner === session).map(([p]) => p).sort();
    for (const p of mine) this.remove(p, z);
    this.sessions.delete(session);
  }
  read(req: ReadRequest): Reply {
    if (req.op === 'exists' && req.path.includes('\0')) return { err: E.BADARGS };
    const n = this.get(req.path);
    if (!n) return { err: E.NONODE };
    const stat = this.stat(req.path);
    if (req.op === 'exists') return { err: 0, body: { op: 'exists', stat } };
    if (req.op === 'getData') return { err: 0, body: { op: 'getData', data: n.data, stat } };
    return { err: 0, body: { op: 'getChildren', children: this.children(req.path === '' ? '/' : req.path), stat } };
  }
}

/**
 * Watch model: a flat map "table|path|cnxn" → mode, fired from the model's change list with the §5.2 rules written
 * out directly (data-table then child-table per change; a delete's child-table NodeDeleted skips cnxns the data
 * table notified; one-shot entries go away when they fire; recursive entries fire for descendants, never for
 * NodeChildrenChanged).
 */
type WMode = 'standard' | 'persistent' | 'persistentRecursive';
class WatchModel {
  entries = new Map<string, WMode>();
  set(table: 'data' | 'child', path: string, cnxn: number, mode: WMode): void {
    this.entries.set(`${table}|${path}|${cnxn}`, mode);
  }
  private fire(table: 'data' | 'child', path: string, type: number): Set<number> {
    const hit = new Set<number>();
    for (const [key, mode] of [...this.entries]) {
      const [t, p, c] = key.split('|') as [string, string, string];
      if (t !== table) continue;
      const cnxn = Number(c);
      if (p === path) {
        if (mode === 'persistentRecursive') { if (type !== 4) hit.add(cnxn); continue; }
        hit.add(cnxn);
        if (mode === 'standard') this.entries.delete(key);
      } else if (mode === 'persistentRecursive' && type !== 4 && (p === '/' ? path.startsWith('/') && path !== '/' : path.startsWith(p + '/'))) {
        hit.add(cnxn);
      }
    }
    return hit;
  }
  events(changes: Change[]): Record<number, Array<[number, string]>> {
    const out: Record<number, Array<[number, string]>> = {};
    const push = (cs: Iterable<number>, type: number, path: string) => {
      for (const c of [...cs].sort()) (out[c] ??= []).push([type, path]);
    };
    for (const [what, path] of changes) {
      const parent = Model.parentKey(path);
      if (what === 'created') { push(this.fire('data', path, 1), 1, path); push(this.fire('child', parent, 4), 4, parent); }
      if (what === 'changed') push(this.fire('data', path, 3), 3, path);
      if (what === 'deleted') {
        const notified = this.fire('data', path, 2);
        push(notified, 2, path);
        push([...this.fire('child', path, 2)].filter((c) => !notified.has(c)), 2, path);
        push(this.fire('child', parent, 4), 4, parent);
      }
    }
    return out;
  }
}

/** Real per-cnxn events as a plain record (cnxn → [type, path][]), cnxns in ascending order within each event. */
function realEvents(m: ReadonlyMap<number, WatchEventMsg[]>): Record<number, Array<[number, string]>> {
  const out: Record<number, Array<[number, string]>> = {};
  for (const [c, evs] of m) out[c] = evs.map((e) => [e.type, e.path]);
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// the system under test

class Real {
  tree = new DataTree();
  watches = new WatchManager();
  lastEvents: ReadonlyMap<number, WatchEventMsg[]> = new Map();
  zxid = 0;
  sessions: number[] = [101, 102];
  nextSession = 103;
  write(req: PrepRequest, sessionId: number): { err: number; body?: ReplyBody; zxid: number; type: string } {
    this.zxid += 1;
    const txn = prepare(this.tree, req, { sessionId, zxid: this.zxid, time: this.zxid * 10 });
    // txns are plain data: log/ship them through JSON as a real server would
    const r = this.tree.apply(JSON.parse(JSON.stringify(txn)));
    this.lastEvents = this.watches.trigger(r.triggers);
    return { err: r.err, body: r.body, zxid: txn.zxid, type: txn.type };
  }
}

interface World { model: Model; real: Real; wm: WatchModel }

/** After a write: the model's changes must fire exactly the real events. */
function compareEvents(w: World, changes: Change[]): void {
  assert.equal(realEvents(w.real.lastEvents), w.wm.events(changes), 'watch events per cnxn');
}

/** A path: literal, or "the k-th existing node" resolved at run time (so deletes/setData hit sequential names). */
type PathSpec = string | { pick: number } | { inner: number };
function resolve(spec: PathSpec, m: Model): string {
  return resolveIn(spec, [...m.nodes.keys()], (p) => m.children(p).length > 0);
}
function resolveIn(spec: PathSpec, paths: string[], hasKids: (p: string) => boolean): string {
  if (typeof spec === 'string') return spec;
  // Prefer user nodes: the four built-in ones are covered by the literal pool.
  const user = paths.filter((p) => p !== '/' && !p.startsWith('/zookeeper')).sort();
  if ('inner' in spec) {
    // a node with children (to exercise NOTEMPTY / BADVERSION-before-NOTEMPTY and parent Stats)
    const inner = user.filter(hasKids);
    return inner.length === 0 ? '/a' : inner[spec.inner % inner.length]!;
  }
  return user.length === 0 ? '/' : user[spec.pick % user.length]!;
}
/** A version: literal, or the node's current version (to make versioned writes succeed often). */
type VerSpec = number | 'current';
function ver(v: VerSpec, path: string, m: Model): number {
  return v === 'current' ? (m.nodes.get(path)?.version ?? 0) : v;
}

function compareTrees(m: Model, r: Real): void {
  assert.equal(r.tree.paths(), [...m.nodes.keys()].sort(), 'same set of znodes');
  for (const p of m.nodes.keys()) {
    assert.equal(r.tree.statOf(p), m.stat(p), `stat of ${p}`);
    assert.equal(r.tree.getData(p).body, m.read({ op: 'getData', path: p, watch: false }).body, `data of ${p}`);
    assert.equal(r.tree.getChildren(p).body, m.read({ op: 'getChildren', path: p, watch: false }).body, `children of ${p}`);
  }
  assert.equal(r.tree.sessions().map(([id]) => id), [...m.sessions].sort((a, b) => a - b), 'session table');
  assert.is(r.tree.lastZxid, m.zxid);
}

function sessionOf(w: World, s: number): number {
  return s === 2 ? 999 /* never existed */ : w.real.sessions[s]!;
}

class WriteCmd implements fc.Command<World, World> {
  constructor(readonly kind: 'create' | 'delete' | 'setData', readonly path: PathSpec, readonly data: Data, readonly mode: number, readonly version: VerSpec, readonly session: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    const { model: m, real: r } = w;
    const path = resolve(this.path, m);
    const sid = sessionOf(w, this.session);
    const z = m.zxid + 1, t = z * 10;
    m.changes = [];
    let want: { err: number; body?: ReplyBody };
    let req: PrepRequest;
    if (this.kind === 'create') {
      req = { op: 'create', path, data: this.data, mode: this.mode as 0 };
      want = m.create(path, this.data, this.mode, sid, z, t);
    } else if (this.kind === 'delete') {
      const v = ver(this.version, path, m);
      req = { op: 'delete', path, version: v };
      want = m.del(path, v, z);
    } else {
      const v = ver(this.version, path, m);
      req = { op: 'setData', path, data: this.data, version: v };
      want = m.setData(path, this.data, v, z, t);
    }
    m.zxid = z;
    const got = r.write(req, sid);
    assert.is(got.zxid, z, 'one zxid per write, failed or not');
    assert.is(got.type, want.err === 0 ? this.kind : 'error');
    assert.equal({ err: got.err, body: got.body }, { err: want.err, body: want.err === 0 ? want.body : undefined }, `${this.kind} ${JSON.stringify(path)}`);
    compareEvents(w, m.changes);
    compareTrees(m, r);
  }
  toString(): string { return `${this.kind}(${JSON.stringify(this.path)}, mode ${this.mode}, v ${this.version}, s ${this.session}, ${this.data === null ? 'null' : this.data.length})`; }
}

type OpSpec = { op: 'create'; path: PathSpec; data: Data; mode: number } | { op: 'delete' | 'check'; path: PathSpec; version: VerSpec } | { op: 'setData'; path: PathSpec; data: Data; version: VerSpec };

class MultiCmd implements fc.Command<World, World> {
  constructor(readonly ops: OpSpec[], readonly session: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    const { model: m, real: r } = w;
    const sid = sessionOf(w, this.session);
    // Versions are resolved against the state before the multi (like a client that read first).
    const ops: MultiOp[] = this.ops.map((o) => {
      const path = resolve(o.path, m);
      if (o.op === 'create') return { op: 'create', path, data: o.data, mode: o.mode as 0 };
      if (o.op === 'setData') return { op: 'setData', path, data: o.data, version: ver(o.version, path, m) };
      return { op: o.op, path, version: ver(o.version, path, m) };
    });
    const z = m.zxid + 1;
    m.changes = [];
    const want = m.multi(ops, sid, z, z * 10);
    w.model = want.next;
    w.model.zxid = z;
    const got = r.write({ op: 'multi', ops }, sid);
    assert.is(got.zxid, z, 'a multi consumes exactly one zxid');
    assert.is(got.type, 'multi');
    assert.equal({ err: got.err, body: got.body }, { err: want.err, body: want.body }, `multi ${JSON.stringify(ops.map((o) => [o.op, o.path]))}`);
    compareEvents(w, want.err === 0 ? want.next.changes : []);
    compareTrees(w.model, r);
  }
  toString(): string { return `multi(${JSON.stringify(this.ops)}, s ${this.session})`; }
}

class ReadCmd implements fc.Command<World, World> {
  constructor(readonly op: 'exists' | 'getData' | 'getChildren', readonly path: PathSpec, readonly watch: boolean, readonly cnxn: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    const req: ReadRequest = { op: this.op, path: resolve(this.path, w.model), watch: this.watch };
    const want = w.model.read(req);
    assert.equal(serveRead(w.real.tree, w.real.watches, req, this.cnxn), want, `${this.op} ${JSON.stringify(req.path)}`);
    assert.is(w.real.tree.lastZxid, w.model.zxid, 'reads consume no zxid');
    // §5.1: exists registers also on NONODE; getData/getChildren only on success
    if (this.watch && (want.err === 0 || (this.op === 'exists' && want.err === -101))) {
      w.wm.set(this.op === 'getChildren' ? 'child' : 'data', req.path, this.cnxn, 'standard');
    }
  }
  toString(): string { return `${this.op}(${JSON.stringify(this.path)}${this.watch ? `, watch@${this.cnxn}` : ''})`; }
}

class AddWatchCmd implements fc.Command<World, World> {
  constructor(readonly path: PathSpec, readonly recursive: boolean, readonly cnxn: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    const path = resolve(this.path, w.model);
    w.real.watches.register(this.recursive ? 'persistentRecursive' : 'persistent', path, this.cnxn);
    // both tables, either mode (3.8.0 DataTree.addWatch)
    const mode: WMode = this.recursive ? 'persistentRecursive' : 'persistent';
    w.wm.set('data', path, this.cnxn, mode);
    w.wm.set('child', path, this.cnxn, mode);
  }
  toString(): string { return `addWatch(${JSON.stringify(this.path)}, ${this.recursive ? 'recursive' : 'persistent'}, @${this.cnxn})`; }
}

/** A cnxn closes: the server forgets its watches. */
class DropCnxnCmd implements fc.Command<World, World> {
  constructor(readonly cnxn: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    w.real.watches.removeCnxn(this.cnxn);
    for (const k of [...w.wm.entries.keys()]) if (k.endsWith(`|${this.cnxn}`)) w.wm.entries.delete(k);
  }
  toString(): string { return `dropCnxn(${this.cnxn})`; }
}

/** Close session slot i (removing its ephemerals with one zxid) and open a fresh session in its place. */
class SessionCmd implements fc.Command<World, World> {
  constructor(readonly slot: number) {}
  check(): boolean { return true; }
  run(w: World): void {
    const { model: m, real: r } = w;
    const old = r.sessions[this.slot]!;
    m.zxid += 1;
    m.changes = [];
    m.closeSession(old, m.zxid);
    const got = r.write({ op: 'closeSession' }, old);
    assert.is(got.err, 0);
    assert.is(got.zxid, m.zxid);
    compareEvents(w, m.changes);
    compareTrees(m, r);
    const fresh = r.nextSession++;
    r.sessions[this.slot] = fresh;
    m.zxid += 1;
    m.sessions.add(fresh);
    r.write({ op: 'createSession', timeoutMs: 4000 }, fresh);
    compareTrees(m, r);
  }
  toString(): string { return `reopenSession(${this.slot})`; }
}

/** Restart from a JSON snapshot, or continue on a clone while the old tree is scribbled on (independence). */
class CopyCmd implements fc.Command<World, World> {
  constructor(readonly how: 'snapshot' | 'clone') {}
  check(): boolean { return true; }
  run(w: World): void {
    const r = w.real;
    if (this.how === 'snapshot') {
      r.tree = DataTree.fromSnapshot(JSON.parse(JSON.stringify(r.tree.snapshot())));
    } else {
      const old = r.tree;
      r.tree = old.clone();
      for (const p of old.paths()) {
        if (p.startsWith('/zookeeper') || p === '/') continue;
        old.apply({ zxid: 1e9, time: 0, sessionId: 0, cxid: 0, type: 'setData', path: p, data: new TxnBytes(new Uint8Array([0])), version: 77 });
      }
      old.apply({ zxid: 1e9, time: 0, sessionId: 0, cxid: 0, type: 'create', path: '/zzz', data: null, mode: 0, parentCversion: 1e6 });
    }
    compareTrees(w.model, r);
  }
  toString(): string { return this.how; }
}

// ---------------------------------------------------------------------------------------------------------------
// generators

const goodPaths = ['/a', '/b', '/a/b', '/a/c', '/b/a', '/a/b/c', '/c', '/a/s-', '/s-', '/a/b/s-', '/c/a'];
const oddPaths = ['/a/', '/a//b', '/a/.', '/a/..', '', 'a', '/', '/zookeeper', '/zookeeper/x', '/zookeeper/config',
  '/zookeeper/config/x', '/zookeeper/quota', '/a/\u0001', '/a\u0000', '/a/...'];
const pathArb: fc.Arbitrary<PathSpec> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...goodPaths) },
  { weight: 1, arbitrary: fc.constantFrom(...oddPaths) },
  { weight: 4, arbitrary: fc.nat(50).map((pick) => ({ pick })) },
  { weight: 1, arbitrary: fc.nat(50).map((inner) => ({ inner })) },
);
const dataArb: fc.Arbitrary<Data> = fc.oneof(fc.constant(null), fc.uint8Array({ maxLength: 4 }));
const versionArb: fc.Arbitrary<VerSpec> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(-1 as VerSpec) },
  { weight: 3, arbitrary: fc.constant('current' as VerSpec) },
  { weight: 2, arbitrary: fc.constantFrom<VerSpec>(0, 1, 2, -2) },
);
const modeArb = fc.oneof(
  { weight: 20, arbitrary: fc.constantFrom(0, 1, 2, 3, 4) },
  { weight: 1, arbitrary: fc.constantFrom(5, 6) },
);
const sessionArb = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(0, 1) }, { weight: 1, arbitrary: fc.constant(2) });
const opArb: fc.Arbitrary<OpSpec> = fc.oneof(
  fc.record({ op: fc.constant('create' as const), path: pathArb, data: dataArb, mode: modeArb }),
  fc.record({ op: fc.constantFrom('delete' as const, 'check' as const), path: pathArb, version: versionArb }),
  fc.record({ op: fc.constant('setData' as const), path: pathArb, data: dataArb, version: versionArb }),
);

const commandArbs = [
  fc.tuple(pathArb, dataArb, modeArb, sessionArb).map(([p, d, mo, s]) => new WriteCmd('create', p, d, mo, -1, s)),
  fc.tuple(pathArb, dataArb, modeArb, sessionArb).map(([p, d, mo, s]) => new WriteCmd('create', p, d, mo, -1, s)),
  fc.tuple(pathArb, versionArb).map(([p, v]) => new WriteCmd('delete', p, null, 0, v, 0)),
  fc.tuple(pathArb, dataArb, versionArb).map(([p, d, v]) => new WriteCmd('setData', p, d, 0, v, 0)),
  fc.tuple(fc.array(opArb, { maxLength: 5 }), sessionArb).map(([ops, s]) => new MultiCmd(ops, s)),
  fc.tuple(fc.constantFrom('exists' as const, 'getData' as const, 'getChildren' as const), pathArb, fc.boolean(), fc.constantFrom(1, 2)).map(([op, p, wt, c]) => new ReadCmd(op, p, wt, c)),
  fc.tuple(fc.constantFrom('exists' as const, 'getData' as const, 'getChildren' as const), pathArb, fc.constantFrom(1, 2)).map(([op, p, c]) => new ReadCmd(op, p, true, c)),
  fc.tuple(pathArb, fc.boolean(), fc.constantFrom(1, 2)).map(([p, rec, c]) => new AddWatchCmd(p, rec, c)),
  fc.constantFrom(1, 2).map((c) => new DropCnxnCmd(c)),
  fc.constantFrom(0, 1).map((slot) => new SessionCmd(slot)),
  fc.constantFrom('snapshot' as const, 'clone' as const).map((how) => new CopyCmd(how)),
];

function setup(): { model: World; real: World } {
  const w: World = { model: new Model(), real: new Real(), wm: new WatchModel() };
  for (const s of w.real.sessions) {
    w.model.zxid += 1;
    w.model.sessions.add(s);
    w.real.write({ op: 'createSession', timeoutMs: 4000 }, s);
  }
  // fc.modelRun hands the same object as "model" and "real": the commands compare w.model against w.real.
  return { model: w, real: w };
}

const SEED = Number(process.env.FC_SEED ?? 20261125);
const RUNS = Number(process.env.FC_RUNS ?? 300);

test('model-based: random create/delete/setData/multi/read/watch/session sequences match the model in every reply, Stat and watch event', () => {
  fc.assert(
    fc.property(fc.commands(commandArbs, { maxCommands: 80, size: 'max' }), (cmds) => {
      fc.modelRun(setup, cmds);
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test('model-based: replaying the txn log over any earlier snapshot converges to the same digest', () => {
  const seqArb = fc.array(fc.tuple(fc.constantFrom(0, 1, 2, 3), pathArb, dataArb, modeArb, versionArb), { minLength: 1, maxLength: 40 });
  fc.assert(
    fc.property(seqArb, fc.nat(), fc.nat(), (steps, a, b) => {
      const tree = new DataTree();
      const log: ReturnType<typeof prepare>[] = [];
      const snaps = [tree.snapshot()];
      let z = 0;
      const apply = (req: PrepRequest, sid: number) => {
        const txn = prepare(tree, req, { sessionId: sid, zxid: ++z, time: z });
        tree.apply(txn);
        log.push(txn);
        snaps.push(tree.snapshot());
      };
      apply({ op: 'createSession', timeoutMs: 1 }, 7);
      for (const [k, p, d, mo, v] of steps) {
        const path = resolveIn(p, tree.paths(), (x) => (tree.statOf(x)?.numChildren ?? 0) > 0);
        const version = v === 'current' ? (tree.statOf(path)?.version ?? 0) : v;
        if (k === 0) apply({ op: 'create', path, data: d, mode: mo as 0 }, 7);
        else if (k === 1) apply({ op: 'delete', path, version }, 7);
        else if (k === 2) apply({ op: 'setData', path, data: d, version }, 7);
        else {
          apply({ op: 'closeSession' }, 7);
          apply({ op: 'createSession', timeoutMs: 1 }, 7);
        }
      }
      const final = tree.digest();
      // A snapshot at index i already contains txns up to i; replay from j <= i (some txns applied twice).
      const i = a % snaps.length;
      const j = b % (i + 1);
      const t = DataTree.fromSnapshot(snaps[i]!);
      for (const txn of log.slice(j)) t.apply(txn);
      assert.is(t.digest(), final);
      assert.equal(t.snapshot(), tree.snapshot());
    }),
    { seed: SEED, numRuns: RUNS },
  );
});

test.run();
