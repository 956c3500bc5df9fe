/**
 * The ZooKeeper database: znodes with their Stats, the session table and the per-session ephemerals
 * (src: `DataTree`, `DataNode`, `ZKDatabase`, 3.8).
 *
 * - `apply(txn)` is `DataTree.processTxn`: it mutates the tree and returns the reply (err + body) and the watch
 *   triggers, in the order ZooKeeper fires them. It never re-validates; only ZooKeeper's replay guards remain, so
 *   re-applying txns over a (fuzzy) snapshot is safe.
 * - Reads (`exists`, `getData`, `getChildren`) follow FinalRequestProcessor: no path validation, "" is an alias of
 *   the root, exists alone rejects NUL.
 * - `clone()` is copy-on-write at node granularity (cheap: one Map copy), so a leader can keep a proposed and a
 *   committed tree; `snapshot()`/`fromSnapshot()` convert to and from plain JSON data.
 *
 * Children are returned sorted by UTF-16 code units. That is a documented simulator choice: real ZooKeeper returns
 * HashSet order, so clients must not rely on any order.
 */
import { EventType } from './protocol.js';
import type { CreateMode, Data, ReadOp, ReadRequest, ReadResult, ReplyBody, Stat, MultiResult } from './protocol.js';
import { CreateMode as CM } from './protocol.js';
import { Code } from './errors.js';
import { CONFIG, QUOTA, ZOOKEEPER, basename, rawParent } from './paths.js';
import type { SubTxn, Txn, TxnData, TxnHeader } from './txn.js';
import { decodeData, encodeData, isEphemeralMode, isTtlMode } from './txn.js';
import type { ACL, Id } from './acl.js';
import { DEFAULT_AUTH, OPEN_ACL_UNSAFE, Perms, READ_ACL_UNSAFE, aclAllows, maskDigests, worldAcl, worldPermsOf } from './acl.js';
import type { WatchTrigger } from './watches.js';

/** How a node was created; decides ephemeralOwner, container deletion and NOCHILDRENFOREPHEMERALS. */
export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl';

/** What `prepare` needs to know about a node (internal values, not the reported Stat). */
export interface NodeView {
  readonly kind: NodeKind;
  /** Owning session for ephemerals, else 0. */
  readonly owner: number;
  readonly version: number;
  /** Internal cversion = number of child creations (the sequential counter). */
  readonly cversion: number;
  readonly numChildren: number;
  /** The node's ACL (shared, never mutated). */
  readonly acl: readonly ACL[];
  readonly aversion: number;
}

/** A reply: ZooKeeper's err plus the body (present when err is 0; a multi always carries its results). */
export interface Reply {
  err: number;
  body?: ReplyBody;
}

export interface ApplyResult extends Reply {
  /** Watch triggers in ZooKeeper's firing order; hand them to WatchManager.trigger. */
  triggers: WatchTrigger[];
}

/** One znode as plain data (snapshot record). Internal cversion; data base64. */
export interface SnapshotNode {
  path: string;
  data: string | null;
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  pzxid: number;
  kind: NodeKind;
  owner: number;
  ttl: number;
  /**
   * The perms of the node's ACL when it is one world:anyone entry (nearly every node: OPEN_ACL_UNSAFE is 31), so that
   * such snapshots keep the form they had before ACLs were modelled; 0 with `acl` otherwise.
   */
  perms: number;
  /** The node's ACL when it is not one world:anyone entry. */
  acl?: ACL[];
}

export interface TreeSnapshot {
  format: 'zksim-datatree/1';
  lastZxid: number;
  /** Sorted by path (parents before children). */
  nodes: SnapshotNode[];
  /** [sessionId, timeoutMs], sorted by id. */
  sessions: Array<[number, number]>;
  /**
   * Not ZooKeeper's: [zxid, sessionId] of the closeSession txns in this state that its server did not see commit
   * (ZkDb.unconfirmedCloses), so that the trace can name their commit after a restart from this snapshot. Absent
   * when empty; the tree ignores it.
   */
  unconfirmedCloses?: Array<[number, number]>;
}

/** A znode in memory: the snapshot record's fields, with live data and children. */
interface ZNode extends Omit<SnapshotNode, 'path' | 'data' | 'perms' | 'acl'> {
  data: Data;
  /** The ACL (a list shared with txns and other trees: replaced, never mutated). */
  acl: readonly ACL[];
  children: Set<string>;
  /** Sorted children, computed on demand; reset to null whenever `children` changes (never mutated in place). */
  sorted: string[] | null;
  /** Copy-on-write token: a tree mutates a node in place only if the node carries the tree's token. */
  gen: number;
  /** The node map's key (the path): the very string object, see `keyOf`. */
  key: string;
  /**
   * The node's digest slot in the tree that last hashed it while owning it (slot.state says which tree's digest), or
   * null: digest() takes it from here instead of looking its path up. A copy made for another tree carries the
   * other tree's slot, which that tree's digest does not take (it looks the path up once, then keeps its own).
   */
  hashSlot: NodeHashSlot | null;
}

/** Distinct tokens for copy-on-write; a module counter, not randomness, so it is deterministic. */
let nextGen = 1;

const EMPTY = () => new Uint8Array(0);

export class DataTree {
  private nodes = new Map<string, ZNode>();
  private sessionTable = new Map<number, number>();
  /** sessionId → its ephemeral paths, insertion-ordered. */
  private ephemerals = new Map<number, Set<string>>();
  private gen = nextGen++;
  private last = 0;
  /**
   * Incremental digest (as ZooKeeper's DigestCalculator): the sum of per-node hashes, recomputed only for nodes
   * written since the last digest(). Servers digest after every commit, so this must not be O(tree).
   * null = not computed yet (fresh, cloned or restored trees start over with one full pass).
   */
  private digestState: DigestState | null = null;
  /**
   * Number of zookeeper_limits nodes under /zookeeper/quota (quotas set): while 0, a write skips the quota
   * bookkeeping with one field load (a lookup of /zookeeper/quota per setData cost about 0.5% of the fidelity loop).
   */
  private quotaLimits = 0;

  /** A fresh database: /, /zookeeper, /zookeeper/quota, /zookeeper/config with the Stats of §1.4. */
  constructor() {
    const mk = (key: string, acl: readonly ACL[]): ZNode => ({
      data: EMPTY(), czxid: 0, mzxid: 0, ctime: 0, mtime: 0, version: 0, cversion: 0, aversion: 0, pzxid: 0,
      kind: 'persistent', owner: 0, ttl: 0, acl, children: new Set(), sorted: null, gen: this.gen, key, hashSlot: null,
    });
    // Children inserted without a create: internal cversion stays 0, so reported cversion is -numChildren.
    const root = mk('/', OPEN_ACL_UNSAFE);
    const zk = mk(ZOOKEEPER, OPEN_ACL_UNSAFE);
    const config = mk(CONFIG, READ_ACL_UNSAFE);
    config.aversion = -1; // src: addConfigNode → setACL(config, READ_ACL_UNSAFE, -1)
    root.children.add('zookeeper');
    zk.children.add('quota');
    zk.children.add('config');
    this.nodes.set('/', root);
    this.nodes.set(ZOOKEEPER, zk);
    this.nodes.set(QUOTA, mk(QUOTA, OPEN_ACL_UNSAFE));
    this.nodes.set(CONFIG, config);
  }

  /** Highest zxid applied (lastProcessedZxid). */
  get lastZxid(): number {
    return this.last;
  }

  /** Number of znodes (including the /zookeeper subtree). */
  get size(): number {
    return this.nodes.size;
  }

  // -------------------------------------------------------------------------------------------------------------
  // copies

  /** An independent copy; O(number of nodes) pointer copies, node bodies shared until either side writes. */
  clone(): DataTree {
    const t = this.fork();
    this.gen = nextGen++; // our nodes are now shared: copy before our next write too
    return t;
  }

  /**
   * A copy whose writes do not affect this tree, but which must be discarded before this tree is written again
   * (a cheap throw-away "what if" state). Use `clone()` for anything long-lived.
   */
  fork(): DataTree {
    const t = Object.create(DataTree.prototype) as DataTree;
    t.nodes = new Map(this.nodes);
    t.sessionTable = new Map(this.sessionTable);
    t.ephemerals = new Map([...this.ephemerals].map(([k, v]) => [k, new Set(v)] as const));
    t.gen = nextGen++;
    t.last = this.last;
    t.digestState = null;
    t.quotaLimits = this.quotaLimits;
    return t;
  }

  snapshot(): TreeSnapshot {
    const nodes: SnapshotNode[] = [...this.nodes.keys()].sort(cmp).map((path) => {
      const n = this.nodes.get(path)!;
      const world = worldPermsOf(n.acl);
      const r: SnapshotNode = {
        path, data: encodeData(n.data), czxid: n.czxid, mzxid: n.mzxid, ctime: n.ctime, mtime: n.mtime,
        version: n.version, cversion: n.cversion, aversion: n.aversion, pzxid: n.pzxid, kind: n.kind,
        owner: n.owner, ttl: n.ttl, perms: world >= 0 ? world : 0,
      };
      if (world < 0) r.acl = n.acl.map((a) => ({ perms: a.perms, scheme: a.scheme, id: a.id }));
      return r;
    });
    const sessions = [...this.sessionTable].sort((a, b) => a[0] - b[0]);
    return { format: 'zksim-datatree/1', lastZxid: this.last, nodes, sessions };
  }

  static fromSnapshot(s: TreeSnapshot): DataTree {
    if (s.format !== 'zksim-datatree/1') throw new Error(`unknown snapshot format ${String(s.format)}`);
    const t = Object.create(DataTree.prototype) as DataTree;
    t.nodes = new Map();
    t.sessionTable = new Map(s.sessions);
    t.ephemerals = new Map();
    t.gen = nextGen++;
    t.last = s.lastZxid;
    t.digestState = null;
    t.quotaLimits = 0;
    for (const r of s.nodes) {
      if (isQuotaLimitsPath(r.path)) t.quotaLimits++;
      // Field by field, in createNode's order: a rest pattern and a spread were runtime copies per node (every
      // server rebuilds its tree from the snapshot whenever it goes LOOKING), and the nodes had a shape of their own.
      const path = r.path;
      t.nodes.set(path, {
        data: decodeData(r.data), czxid: r.czxid, mzxid: r.mzxid, ctime: r.ctime, mtime: r.mtime, version: r.version,
        cversion: r.cversion, aversion: r.aversion, pzxid: r.pzxid, kind: r.kind, owner: r.owner, ttl: r.ttl,
        acl: r.acl !== undefined ? r.acl : worldAcl(r.perms), children: new Set(), sorted: null, gen: t.gen, key: path, hashSlot: null,
      });
    }
    for (const r of s.nodes) {
      if (r.path === '/') continue;
      const parent = t.nodes.get(rawParent(r.path) || '/');
      if (!parent) throw new Error(`snapshot: orphan ${r.path}`);
      parent.children.add(basename(r.path));
      parent.sorted = null;
      if (r.kind === 'ephemeral') t.ephemeralSet(r.owner).add(r.path);
    }
    return t;
  }

  // -------------------------------------------------------------------------------------------------------------
  // lookups (no validation; "" is the root, as in ZooKeeper's node map)

  private get(path: string): ZNode | undefined {
    return this.nodes.get(path === '' ? '/' : path);
  }

  /** The node as `prepare` sees it, or undefined. */
  lookup(path: string): NodeView | undefined {
    const n = this.get(path);
    return n && { kind: n.kind, owner: n.owner, version: n.version, cversion: n.cversion, numChildren: n.children.size, acl: n.acl, aversion: n.aversion };
  }

  /**
   * The node at `path` as prepare's setData reads it, without a NodeView object: the live node, read-only. Its
   * `key` is the node map's own key string (equal to `path` unless path is "", the root's alias); a txn carrying
   * it makes every later lookup of its path (the proposed tree, each replica's apply and digest) match at once,
   * where an equal but distinct string is compared character by character.
   */
  writeTarget(path: string): { readonly version: number; readonly acl: readonly ACL[]; readonly key: string } | undefined {
    return this.get(path);
  }

  /** The reported Stat of a node, or null (used e.g. by SetWatches catch-up). */
  statOf(path: string): Stat | null {
    const n = this.get(path);
    return n ? statOf(n) : null;
  }

  /** Data of a node (shared buffer: do not mutate), or undefined when missing. */
  dataOf(path: string): Data | undefined {
    return this.get(path)?.data;
  }

  /** All paths, sorted. */
  paths(): string[] {
    return [...this.nodes.keys()].sort(cmp);
  }

  // -------------------------------------------------------------------------------------------------------------
  // reads (src: FinalRequestProcessor; READ is checked after the lookup)

  exists(path: string): Reply {
    if (path.includes('\0')) return { err: Code.BADARGUMENTS };
    const n = this.get(path);
    return n ? { err: Code.OK, body: { op: 'exists', stat: statOf(n) } } : { err: Code.NONODE };
  }

  /** `auth`: the ids of the reading connection (default: only ip:127.0.0.1). */
  getData(path: string, auth: readonly Id[] = DEFAULT_AUTH): Reply {
    const n = this.get(path);
    if (!n) return { err: Code.NONODE };
    if (!aclAllows(n.acl, Perms.READ, auth)) return { err: Code.NOAUTH };
    return { err: Code.OK, body: { op: 'getData', data: n.data, stat: statOf(n) } };
  }

  getChildren(path: string, auth: readonly Id[] = DEFAULT_AUTH): Reply {
    const n = this.get(path);
    if (!n) return { err: Code.NONODE };
    if (!aclAllows(n.acl, Perms.READ, auth)) return { err: Code.NOAUTH };
    n.sorted ??= [...n.children].sort(cmp);
    return { err: Code.OK, body: { op: 'getChildren', children: n.sorted.slice(), stat: statOf(n) } };
  }

  read(req: ReadRequest, auth: readonly Id[] = DEFAULT_AUTH): Reply {
    switch (req.op) {
      case 'exists': return this.exists(req.path);
      case 'getData': return this.getData(req.path, auth);
      case 'getChildren': return this.getChildren(req.path, auth);
    }
  }

  /**
   * getACL (opcode 6; src 3.8.0 FinalRequestProcessor): NONODE, then READ or ADMIN (NOAUTH), then the ACL and the
   * Stat; a caller without ADMIN sees every digest id masked to "user:x".
   */
  getACL(path: string, auth: readonly Id[] = DEFAULT_AUTH): Reply {
    const n = this.get(path);
    if (!n) return { err: Code.NONODE };
    if (!aclAllows(n.acl, Perms.READ | Perms.ADMIN, auth)) return { err: Code.NOAUTH };
    const acl = aclAllows(n.acl, Perms.ADMIN, auth) ? n.acl.map((a) => ({ ...a })) : maskDigests(n.acl);
    return { err: Code.OK, body: { op: 'getACL', acl, stat: statOf(n) } };
  }

  /** The node's ACL (shared: do not mutate), or undefined when missing. */
  aclOf(path: string): readonly ACL[] | undefined {
    return this.get(path)?.acl;
  }

  /**
   * getAllChildrenNumber (opcode 104; src 3.8.0 FinalRequestProcessor, DataTree.getAllChildrenNumber): NONODE, then READ
   * (NOAUTH), then the number of all descendants, /zookeeper's subtree included under `/`. The server counts the keys
   * of its node map that start with `path + "/"`; that map holds the root under both "" and "/", so `/` is answered
   * with size − 2 and "" (an alias of the root for lookups) counts the "/" key too: one more than `/`.
   */
  getAllChildrenNumber(path: string, auth: readonly Id[] = DEFAULT_AUTH): { err: number; count?: number } {
    const n = this.get(path);
    if (!n) return { err: Code.NONODE };
    if (!aclAllows(n.acl, Perms.READ, auth)) return { err: Code.NOAUTH };
    let count = 0;
    const walk = (p: string, node: ZNode) => {
      for (const c of node.children) {
        const cp = p === '/' ? `/${c}` : `${p}/${c}`;
        const cn = this.nodes.get(cp);
        count++;
        if (cn) walk(cp, cn);
      }
    };
    walk(path === '' ? '/' : path, n);
    return { err: Code.OK, count: path === '' ? count + 1 : count };
  }

  /**
   * multiRead (opcode 22; src 3.8.0 FinalRequestProcessor): every op is answered on its own, as getData / getChildren
   * would be (NONODE, NOAUTH), a failing op giving an error result and the others their data; the reply's err is 0.
   * getChildren results carry the names only. An op of any other type fails the whole request with MARSHALLINGERROR
   * (the server's "Invalid type of readOp": only a raw client can send one). No watch is ever set.
   */
  multiRead(ops: readonly ReadOp[], auth: readonly Id[] = DEFAULT_AUTH): Reply {
    const results: ReadResult[] = [];
    for (const o of ops) {
      if (o.op === 'getData') {
        const r = this.getData(o.path, auth);
        results.push(r.body?.op === 'getData' ? { op: 'getData', err: 0, data: r.body.data, stat: r.body.stat } : { op: 'error', err: r.err });
      } else if (o.op === 'getChildren') {
        const r = this.getChildren(o.path, auth);
        results.push(r.body?.op === 'getChildren' ? { op: 'getChildren', err: 0, children: r.body.children } : { op: 'error', err: r.err });
      } else {
        return { err: Code.MARSHALLINGERROR };
      }
    }
    return { err: Code.OK, body: { op: 'multiRead', results } };
  }

  // -------------------------------------------------------------------------------------------------------------
  // sessions

  hasSession(sessionId: number): boolean {
    return this.sessionTable.has(sessionId);
  }

  /** [sessionId, timeoutMs] of every open session, sorted by id (the snapshot's session table). */
  sessions(): Array<[number, number]> {
    return [...this.sessionTable].sort((a, b) => a[0] - b[0]);
  }

  /** A session's ephemeral paths, sorted (what a closeSession txn lists). */
  ephemeralsOf(sessionId: number): string[] {
    return [...(this.ephemerals.get(sessionId) ?? [])].sort(cmp);
  }

  /**
   * getEphemerals (opcode 103; src 3.8.0 FinalRequestProcessor): the session's ephemerals whose path string-starts-with
   * `prefix` (so "/b/e" matches "/b/eph"); a prefix that is "" or "/" once trimmed (Java String.trim: characters up to
   * U+0020 at both ends) → all. No path validation, no ACL check. Sorted (ZooKeeper's order is unspecified).
   */
  getEphemerals(sessionId: number, prefix: string, createdAfter?: number): string[] {
    let all = this.ephemeralsOf(sessionId);
    // (a bug switch of the server: only the nodes created after zxid `createdAfter`)
    if (createdAfter !== undefined) all = all.filter((p) => (this.nodes.get(p)?.czxid ?? 0) > createdAfter);
    const t = javaTrim(prefix);
    return t === '' || t === '/' ? all : all.filter((p) => p.startsWith(prefix));
  }

  /**
   * ContainerManager candidates (src: `ContainerManager.getCandidates`): empty containers that had a child at
   * least once, and empty TTL nodes with now − mtime > ttl. Sorted. Each becomes a `deleteContainer` request.
   * `ttlFromCtime`: the server bug switch ttl-from-ctime (the age of a TTL node from its ctime instead).
   */
  containerCandidates(now: number, ttlFromCtime = false): string[] {
    const out: string[] = [];
    for (const [path, n] of this.nodes) {
      if (n.children.size > 0) continue;
      if (n.kind === 'container' && n.cversion > 0) out.push(path);
      else if (n.kind === 'ttl' && n.ttl !== 0 && now - (ttlFromCtime ? n.ctime : n.mtime) > n.ttl) out.push(path); // BUG SWITCH ttl-from-ctime
    }
    return out.sort(cmp);
  }

  /**
   * In an ensemble each server writes its membership into /zookeeper/config outside the txn stream
   * (src: `ZKDatabase.initConfigInZKDatabase`): data replaced, version -1, mtime = that server's clock.
   */
  setConfigNode(data: Data, mtime: number): void {
    const n = this.mut(CONFIG)!;
    n.data = data;
    n.version = -1;
    n.mtime = mtime;
  }

  // -------------------------------------------------------------------------------------------------------------
  // apply (src: DataTree.processTxn)

  apply(txn: Txn): ApplyResult {
    if (txn.zxid > this.last) this.last = txn.zxid;
    if (txn.type === 'setData') {
      // The common write, straight to its reply (every replica applies every txn): no MultiResult in between, and
      // a one-element trigger list instead of a pushed-to array (whose first push allocates room for 17).
      const n = this.setNodeData(txn.path, txn.data, txn.version, txn);
      if (n === undefined) return { err: Code.NONODE, triggers: [] };
      return { err: Code.OK, body: { op: 'setData', stat: statOf(n) }, triggers: [{ type: EventType.NodeDataChanged, path: txn.path, acl: n.acl }] };
    }
    return this.applyOther(txn);
  }

  /** `apply` of any txn but setData (out of `apply`, so that the setData path stays small enough for V8 to inline). */
  private applyOther(txn: Txn): ApplyResult {
    const triggers: WatchTrigger[] = [];
    switch (txn.type) {
      case 'createSession':
        this.sessionTable.set(txn.sessionId, txn.timeoutMs);
        if (this.digestState) this.digestState.sessionsHashed = false;
        return { err: Code.OK, triggers };
      case 'closeSession': {
        // Delete the listed paths, then any ephemeral of the session the list missed (src: killSession).
        const local = this.ephemerals.get(txn.sessionId);
        for (const p of txn.paths) this.deleteNode(p, txn.zxid, triggers);
        if (local) for (const p of [...local]) this.deleteNode(p, txn.zxid, triggers);
        this.ephemerals.delete(txn.sessionId);
        this.sessionTable.delete(txn.sessionId);
        if (this.digestState) this.digestState.sessionsHashed = false;
        return { err: Code.OK, body: { op: 'closeSession' }, triggers };
      }
      case 'setACL': {
        // src: DataTree.setACL: aversion from the txn, the new list; no watch fires; reply Stat (NONODE if missing)
        const n = this.mut(txn.path);
        if (!n) return { err: Code.NONODE, triggers };
        n.aversion = txn.version;
        n.acl = txn.acl;
        return { err: Code.OK, body: { op: 'setACL', stat: statOf(n) }, triggers };
      }
      case 'multi': {
        const failed = txn.ops.some((o) => o.type === 'error');
        let err = 0;
        let postFailed = false;
        const results: MultiResult[] = txn.ops.map((op) => {
          // A failed multi applies nothing: non-error sub-txns report 0 before the failure, -2 after (src).
          if (op.type === 'error') postFailed = true;
          const sub: SubTxn = failed && op.type !== 'error'
            ? { type: 'error', err: postFailed ? Code.RUNTIMEINCONSISTENCY : Code.OK }
            : op;
          const r = this.applySub(sub, txn, triggers);
          if (r.err !== 0 && err === 0) err = r.err;
          // In a multi, a create's result carries the Stat only for CONTAINER/TTL modes (createContainer/createTTL
          // opcodes); Op.create is opcode create: CreateResult(path) (src: FinalRequestProcessor, obs).
          if (r.op === 'create' && op.type === 'create' && !statInMultiCreate(op.mode)) return { op: 'create', err: 0, path: r.path };
          return r;
        });
        return { err, body: { op: 'multi', results }, triggers };
      }
      default: {
        const r = this.applySub(txn, txn, triggers);
        if (r.op === 'error') return { err: r.err, triggers };
        const body: ReplyBody =
          r.op === 'create' ? { op: 'create', path: r.path, stat: r.stat! }
          : r.op === 'delete' ? { op: 'delete' }
          : { op: 'multi', results: [r] }; // a bare check txn never comes from prepare
        return { err: Code.OK, body, triggers };
      }
    }
  }

  /**
   * `apply` for a caller that reads neither the reply nor the watch triggers (the leader's proposed tree, where Prep
   * validates requests; a replica applying another server's client's txn while no watch is set): the common setData
   * goes straight to the node, without the Stat, reply and trigger objects; any other txn takes `apply`.
   */
  applyOnly(txn: Txn): void {
    if (txn.type !== 'setData') {
      this.apply(txn);
      return;
    }
    if (txn.zxid > this.last) this.last = txn.zxid;
    this.setNodeData(txn.path, txn.data, txn.version, txn);
  }

  private applySub(sub: SubTxn, hdr: TxnHeader, triggers: WatchTrigger[]): MultiResult {
    switch (sub.type) {
      case 'create': {
        const r = this.createNode(sub.path, bytesOf(sub.data), sub.mode, sub.ttl ?? 0, sub.acl ?? OPEN_ACL_UNSAFE, hdr, sub.parentCversion, triggers);
        return typeof r === 'number' ? { op: 'error', err: r } : { op: 'create', err: 0, path: sub.path, stat: r };
      }
      case 'delete': {
        const r = this.deleteNode(sub.path, hdr.zxid, triggers);
        return r === 0 ? { op: 'delete', err: 0 } : { op: 'error', err: r };
      }
      case 'setData': {
        const n = this.setNodeData(sub.path, sub.data, sub.version, hdr);
        if (n === undefined) return { op: 'error', err: Code.NONODE };
        triggers.push({ type: EventType.NodeDataChanged, path: sub.path, acl: n.acl });
        return { op: 'setData', err: 0, stat: statOf(n) };
      }
      case 'check':
        return { op: 'check', err: 0 };
      case 'error':
        return { op: 'error', err: sub.err };
    }
  }

  /** src: `DataTree.createNode` + processTxn's NODEEXISTS replay fix-up. Returns the new node's Stat or an error. */
  private createNode(
    path: string, data: Data, mode: CreateMode, ttl: number, acl: readonly ACL[], hdr: TxnHeader, parentCversion: number,
    triggers: WatchTrigger[],
  ): Stat | number {
    const parentName = rawParent(path) ?? '';
    const name = path.slice(parentName.length + 1);
    const parentKey = parentName === '' ? '/' : parentName;
    if (!this.nodes.has(parentKey)) return Code.NONODE;
    const p = this.mut(parentKey)!;
    if (p.children.has(name)) {
      // Replay over a fuzzy snapshot: the node is already there; only move the parent's counter forward
      // (src: processTxn → setCversionPzxid). ZooKeeper does this only for opcode `create` (not create2/
      // createContainer/createTTL); the protocol here does not distinguish create from create2, so we always do.
      if (parentCversion > p.cversion) { p.cversion = parentCversion; p.pzxid = hdr.zxid; }
      return Code.NODEEXISTS;
    }
    // Guard: replaying a create whose node was created and deleted again inside the fuzzy snapshot.
    if (parentCversion > p.cversion) { p.cversion = parentCversion; p.pzxid = hdr.zxid; }
    const kind: NodeKind = isEphemeralMode(mode) ? 'ephemeral' : mode === CM.CONTAINER ? 'container' : isTtlMode(mode) ? 'ttl' : 'persistent';
    const n: ZNode = {
      data, czxid: hdr.zxid, mzxid: hdr.zxid, ctime: hdr.time, mtime: hdr.time, version: 0, cversion: 0, aversion: 0,
      pzxid: hdr.zxid, kind, owner: kind === 'ephemeral' ? hdr.sessionId : 0, ttl: kind === 'ttl' ? ttl : 0,
      acl, children: new Set(), sorted: null, gen: this.gen, key: path, hashSlot: null,
    };
    p.children.add(name);
    p.sorted = null;
    this.nodes.set(path, n);
    if (this.digestState) this.markDirty(this.digestState, path, n);
    if (kind === 'ephemeral') this.ephemeralSet(hdr.sessionId).add(path);
    // the reply's Stat is taken before the quota bookkeeping below (src: copyStat comes first)
    const stat = statOf(n);
    if (name === QUOTA_STATS && parentKey.startsWith(QUOTA)) this.recountQuota(parentKey.slice(QUOTA.length), path);
    else if (name === QUOTA_LIMITS && parentKey.startsWith(QUOTA)) this.quotaLimits++;
    if (this.quotaLimits > 0) this.quotaUpdate(path, data === null ? 0 : data.length, 1);
    // the ACLs 3.8.0 hands to triggerWatch (the server drops events on nodes a watcher may not READ)
    triggers.push({ type: EventType.NodeCreated, path, acl }, { type: EventType.NodeChildrenChanged, path: parentKey, acl: p.acl });
    return stat;
  }

  /**
   * src: `DataTree.setData`: the txn carries the new version. Returns the written node, or undefined when it is
   * missing (NONODE); the caller adds the NodeDataChanged trigger and takes the Stat if it replies.
   */
  private setNodeData(path: string, data: TxnData, version: number, hdr: TxnHeader): ZNode | undefined {
    const n = this.mut(path);
    if (!n) return undefined;
    const old = n.data;
    n.data = bytesOf(data);
    n.mtime = hdr.time;
    n.mzxid = hdr.zxid;
    n.version = version;
    if (this.quotaLimits > 0) this.quotaSetData(path, n.data, old);
    return n;
  }

  /**
   * src: `DataTree.deleteNode`. The parent is updated before the node lookup on purpose: replaying a delete whose
   * node the fuzzy snapshot already lacks still raises the parent's pzxid (never lowers it).
   */
  private deleteNode(path: string, zxid: number, triggers: WatchTrigger[]): number {
    const parentName = rawParent(path) ?? '';
    const parentKey = parentName === '' ? '/' : parentName;
    if (!this.nodes.has(parentKey)) return Code.NONODE;
    const p = this.mut(parentKey)!;
    p.children.delete(path.slice(parentName.length + 1));
    p.sorted = null;
    if (zxid > p.pzxid) p.pzxid = zxid;
    const n = this.nodes.get(path);
    if (!n) return Code.NONODE;
    this.nodes.delete(path);
    if (this.digestState) this.markDirty(this.digestState, path, null);
    if (n.kind === 'ephemeral') this.ephemerals.get(n.owner)?.delete(path);
    if (this.quotaLimits > 0) {
      if (isQuotaLimitsPath(path)) this.quotaLimits--;
      this.quotaUpdate(path, n.data === null ? 0 : -n.data.length, -1);
    }
    triggers.push({ type: EventType.NodeDeleted, path, acl: n.acl }, { type: EventType.NodeChildrenChanged, path: parentKey, acl: p.acl });
    return Code.OK;
  }

  // -------------------------------------------------------------------------------------------------------------
  // quota bookkeeping (src: DataTree.updateQuotaStat, updateQuotaForPath, getMaxPrefixWithQuota; 3.8.0 keeps the
  // zookeeper_stats nodes up to date even though it does not enforce quotas by default)

  /**
   * src: getMaxPrefixWithQuota: the deepest prefix of `path` (itself included, `/` excluded) with a quota. 3.8.0 keeps
   * those prefixes in a PathTrie, added when a zookeeper_limits node is created under /zookeeper/quota/<prefix> and
   * deleted with it; the trie is a function of which limits nodes exist (as after a restart, setupQuota), so the
   * nodes are looked up here instead of keeping a second structure every tree copy would have to carry.
   */
  private quotaPrefixOf(path: string): string | null {
    for (let end = path.length; end > 0; end = path.lastIndexOf('/', end - 1)) {
      const prefix = path.slice(0, end);
      if (this.nodes.has(QUOTA + prefix + '/' + QUOTA_LIMITS)) return prefix;
    }
    return null;
  }

  /**
   * src: updateQuotaStat: the zookeeper_stats node of the quota `path` is under gets count and bytes moved by the
   * diffs, its Stat (mzxid, version) untouched. Nothing without a stats node. A stats text StatsTrack cannot parse
   * makes 3.8.0 throw on its apply path (the server stops); zksim leaves the node as it is.
   */
  private quotaUpdate(path: string, bytesDiff: number, countDiff: number): void {
    const prefix = this.quotaPrefixOf(path);
    if (prefix === null) return;
    const statPath = QUOTA + prefix + '/' + QUOTA_STATS;
    const n = this.nodes.get(statPath);
    if (n === undefined || n.data === null) return;
    const st = parseStatsTrack(new TextDecoder().decode(n.data));
    if (st === null) return;
    st.set('count', (st.get('count') ?? -1) + countDiff);
    st.set('bytes', (st.get('bytes') ?? -1) + bytesDiff);
    // 3.8.0 writes the data without preChange/postChange, so its incremental digest misses this change; zksim's
    // digest stays a function of the tree (its checkers compare digests recomputed from snapshots)
    this.writeStatsTrack(statPath, st);
  }

  /** The zookeeper_stats node at `statPath` now holds `st`, in StatsTrack's text form. */
  private writeStatsTrack(statPath: string, st: Map<string, number>): void {
    this.mut(statPath)!.data = new TextEncoder().encode(formatStatsTrack(st));
  }

  /** setData's part (out of setNodeData, which stays small enough for V8 to inline): the data's length moved. */
  private quotaSetData(path: string, data: Data, old: Data): void {
    this.quotaUpdate(path, (data === null ? 0 : data.length) - (old === null ? 0 : old.length), 0);
  }

  /** src: updateQuotaForPath, when a zookeeper_stats node is created: count and bytes of the whole subtree. */
  private recountQuota(prefix: string, statPath: string): void {
    let count = 0;
    let bytes = 0;
    const walk = (p: string): void => {
      const n = this.nodes.get(p);
      if (n === undefined) return;
      count++;
      bytes += n.data === null ? 0 : n.data.length;
      for (const c of n.children) walk(p === '/' ? `/${c}` : `${p}/${c}`);
    };
    // the real tree keys its root as "" (a stats node right under /zookeeper/quota counts everything)
    walk(prefix === '' ? '/' : prefix);
    this.writeStatsTrack(statPath, new Map<string, number>([['bytes', bytes], ['count', count]]));
  }

  /** The node at `path` (exact key), copied first if shared with another tree. */
  private mut(path: string): ZNode | undefined {
    let n = this.nodes.get(path);
    if (!n) return n;
    if (n.gen !== this.gen) {
      n = { ...n, children: new Set(n.children), gen: this.gen };
      this.nodes.set(path, n);
    }
    if (this.digestState) this.markDirty(this.digestState, path, n); // about to be written
    return n;
  }

  /**
   * Notes a path for the next digest, with its node from now on (null: deleted); a tree whose digest is seldom read
   * keeps at most one entry per path, the last.
   */
  private markDirty(st: DigestState, path: string, n: ZNode | null): void {
    st.dirtyNodes[st.dirtyCount] = n;
    st.dirty[st.dirtyCount++] = path;
    if (st.dirtyCount > st.dirtyLimit) {
      const last = new Map<string, ZNode | null>();
      for (let i = 0; i < st.dirtyCount; i++) last.set(st.dirty[i]!, st.dirtyNodes[i]!);
      st.dirty = [...last.keys()];
      st.dirtyNodes = [...last.values()];
      st.dirtyCount = st.dirty.length;
      st.dirtyLimit = Math.max(1024 + this.nodes.size, 2 * st.dirtyCount);
    }
  }

  private ephemeralSet(sessionId: number): Set<string> {
    let s = this.ephemerals.get(sessionId);
    if (!s) this.ephemerals.set(sessionId, (s = new Set()));
    return s;
  }

  // -------------------------------------------------------------------------------------------------------------
  // digest

  /**
   * A deterministic 53-bit hash (a safe integer: cheap to trace and compare, exact in JSON) of every node's path,
   * internal Stat, kind, owner, ACL and data, plus the session table: equal digests ⇔ (with overwhelming
   * probability) equal replicas. /zookeeper/config is excluded because each ensemble member writes it outside the
   * txn stream (§1.4). Incremental: the cost is that of the nodes written since the last call.
   */
  digest(): number {
    let st = this.digestState;
    if (!st) {
      st = this.digestState = { sumA: 0, sumB: 0, nodeHash: new Map(), dirty: [...this.nodes.keys()], dirtyNodes: [...this.nodes.values()], dirtyCount: this.nodes.size, dirtyLimit: 1024 + 2 * this.nodes.size, sessionsA: 0, sessionsB: 0, sessionsHashed: false, value: -1 };
    }
    if (st.dirtyCount === 0 && st.value >= 0 && st.sessionsHashed) return st.value;
    const dirty = st.dirty;
    const dirtyNodes = st.dirtyNodes;
    for (let i = 0; i < st.dirtyCount; i++) {
      const path = dirty[i]!;
      // the path's node when it was marked: its node now if this is its last entry, else an older state that a later
      // entry replaces (each entry takes the path's previous hash out of the sums and puts the new one in)
      const n = dirtyNodes[i] as ZNode | null;
      dirtyNodes[i] = null; // (the array outlives this pass: keep no node alive with it)
      if (path === CONFIG) continue;
      // the path's slot: kept on the node once this tree's digest has it (with the node from the dirty list, the
      // digest of a write then looks nothing up by path: a Map lookup of a string costs as much as the rest)
      let slot = n !== null && n.hashSlot !== null && n.hashSlot.state === st ? n.hashSlot : st.nodeHash.get(path);
      if (slot) {
        st.sumA = (st.sumA - slot.a) >>> 0;
        st.sumB = (st.sumB - slot.b) >>> 0;
      }
      if (!n) {
        if (slot) st.nodeHash.delete(path);
        continue;
      }
      const h = NODE_HASH;
      if (!slot) {
        h.reset();
        h.str(path);
        // the slot is reused while the node lives: a write costs no allocation here
        st.nodeHash.set(path, (slot = { a: 0, b: 0, pathA: h.stateA, pathB: h.stateB, memo: nodeHashMemo(path), state: st }));
      }
      // (only on a node this tree owns: a shared one may be hashed by the other tree too)
      if (n.gen === this.gen) n.hashSlot = slot;
      const memo = slot.memo;
      if (memo.matches(n)) {
        // another tree (a replica, after the same txn) hashed this very node state already
        slot.a = memo.a;
        slot.b = memo.b;
      } else {
        h.resume(slot.pathA, slot.pathB); // a node's path never changes: its part of the hash neither
        hashNodeFields(h, n);
        slot.a = h.laneA;
        slot.b = h.laneB;
        memo.remember(n, slot.a, slot.b);
      }
      st.sumA = (st.sumA + slot.a) >>> 0;
      st.sumB = (st.sumB + slot.b) >>> 0;
    }
    st.dirtyCount = 0; // the arrays keep their size: slots are overwritten
    // The session table changes rarely: hash it whole, in id order, only when it changed.
    if (!st.sessionsHashed) {
      const hs = SESSIONS_HASH;
      hs.reset();
      for (const [id, t] of this.sessions()) { hs.num(id); hs.int(t); }
      st.sessionsA = hs.laneA;
      st.sessionsB = hs.laneB;
      st.sessionsHashed = true;
    }
    // The replicas reach the same sums one after another: the last final mix (of any tree) is likely this one.
    const last = LAST_MIX;
    if (st.sumA === last[0] && st.sumB === last[1] && st.sessionsA === last[2] && st.sessionsB === last[3]) {
      st.value = last[4]!;
      return st.value;
    }
    const h = NODE_HASH;
    h.reset();
    const w = h.words;
    w[0] = st.sumA;
    w[1] = st.sumB;
    w[2] = st.sessionsA;
    w[3] = st.sessionsB;
    h.flush(4);
    st.value = h.safeInteger();
    last[0] = st.sumA;
    last[1] = st.sumB;
    last[2] = st.sessionsA;
    last[3] = st.sessionsB;
    last[4] = st.value;
    return st.value;
  }
}

/**
 * The last final mix of digest(), by any tree: its inputs (sumA, sumB, sessionsA, sessionsB: unsigned 32-bit, so
 * the initial -1 matches none) and its value. A typed array: module variables would box every number stored.
 */
const LAST_MIX = new Float64Array([-1, -1, -1, -1, 0]);

interface DigestState {
  sumA: number;
  sumB: number;
  nodeHash: Map<string, NodeHashSlot>;
  /**
   * Paths written since the last digest, possibly repeated (re-hashing a path is idempotent); an array because
   * emptying a Set after every commit costs more than the digest itself.
   */
  dirty: string[];
  /**
   * The node of each entry of `dirty` as it is from then on (null: deleted), so that digest() need not look the
   * paths up again; a node changes after it was marked only through writes that mark it again.
   */
  dirtyNodes: Array<ZNode | null>;
  /** Entries of `dirty` in use. */
  dirtyCount: number;
  /** Length past which `dirty` is de-duplicated (amortised: the limit doubles with what remains). */
  dirtyLimit: number;
  /** Hash of the session table (two lanes), valid while sessionsHashed. */
  sessionsA: number;
  sessionsB: number;
  /** False when the session table changed since it was last hashed. */
  sessionsHashed: boolean;
  /**
   * The last digest (-1: none; digests are never negative), valid while nothing is dirty and the session table is
   * unchanged. Never null: a number-only field stores a digest in place, where a nullable one boxes each.
   */
  value: number;
}

/** A node's part of the digest (two lanes), and the hash state after its path (where a re-hash resumes). */
interface NodeHashSlot {
  a: number;
  b: number;
  pathA: number;
  pathB: number;
  /** The path's entry in the memo shared by all trees (looked up once, when the slot is made). */
  memo: NodeHashMemo;
  /** The digest state (of one tree) the slot belongs to. */
  state: DigestState;
}

/**
 * The last hash (both lanes) computed for a node at one path, by any tree. The replicas of an ensemble run in one
 * process and apply the same txns, so they hash the same node states: all but the first replica take the hash from
 * here (two of three digests per write on a 3-server ensemble). A hit needs every hashed field equal and the very
 * same data buffer (the txn's bytes, which every tree that applies it shares and none mutates); the hash is a pure
 * function of those and of the path, so a hit changes no digest.
 */
class NodeHashMemo {
  private czxid = -1;
  private mzxid = -1;
  private ctime = -1;
  private mtime = -1;
  private version = -1;
  private cversion = -1;
  private aversion = -1;
  private pzxid = -1;
  private owner = -1;
  private ttl = -1;
  private acl: readonly ACL[] | null = null;
  private numChildren = -1;
  private kind: NodeKind | null = null;
  /** undefined: nothing remembered yet (node data is a buffer or null). */
  private data: Data | undefined = undefined;
  a = 0;
  b = 0;

  matches(n: ZNode): boolean {
    return n.data === this.data && n.mzxid === this.mzxid && n.version === this.version && n.mtime === this.mtime &&
      n.czxid === this.czxid && n.ctime === this.ctime && n.cversion === this.cversion && n.aversion === this.aversion &&
      n.pzxid === this.pzxid && n.owner === this.owner && n.ttl === this.ttl && n.acl === this.acl &&
      n.children.size === this.numChildren && n.kind === this.kind;
  }

  remember(n: ZNode, a: number, b: number): void {
    this.czxid = n.czxid;
    this.mzxid = n.mzxid;
    this.ctime = n.ctime;
    this.mtime = n.mtime;
    this.version = n.version;
    this.cversion = n.cversion;
    this.aversion = n.aversion;
    this.pzxid = n.pzxid;
    this.owner = n.owner;
    this.ttl = n.ttl;
    this.acl = n.acl;
    this.numChildren = n.children.size;
    this.kind = n.kind;
    this.data = n.data;
    this.a = a;
    this.b = b;
  }
}

/** path → its memo entry; emptied when large (slots keep their entries: any entry is a valid memo). */
const NODE_HASH_MEMO = new Map<string, NodeHashMemo>();
const NODE_HASH_MEMO_MAX = 4096;

function nodeHashMemo(path: string): NodeHashMemo {
  let m = NODE_HASH_MEMO.get(path);
  if (m === undefined) {
    if (NODE_HASH_MEMO.size >= NODE_HASH_MEMO_MAX) NODE_HASH_MEMO.clear();
    NODE_HASH_MEMO.set(path, (m = new NodeHashMemo()));
  }
  return m;
}

/** The words of a node after its path: internal Stat, owner, ttl, perms, child count, kind, then its data. */
function hashNodeFields(h: WordHash, n: ZNode): void {
  const w = h.words;
  let k = 0;
  k = putNum(w, k, n.czxid);
  k = putNum(w, k, n.mzxid);
  k = putNum(w, k, n.ctime);
  k = putNum(w, k, n.mtime);
  w[k++] = n.version;
  w[k++] = n.cversion;
  w[k++] = n.aversion;
  k = putNum(w, k, n.pzxid);
  k = putNum(w, k, n.owner);
  k = putNum(w, k, n.ttl);
  // one world:anyone entry (nearly every node): its perms, the word this place held before ACLs were modelled, so
  // those digests are unchanged; any other list: -1 here and the entries after the data
  const world = worldPermsOf(n.acl);
  w[k++] = world;
  w[k++] = n.children.size;
  w[k++] = KIND_CODE[n.kind];
  w[k++] = n.data === null ? -1 : n.data.length;
  h.flush(k);
  if (n.data !== null) h.bytes(n.data);
  if (world < 0) {
    h.int(n.acl.length);
    for (const a of n.acl) {
      h.int(a.perms);
      h.str(a.scheme);
      h.str(a.id);
    }
  }
}

/** A number up to 2^53 as WordHash.num hashes it (low, then high 32 bits); returns the next free index. */
function putNum(w: Int32Array, k: number, v: number): number {
  w[k] = v | 0;
  w[k + 1] = v >= 0 && v < 4294967296 ? 0 : Math.floor(v / 4294967296) | 0; // most values: no division
  return k + 2;
}

/**
 * A txn's data as node data: its bytes themselves (shared by every tree that applies it, mutated by none), or those
 * of the base64 text of a txn read back from JSON.
 */
function bytesOf(d: TxnData): Data {
  return d === null ? null : typeof d === 'string' ? decodeData(d) : d.bytes;
}

const QUOTA_LIMITS = 'zookeeper_limits';
const QUOTA_STATS = 'zookeeper_stats';

/** A zookeeper_limits node under /zookeeper/quota (one that sets a quota). */
function isQuotaLimitsPath(path: string): boolean {
  return path.endsWith('/' + QUOTA_LIMITS) && path.startsWith(QUOTA);
}

/**
 * src: StatsTrack(String): pairs split on runs of `,` or `;`, each `key=value` (value empty: -1), as Java's split
 * (trailing empty strings dropped). Null where StatsTrack throws (a pair without `=`, a value Long.parseLong refuses).
 */
export function parseStatsTrack(text: string): Map<string, number> | null {
  const st = new Map<string, number>();
  if (text.length === 0) return st;
  const pairs = javaSplit(text, /[,;]+/);
  for (const pair of pairs) {
    const kv = javaSplit(pair, /=/);
    if (kv.length < 2) return null;
    const v = kv[1] === '' ? '-1' : kv[1]!;
    if (!/^[+-]?\d{1,18}$/.test(v)) return null;
    st.set(kv[0]!, Number(v));
  }
  return st;
}

/** src: StatsTrack.toString: count, bytes, then (after a spurious "=") the other keys sorted, each after a ";". */
export function formatStatsTrack(st: Map<string, number>): string {
  let s = `count=${st.get('count') ?? -1},bytes=${st.get('bytes') ?? -1}`;
  const rest = [...st.keys()].filter((k) => k !== 'count' && k !== 'bytes').sort();
  if (rest.length > 0) s += '=' + rest.map((k) => `;${k}=${st.get(k)}`).join('');
  return s;
}

/** Java's String.split(regex): trailing empty strings removed (a leading one kept). */
function javaSplit(s: string, re: RegExp): string[] {
  const parts = s.split(re);
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** DataNode.copyStat: reported cversion = 2 × creations − numChildren; ephemeralOwner only for NORMAL ephemerals. */
function statOf(n: ZNode): Stat {
  const numChildren = n.children.size;
  return {
    czxid: n.czxid, mzxid: n.mzxid, ctime: n.ctime, mtime: n.mtime, version: n.version,
    cversion: (Math.imul(n.cversion, 2) - numChildren) | 0, aversion: n.aversion,
    ephemeralOwner: n.kind === 'ephemeral' ? n.owner : 0,
    dataLength: n.data === null ? 0 : n.data.length, numChildren, pzxid: n.pzxid,
  };
}

/** Total order on strings by UTF-16 code units (never locale-dependent). */
/** Java's String.trim: drops the characters up to U+0020 at both ends. */
function javaTrim(s: string): string {
  let i = 0;
  let j = s.length;
  while (i < j && s.charCodeAt(i) <= 0x20) i++;
  while (j > i && s.charCodeAt(j - 1) <= 0x20) j--;
  return s.slice(i, j);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Two independent 32-bit lanes over 32-bit words, murmur3-style (multiply, rotate, multiply-add), with a final
 * avalanche: a 64-bit hash without BigInt. Numbers are split into 32-bit halves, strings into UTF-16 code units
 * two per word, bytes four per word; every variable-length part is preceded by its length.
 */
class WordHash {
  private a = 0;
  private b = 0;
  /** Words waiting to be mixed in by flush(): a tight loop over a buffer keeps the state in registers. */
  readonly words = new Int32Array(WORD_BUFFER);
  reset(): void {
    this.a = 0x811c9dc5 | 0;
    this.b = 0x050c5d1f | 0;
  }
  /** The state (not the lanes), to resume later from the same point. */
  get stateA(): number {
    return this.a;
  }
  get stateB(): number {
    return this.b;
  }
  resume(a: number, b: number): void {
    this.a = a;
    this.b = b;
  }
  /** A 32-bit integer (or any number's low 32 bits). */
  int(w: number): void {
    this.words[0] = w;
    this.flush(1);
  }
  /** Numbers up to 2^53: low and high 32-bit halves. */
  num(v: number): void {
    this.flush(putNum(this.words, 0, v));
  }
  str(s: string): void {
    const n = s.length;
    const w = this.words;
    w[0] = n;
    let k = 1;
    let i = 0;
    for (; i + 1 < n; i += 2) {
      w[k++] = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
      if (k === WORD_BUFFER) k = this.flush(k);
    }
    if (i < n) w[k++] = s.charCodeAt(i);
    this.flush(k);
  }
  bytes(d: Uint8Array): void {
    const n = d.length;
    const w = this.words;
    let k = 0;
    let i = 0;
    for (; i + 3 < n; i += 4) {
      w[k++] = d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
      if (k === WORD_BUFFER) k = this.flush(k);
    }
    let last = 0;
    for (let sh = 0; i < n; i++, sh += 8) last |= d[i]! << sh;
    w[k++] = last;
    this.flush(k);
  }
  /** Mixes words[0..count) in, in order (murmur3-style, one step per lane and word); returns 0, the free index. */
  flush(count: number): number {
    const w = this.words;
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < count; i++) {
      const x = w[i]!;
      let k = Math.imul(x, 0xcc9e2d51);
      k = (k << 15) | (k >>> 17);
      k = Math.imul(k, 0x1b873593);
      a ^= k;
      a = (a << 13) | (a >>> 19);
      a = (Math.imul(a, 5) + 0xe6546b64) | 0;
      let c = Math.imul(x, 0x85ebca6b);
      c = (c << 17) | (c >>> 15);
      c = Math.imul(c, 0xc2b2ae35);
      b ^= c;
      b = (b << 11) | (b >>> 21);
      b = (Math.imul(b, 9) + 0x27d4eb2f) | 0;
    }
    this.a = a;
    this.b = b;
    return 0;
  }
  get laneA(): number {
    return fmix(this.a ^ this.b) >>> 0;
  }
  get laneB(): number {
    return fmix(this.b + Math.imul(this.a, 0x9e3779b1)) >>> 0;
  }
  /** The two lanes as one safe integer: 32 bits of lane A above 21 bits of lane B. */
  safeInteger(): number {
    return this.laneA * 2097152 + (this.laneB >>> 11);
  }
}

/** Size of WordHash's buffer (a node's fixed fields take 22 words). */
const WORD_BUFFER = 256;

/** murmur3's 32-bit finaliser: every input bit affects every output bit. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const KIND_CODE: Record<NodeKind, number> = { persistent: 1, ephemeral: 2, container: 3, ttl: 4 };

/** The hashers digest() reuses (digest is not reentrant). */
const NODE_HASH = new WordHash();
const SESSIONS_HASH = new WordHash();

/** Does a create sub-op of a multi report the Stat (createContainer / createTTL opcodes)? */
function statInMultiCreate(mode: number): boolean {
  return mode === 4 || mode === 5 || mode === 6;
}
