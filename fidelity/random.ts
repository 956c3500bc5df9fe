/**
 * Random transcripts for differential conformance (`zksim conformance --random N`): cases nobody wrote by hand,
 * run on zksim and on the real ZooKeeper and compared field by field like the suite.
 *
 * A case is a pure function of (seed, index): its draws come from the stream `random-case/<index>` of
 * sim/random.ts's RandomStreams(seed), so case 17 of seed 5 is the same whatever N is, and a saved batch replays.
 *
 * Each case: `reset`, 1-3 sessions connect, then 10-40 steps on a small namespace under /r (/r, /r/a, /r/b, /r/a/c,
 * ...) so that operations collide: creates in every mode (the names sequential creates will get are predicted and
 * reused), delete/setData/check with -1, the right or a stale version, reads with and without watches, multi mixes
 * that succeed or fail at some position, multiRead, sync, getEphemerals, getAllChildrenNumber, addWatch,
 * removeWatches, ACLs, getACL/setACL, addAuth/whoAmI, close and expire (its ephemerals go, other sessions see it),
 * and now and then a bad path or a bad version.
 *
 * The generator keeps a small model of the tree (which nodes exist, versions, cversions, ephemeral owners) only to
 * choose likely arguments (a right version, a free path, a sequential name). It is no oracle: where it is wrong, a
 * step just gets another answer, which both systems still have to agree on.
 *
 * Determinism on the real server: the runner settles before every step (every reply, notification and commit lands;
 * on a standalone server the notifications a write triggers are written to the other sessions' sockets before the
 * writer's reply), so what a session has received before its step does not depend on timing. An `expire` (in about
 * one case in 16, of s1, connected with the shortest timeout) is a real expiry the real target waits for (4-6 s).
 * Left out because they would not be deterministic: container cleanup (60 s on
 * the real server: a case is far shorter, and `reset` starts a fresh server), TTL nodes (need extended types and
 * expire on wall-clock time), reads of `/` and `/zookeeper` (an external server's reset keeps /zookeeper's history;
 * quotas under /zookeeper/quota only where every case gets a fresh server), and paths outside the Basic Multilingual Plane (a deliberate wire-encoding difference, DIFFERENCES.md).
 */
import { RandomStreams, type Rng, type Seed } from '../sim/random.js';
import { isValidPath, parentPath } from '../core/paths.js';
import type { AclJson, CreateModeName, DataSpec, InputStep, MultiOpStep, ReadOpStep, WatcherTypeName } from './transcript.js';

/** Case name of case `index` of seed `seed`. */
export function randomCaseName(seed: Seed, index: number): string {
  return `random/${String(seed)}/${index}`;
}

export interface RandomOptions {
  /** Number of servers the sessions may connect to (1 = standalone). */
  servers?: number;
  /**
   * Whether every case's `reset` gives a fresh server (default true: zksim, and `--against local`, which restarts the
   * real one). Only then do cases use ACLs that take READ or DELETE from the world and quotas under
   * /zookeeper/quota: an external server's (`--against host:port`) reset deletes the tree outside /zookeeper on a
   * session without credentials, which needs READ on every node and DELETE on every parent.
   */
  fresh?: boolean;
}

/** N cases of a seed, as input steps (the existing transcript format), cases 0..count-1 in order. */
export function generateRandomCases(seed: Seed, count: number, opts: RandomOptions = {}): InputStep[] {
  const streams = new RandomStreams(seed);
  const out: InputStep[] = [];
  for (let i = 0; i < count; i++) {
    out.push(...generateCase(streams.stream(`random-case/${i}`), randomCaseName(seed, i), opts.servers ?? 1, opts.fresh ?? true));
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// The generator's model of the tree (for choosing arguments only)

interface MNode {
  version: number;
  aversion: number;
  cversion: number;
  /** Session label of an ephemeral's owner, null for a persistent or container node. */
  owner: string | null;
  children: string[];
}

type Tree = Map<string, MNode>;

function cloneTree(t: Tree): Tree {
  const c: Tree = new Map();
  for (const [k, v] of t) c.set(k, { ...v, children: v.children.slice() });
  return c;
}

const SEQ_DIGITS = 10;

/** Applies a create to the model; the created path, or null when the model expects a failure. */
function mCreate(t: Tree, path: string, mode: CreateModeName, session: string): string | null {
  const sequential = mode === 'PERSISTENT_SEQUENTIAL' || mode === 'EPHEMERAL_SEQUENTIAL';
  const parent = t.get(parentPath(path));
  if (!parent || parent.owner !== null) return null;
  const actual = sequential ? path + String(parent.cversion).padStart(SEQ_DIGITS, '0') : path;
  if (!isValidPath(actual) || t.has(actual)) return null; // (the sequence number appended: as the server checks it)
  parent.cversion++;
  parent.children.push(actual.slice(actual.lastIndexOf('/') + 1));
  t.set(actual, { version: 0, aversion: 0, cversion: 0, owner: mode.startsWith('EPHEMERAL') ? session : null, children: [] });
  return actual;
}

function versionOk(n: MNode, v: number | undefined): boolean {
  return v === undefined || v === -1 || v === n.version;
}

function mRemove(t: Tree, path: string): void {
  const parent = t.get(parentPath(path));
  if (parent) {
    parent.cversion++;
    parent.children = parent.children.filter((c) => c !== path.slice(path.lastIndexOf('/') + 1));
  }
  t.delete(path);
}

function mDelete(t: Tree, path: string, version: number | undefined): boolean {
  const n = t.get(path);
  if (!n || path === '/' || !versionOk(n, version) || n.children.length > 0) return false;
  mRemove(t, path);
  return true;
}

function mSetData(t: Tree, path: string, version: number | undefined): boolean {
  const n = t.get(path);
  if (!n || !versionOk(n, version)) return false;
  n.version++;
  return true;
}

function mClose(t: Tree, session: string): void {
  const mine = [...t.entries()].filter(([, n]) => n.owner === session).map(([p]) => p);
  for (const p of mine) mRemove(t, p);
}

/** A multi on the model: applied only when every op is expected to succeed (a multi is all or nothing). */
function mMulti(t: Tree, ops: MultiOpStep[], session: string): Tree | null {
  const c = cloneTree(t);
  for (const op of ops) {
    let ok: boolean;
    switch (op.op) {
      case 'create':
        ok = mCreate(c, op.path, op.mode ?? 'PERSISTENT', session) !== null;
        break;
      case 'delete':
        ok = mDelete(c, op.path, op.version);
        break;
      case 'setData':
        ok = mSetData(c, op.path, op.version);
        break;
      case 'check': {
        const n = c.get(op.path);
        ok = n !== undefined && versionOk(n, op.version);
        break;
      }
    }
    if (!ok) return null;
  }
  return c;
}

// ---------------------------------------------------------------------------------------------------------------
// Choices

/** The case's namespace: collisions are the point. */
const FIXED_PATHS = ['/r', '/r/a', '/r/b', '/r/a/c', '/r/a/d', '/r/b/c', '/r/a/c/e'];

/** Paths the server must refuse (PathUtils.validatePath) or that name nothing. */
const BAD_PATHS = ['/r/', 'r/a', '/r//a', '/r/./a', '/r/a/..', '', '/r/\u0000x', '/r/a\u0001', '/r/\u007f', '/r/\ue000', '/r/\ufff5'];

/** Unusual but valid paths (characters inside the Basic Multilingual Plane that validatePath accepts). */
const ODD_PATHS = ['/r/é', '/r/a/日本', '/r/.a', '/r/a..', '/r/ '];

const DATA_CHOICES: DataSpec[] = [null, '', 'x', 'hello', 'v2', 'a longer value with spaces', { base64: 'AAEC/w==' }, 'héllo € 😀'];

const ALICE = 'alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E='; // digest of alice:secret
const world = (perms: number): AclJson => ({ perms, scheme: 'world', id: 'anyone' });

/** ACLs that leave every node readable and deletable by anyone (READ 1, DELETE 8 for world). */
const MILD_ACLS: AclJson[][] = [
  [world(31)],
  [world(9)], // read and delete only: no children, no setData
  [world(13)], // no WRITE, no ADMIN
  [world(11)], // no CREATE
  [{ perms: 31, scheme: 'digest', id: ALICE }, world(9)],
  [{ perms: 31, scheme: 'ip', id: '127.0.0.1' }],
];

/** ACLs that take READ or DELETE away (watch events are filtered by READ; cleanup needs DELETE). */
const RESTRICTIVE_ACLS: AclJson[][] = [
  [world(30)], // everything but READ
  [world(1)], // read only
  [world(6)], // write and create
  [{ perms: 31, scheme: 'digest', id: ALICE }],
  [{ perms: 31, scheme: 'auth', id: '' }], // the creator's ids: INVALIDACL without addAuth
  [],
];

function pickData(rng: Rng): DataSpec | undefined {
  return rng.bernoulli(0.1) ? undefined : rng.choice(DATA_CHOICES);
}

function pickCreateMode(rng: Rng): CreateModeName {
  const u = rng.next();
  if (u < 0.4) return 'PERSISTENT';
  if (u < 0.6) return 'EPHEMERAL';
  if (u < 0.72) return 'PERSISTENT_SEQUENTIAL';
  if (u < 0.84) return 'EPHEMERAL_SEQUENTIAL';
  return 'CONTAINER';
}

class CaseGen {
  readonly steps: InputStep[] = [];
  tree: Tree = new Map([
    ['/', { version: 0, aversion: 0, cversion: 0, owner: null, children: ['zookeeper'] }],
    ['/zookeeper', { version: 0, aversion: 0, cversion: 0, owner: null, children: [] }],
  ]);
  /** Paths sequential creates were predicted to make (reused later). */
  readonly seen: string[] = [];
  readonly open: string[] = [];
  /** Paths each session set a watch on (removeWatches mostly names one of them). */
  readonly watched = new Map<string, string[]>();
  private nextLabel = 1;

  constructor(readonly rng: Rng, readonly name: string, readonly servers: number, readonly fresh: boolean) {}

  acl(): AclJson[] {
    const rng = this.rng;
    return this.fresh && rng.bernoulli(0.4) ? rng.choice(RESTRICTIVE_ACLS) : rng.choice(MILD_ACLS);
  }

  watch(s: string, path: string): void {
    const w = this.watched.get(s) ?? [];
    if (!w.includes(path)) w.push(path);
    this.watched.set(s, w);
  }

  push(s: Record<string, unknown>): void {
    this.steps.push({ case: this.name, ...s } as InputStep);
  }

  connect(fixedTimeoutMs?: number): void {
    const label = `s${this.nextLabel++}`;
    const rng = this.rng;
    // mostly ordinary timeouts; now and then one the server clamps (to 2 and 20 ticks: 4 s, 40 s)
    const timeoutMs = fixedTimeoutMs ?? (rng.bernoulli(0.85) ? rng.choice([10000, 15000, 30000]) : rng.choice([1000, 100000]));
    const step: Record<string, unknown> = { session: label, op: 'connect', timeoutMs };
    if (this.servers > 1) step.server = rng.int(0, this.servers);
    this.push(step);
    this.open.push(label);
  }

  /** Any path of the namespace (fixed or made by a sequential create), sometimes a bad one. */
  anyPath(badP = 0.04): string {
    const rng = this.rng;
    if (rng.bernoulli(badP)) return rng.choice(BAD_PATHS);
    if (rng.bernoulli(0.02)) return rng.choice(ODD_PATHS);
    if (this.seen.length > 0 && rng.bernoulli(0.2)) return rng.choice(this.seen);
    return rng.choice(FIXED_PATHS);
  }

  /** A path that exists in the model (most of the time), else any. */
  existingPath(): string {
    const rng = this.rng;
    const have = [...this.tree.keys()].filter((p) => p.startsWith('/r'));
    if (have.length > 0 && rng.bernoulli(0.8)) return rng.choice(have.sort());
    return this.anyPath();
  }

  /** A path to create: usually one whose parent exists and that does not exist yet. */
  createPath(mode: CreateModeName, t: Tree): string {
    const rng = this.rng;
    if (mode === 'PERSISTENT_SEQUENTIAL' || mode === 'EPHEMERAL_SEQUENTIAL') {
      // a prefix under an existing node: "/r/a/s" gives /r/a/s0000000003; "/r/a/" gives /r/a/0000000003
      const parents = [...t.keys()].filter((p) => p.startsWith('/r') && t.get(p)!.owner === null).sort();
      const parent = parents.length > 0 && rng.bernoulli(0.85) ? rng.choice(parents) : rng.choice(FIXED_PATHS);
      return parent + (rng.bernoulli(0.15) ? '/' : rng.choice(['/s', '/q-']));
    }
    if (rng.bernoulli(0.75)) {
      const free = FIXED_PATHS.filter((p) => !t.has(p) && t.has(parentPath(p)));
      if (free.length > 0) return rng.choice(free);
    }
    return this.anyPath();
  }

  version(path: string, t: Tree): number {
    const rng = this.rng;
    const n = t.get(path);
    const right = n ? n.version : 0;
    const u = rng.next();
    if (u < 0.35) return -1;
    if (u < 0.75) return right;
    if (u < 0.95) return right > 0 && rng.bernoulli(0.7) ? right - 1 : right + 1;
    return rng.choice([-2, 99, 2147483647]);
  }

  session(): string {
    return this.rng.choice(this.open);
  }

  step(): void {
    const rng = this.rng;
    if (this.open.length === 0) {
      this.connect();
      return;
    }
    const s = this.session();
    if (this.quota !== null && rng.bernoulli(0.08)) {
      this.quotaStep(s);
      return;
    }
    const u = rng.next() * 100;
    if (u < 22) this.create(s);
    else if (u < 31) this.delete(s);
    else if (u < 40) this.setData(s);
    else if (u < 48) this.read(s, 'exists');
    else if (u < 56) this.read(s, 'getData');
    else if (u < 64) this.read(s, 'getChildren');
    else if (u < 73) this.multi(s);
    else if (u < 76) this.multiRead(s);
    else if (u < 79) this.push({ session: s, op: 'sync', path: this.anyPath() });
    else if (u < 82) this.push({ session: s, op: 'getEphemerals', prefix: rng.choice(['/', '/r', '/r/a', '/r/b', '/r/a/c', '/x', '']) });
    else if (u < 85) this.push({ session: s, op: 'getAllChildrenNumber', path: this.existingPath() });
    else if (u < 89) this.addWatch(s);
    else if (u < 93) this.removeWatches(s);
    else if (u < 94.2) this.push({ session: s, op: 'getACL', path: this.existingPath() });
    else if (u < 95.4) this.setACL(s);
    else if (u < 96) {
      // addAuth alice:secret (again, now and then) or whoAmI; never a wrong password: AUTHFAILED leaves the session
      // to expire on the server at a wall-clock time, and its ephemerals with it
      if (rng.bernoulli(0.6)) this.push({ session: s, op: 'addAuth', scheme: 'digest', auth: 'alice:secret' });
      else this.push({ session: s, op: 'whoAmI' });
    } else if (u < 98.5) {
      // close a session (its ephemerals go; watchers elsewhere see it), but keep at least one most of the time
      if (this.open.length > 1 || rng.bernoulli(0.3)) {
        this.push({ session: s, op: 'close' });
        this.open.splice(this.open.indexOf(s), 1);
        mClose(this.tree, s);
      }
    } else if (u < 99) {
      // a request over jute.maxbuffer: the server drops the connection, the client reconnects with the same session
      // and re-arms its watches (SetWatches / SetWatches2); the step is CONNECTIONLOSS. The data alone is over the
      // limit (1 048 575 bytes), whatever the path: data that fits would be stored, and reading it back differs by
      // harness client (node-zookeeper-client reads any reply, zksim's client refuses one over jute.maxbuffer as
      // the Java client does), not by server
      this.push({ session: s, op: 'setData', path: this.existingPath(), data: { fill: 'y', length: 1048576 } });
    } else if (this.nextLabel <= 4) this.connect();
  }

  create(s: string): void {
    const rng = this.rng;
    const mode = pickCreateMode(rng);
    const path = this.createPath(mode, this.tree);
    const step: Record<string, unknown> = { session: s, op: 'create', path };
    const data = pickData(rng);
    if (data !== undefined) step.data = data;
    if (mode !== 'PERSISTENT' || rng.bernoulli(0.5)) step.mode = mode;
    if (rng.bernoulli(0.15)) step.acl = this.acl();
    this.push(step);
    const made = mCreate(this.tree, path, mode, s);
    if (made !== null && made !== path) this.seen.push(made);
  }

  delete(s: string): void {
    const path = this.rng.bernoulli(0.85) ? this.existingPath() : this.anyPath();
    const version = this.version(path, this.tree);
    this.push({ session: s, op: 'delete', path, version });
    mDelete(this.tree, path, version);
  }

  setData(s: string): void {
    const path = this.rng.bernoulli(0.85) ? this.existingPath() : this.anyPath();
    const version = this.version(path, this.tree);
    const step: Record<string, unknown> = { session: s, op: 'setData', path };
    const data = pickData(this.rng);
    if (data !== undefined) step.data = data;
    step.version = version;
    this.push(step);
    mSetData(this.tree, path, version);
  }

  read(s: string, op: 'exists' | 'getData' | 'getChildren'): void {
    const path = this.rng.bernoulli(0.7) ? this.existingPath() : this.anyPath();
    const step: Record<string, unknown> = { session: s, op, path };
    if (this.rng.bernoulli(0.5)) {
      step.watch = true;
      this.watch(s, path);
    } else if (this.rng.bernoulli(0.2)) step.watch = false;
    this.push(step);
  }

  multi(s: string): void {
    const rng = this.rng;
    const n = rng.bernoulli(0.04) ? 0 : rng.int(1, 5);
    const ops: MultiOpStep[] = [];
    // the ops are chosen against the state the earlier ops of the same multi would leave
    let scratch = cloneTree(this.tree);
    for (let i = 0; i < n; i++) {
      const u = rng.next();
      let op: MultiOpStep;
      if (u < 0.4) {
        const mode = pickCreateMode(rng);
        const path = this.createPath(mode, scratch);
        op = { op: 'create', path };
        const data = pickData(rng);
        if (data !== undefined) op.data = data;
        if (mode !== 'PERSISTENT') op.mode = mode;
        if (rng.bernoulli(0.1)) op.acl = this.acl();
      } else if (u < 0.6) {
        const path = this.existingPath();
        op = { op: 'delete', path, version: this.version(path, scratch) };
      } else if (u < 0.8) {
        const path = this.existingPath();
        op = { op: 'setData', path, version: this.version(path, scratch) };
        const data = pickData(rng);
        if (data !== undefined) op.data = data;
      } else {
        const path = this.existingPath();
        op = { op: 'check', path, version: this.version(path, scratch) };
      }
      ops.push(op);
      scratch = mMulti(scratch, [op], s) ?? scratch;
    }
    this.push({ session: s, op: 'multi', ops });
    const after = mMulti(this.tree, ops, s);
    if (after) {
      for (const o of ops) {
        if (o.op === 'create' && (o.mode === 'PERSISTENT_SEQUENTIAL' || o.mode === 'EPHEMERAL_SEQUENTIAL')) {
          for (const p of after.keys()) if (!this.tree.has(p) && p.startsWith(o.path)) this.seen.push(p);
        }
      }
      this.tree = after;
    }
  }

  multiRead(s: string): void {
    const rng = this.rng;
    const n = rng.int(1, 4);
    const ops: ReadOpStep[] = [];
    for (let i = 0; i < n; i++) ops.push({ op: rng.choice(['getData', 'getChildren'] as const), path: rng.bernoulli(0.75) ? this.existingPath() : this.anyPath() });
    this.push({ session: s, op: 'multiRead', ops });
  }

  addWatch(s: string): void {
    const rng = this.rng;
    const mode = rng.bernoulli(0.03) ? rng.choice([2, -1]) : rng.choice(['PERSISTENT', 'PERSISTENT_RECURSIVE']);
    const path = this.anyPath();
    this.push({ session: s, op: 'addWatch', path, mode });
    this.watch(s, path);
  }

  /** The quota root of the case (a path under /r), when it has one. */
  quota: string | null = null;

  /**
   * /zookeeper/quota/<root>/zookeeper_limits and zookeeper_stats, in either order (as zkCli's setquota makes them,
   * limits first). Only well-formed StatsTrack texts and limits nodes under /zookeeper/quota/<something>: 3.8.0
   * throws on its apply path (and stops) for a text it cannot parse or a limits node right under /zookeeper/quota.
   */
  quotaPrelude(): void {
    const rng = this.rng;
    const s = this.open[0]!;
    const root = rng.choice(['/r', '/r', '/r/a']);
    this.quota = root;
    const base = '/zookeeper/quota';
    let p = base;
    for (const part of root.slice(1).split('/')) {
      p += '/' + part;
      this.push({ session: s, op: 'create', path: p });
    }
    const limits = { session: s, op: 'create', path: `${p}/zookeeper_limits`, data: rng.choice(['count=2,bytes=-1', 'count=-1,bytes=10', 'count=-1,bytes=-1=;byteHardLimit=-1;countHardLimit=3']) };
    const stats = { session: s, op: 'create', path: `${p}/zookeeper_stats`, data: 'count=0,bytes=0' };
    if (rng.bernoulli(0.8)) {
      this.push(limits);
      this.push(stats);
    } else {
      this.push(stats);
      this.push(limits);
    }
  }

  /** A read of the quota's stats node, or now and then a delete/re-create of its limits or stats node. */
  quotaStep(s: string): void {
    const rng = this.rng;
    const p = `/zookeeper/quota${this.quota}`;
    const u = rng.next();
    if (u < 0.7) this.push({ session: s, op: 'getData', path: `${p}/zookeeper_stats` });
    else if (u < 0.8) this.push({ session: s, op: 'delete', path: `${p}/zookeeper_limits`, version: -1 });
    else if (u < 0.9) this.push({ session: s, op: 'create', path: `${p}/zookeeper_limits`, data: 'count=5,bytes=-1' });
    else if (u < 0.95) this.push({ session: s, op: 'delete', path: `${p}/zookeeper_stats`, version: -1 });
    else this.push({ session: s, op: 'create', path: `${p}/zookeeper_stats`, data: 'count=0,bytes=0' });
  }

  setACL(s: string): void {
    const path = this.existingPath();
    const n = this.tree.get(path);
    const right = n ? n.aversion : 0;
    const u = this.rng.next();
    const version = u < 0.4 ? -1 : u < 0.8 ? right : right + 1;
    this.push({ session: s, op: 'setACL', path, acl: this.acl(), version });
    if (n && (version === -1 || version === right)) n.aversion++;
  }

  removeWatches(s: string): void {
    const rng = this.rng;
    const watcherType: WatcherTypeName = rng.choice(['CHILDREN', 'DATA', 'ANY'] as const);
    const mine = this.watched.get(s) ?? [];
    const path = mine.length > 0 && rng.bernoulli(0.75) ? rng.choice(mine) : this.anyPath();
    const step: Record<string, unknown> = { session: s, op: 'removeWatches', path, watcherType };
    if (rng.bernoulli(0.5)) step.all = true;
    this.push(step);
  }
}

function generateCase(rng: Rng, name: string, servers: number, fresh: boolean): InputStep[] {
  const g = new CaseGen(rng, name, servers, fresh);
  g.push({ op: 'reset' });
  const sessions = rng.int(1, 4);
  // In a few cases s1 is expired at some step (a real expiry: the real target waits until the server expired it,
  // timeout plus up to a tick, so s1 gets the shortest timeout, 4 s).
  const expiring = rng.bernoulli(0.06);
  for (let i = 0; i < sessions; i++) g.connect(expiring && i === 0 ? 4000 : undefined);
  // most cases start by making the root, so that the rest has somewhere to go
  if (rng.bernoulli(0.9)) {
    g.push({ session: g.open[0]!, op: 'create', path: '/r', ...(rng.bernoulli(0.2) ? { mode: 'CONTAINER' } : {}) });
    mCreate(g.tree, '/r', 'PERSISTENT', g.open[0]!);
  }
  // a quota on /r or /r/a in some cases (the server keeps its zookeeper_stats node counting the subtree)
  if (fresh && rng.bernoulli(0.2)) g.quotaPrelude();
  // watchers early in a third of the cases, so that the writes after them have someone to notify
  for (const s of g.open.slice()) {
    if (!rng.bernoulli(0.35)) continue;
    if (rng.bernoulli(0.5)) {
      const path = rng.choice(['/r', '/r', '/r/a', '/r/b']);
      g.push({ session: s, op: 'addWatch', path, mode: rng.choice(['PERSISTENT', 'PERSISTENT_RECURSIVE']) });
      g.watch(s, path);
    } else g.read(s, rng.choice(['exists', 'getData', 'getChildren'] as const));
  }
  // 10-40 steps after the connects, the root and the prelude included
  const n = rng.int(10, 41);
  const expireAt = expiring ? 1 + sessions + rng.int(Math.max(0, g.steps.length - 1 - sessions), n) : -1;
  // (the quota's closing read is one of them)
  const end = 1 + sessions + n - (g.quota !== null ? 1 : 0);
  while (g.steps.length < end) {
    if (g.steps.length === expireAt && g.open.includes('s1')) {
      g.push({ session: 's1', op: 'expire' });
      g.open.splice(g.open.indexOf('s1'), 1);
      mClose(g.tree, 's1');
    } else g.step();
  }
  if (g.quota !== null && g.open.length > 0) g.push({ session: g.open[0]!, op: 'getData', path: `/zookeeper/quota${g.quota}/zookeeper_stats` });
  return g.steps;
}
