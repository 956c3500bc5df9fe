/**
 * Server-side watches (src: `WatchManager`, `WatcherModeManager`, `DataTree.setWatches/addWatch`, 3.8).
 *
 * Two tables, data and child; each maps path → cnxn → mode, so there is exactly one entry per (path, cnxn, table)
 * however many watchers the client holds (the client fans one frame out to all of them, §5.3). exists and getData
 * register in the data table, getChildren in the child table; addWatch in both, PERSISTENT and PERSISTENT_RECURSIVE
 * alike (3.8.0 DataTree.addWatch adds the same mode to dataWatches and childWatches). A recursive entry never fires
 * NodeChildrenChanged (WatchManager.triggerWatch skips it for recursive modes), so the child-table half of a recursive
 * watch shows only through NodeDeleted (when the data-table half is gone) and through removeWatches CHILDREN / a
 * getChildren watch on the same path (which overwrites that half's mode).
 *
 * Output is per cnxn, in the order the server writes the frames: for each trigger of a txn in order, data-table
 * events before child-table events; a delete's child-table NodeDeleted is suppressed for cnxns the data table
 * already notified (one NodeDeleted frame per cnxn), but their child watches are consumed all the same.
 */
import { EventType, KeeperState } from './protocol.js';
import type { ReadRequest, WatchEventMsg } from './protocol.js';
import { Code } from './errors.js';
import type { DataTree, Reply } from './datatree.js';
import { OPEN_ACL_UNSAFE, type ACL, type Id } from './acl.js';

/** A change the tree made that may fire watches: NodeCreated/NodeDeleted/NodeDataChanged at the node, */
/** NodeChildrenChanged at the parent ("/" for children of the root). Produced by DataTree.apply. */
export interface WatchTrigger {
  type: EventType;
  path: string;
  /** The ACL DataTree hands to triggerWatch (3.8.0): the node's own for NodeCreated/NodeDataChanged/NodeDeleted, the
   *  parent's for NodeChildrenChanged. Absent: no READ check (every watcher gets the event). */
  acl?: readonly ACL[];
}

/** Registration kinds: exist is a data-table watch registered on a missing node (the client keeps it apart). */
export type WatchKind = 'data' | 'exist' | 'child' | 'persistent' | 'persistentRecursive';

/** WatcherMode per (table, path, cnxn); 3.8 overwrites it on re-registration (ZOOKEEPER-4466, fixed in 3.9). */
export type WatchMode = 'standard' | 'persistent' | 'persistentRecursive';

export type CnxnId = number;

type Table = Map<string, Map<CnxnId, WatchMode>>;

/** What trigger returns when no watch can fire (shared: callers only read it). */
const NO_EVENTS: ReadonlyMap<CnxnId, WatchEventMsg[]> = new Map();

export class WatchManager {
  private readonly data: Table = new Map();
  private readonly child: Table = new Map();
  /**
   * Recursive watches in each table: only while a table holds one are the ancestors of a path searched in it, on a
   * trigger and by checkWatches (src: PathParentIterator; 3.8.0 keeps one count per WatchManager, and removeWatches of
   * one type takes a recursive watch out of one table).
   */
  private recursiveData = 0;
  private recursiveChild = 0;
  /**
   * May this cnxn READ a node with this ACL? 3.8.0 NIOServerCnxn.process(event, znodeAcl) checks READ with the
   * connection's current ids before it writes an event, and drops it otherwise ("filtered by ACL"); the watch that
   * fired is consumed all the same, and a delete's child-table suppression still counts it. Set by the server (it
   * knows each cnxn's ids); null = no check.
   */
  canRead: ((cnxn: CnxnId, acl: readonly ACL[]) => boolean) | null = null;

  /** No watch registered at all: no trigger can fire. */
  isEmpty(): boolean {
    return this.data.size === 0 && this.child.size === 0;
  }

  /** Register a watch for `cnxn` (idempotent per table; the last mode wins, as in 3.8). */
  register(kind: WatchKind, path: string, cnxn: CnxnId): void {
    switch (kind) {
      case 'data': case 'exist': this.add(this.data, path, cnxn, 'standard'); break;
      case 'child': this.add(this.child, path, cnxn, 'standard'); break;
      case 'persistent':
        this.add(this.data, path, cnxn, 'persistent');
        this.add(this.child, path, cnxn, 'persistent');
        break;
      case 'persistentRecursive':
        // both tables, as 3.8.0 DataTree.addWatch (seen on the wire: removeWatches CHILDREN of a recursive watch is OK)
        this.add(this.data, path, cnxn, 'persistentRecursive');
        this.add(this.child, path, cnxn, 'persistentRecursive');
        break;
    }
  }

  private add(table: Table, path: string, cnxn: CnxnId, mode: WatchMode): void {
    let m = table.get(path);
    if (!m) table.set(path, (m = new Map()));
    const old = m.get(cnxn);
    if (old === 'persistentRecursive') this.countRecursive(table, -1);
    if (mode === 'persistentRecursive') this.countRecursive(table, 1);
    m.set(cnxn, mode);
  }

  private countRecursive(table: Table, delta: 1 | -1): void {
    if (table === this.data) this.recursiveData += delta;
    else this.recursiveChild += delta;
  }

  private recursiveIn(table: Table): number {
    return table === this.data ? this.recursiveData : this.recursiveChild;
  }

  /**
   * Fire the triggers of one applied txn (or several, in order). Returns, per cnxn (in order of first event), the
   * events to write to that cnxn, each `(type, SyncConnected, path)`. One-shot watches that matched are removed.
   */
  trigger(triggers: readonly WatchTrigger[]): ReadonlyMap<CnxnId, WatchEventMsg[]> {
    // No watch registered at all (the common case under load): nothing can fire, and nothing is allocated. (The
    // rest is a separate function so that this check stays small enough for V8 to inline into every apply.)
    return this.isEmpty() ? NO_EVENTS : this.fire(triggers);
  }

  private fire(triggers: readonly WatchTrigger[]): ReadonlyMap<CnxnId, WatchEventMsg[]> {
    const out = new Map<CnxnId, WatchEventMsg[]>();
    const canRead = this.canRead;
    const emit = (cnxns: Iterable<CnxnId>, type: EventType, path: string, acl: readonly ACL[] | undefined, suppress?: Set<CnxnId>) => {
      const check = canRead !== null && acl !== undefined && acl !== OPEN_ACL_UNSAFE;
      for (const c of cnxns) {
        if (suppress?.has(c)) continue;
        if (check && !canRead(c, acl)) continue;
        let l = out.get(c);
        if (!l) out.set(c, (l = []));
        l.push({ type, state: KeeperState.SyncConnected, path });
      }
    };
    for (const t of triggers) {
      switch (t.type) {
        case EventType.NodeCreated:
        case EventType.NodeDataChanged:
          emit(this.match(this.data, t.path, t.type), t.type, t.path, t.acl);
          break;
        case EventType.NodeChildrenChanged:
          emit(this.match(this.child, t.path, t.type), t.type, t.path, t.acl);
          break;
        case EventType.NodeDeleted: {
          const notified = this.match(this.data, t.path, t.type);
          emit(notified, t.type, t.path, t.acl);
          emit(this.match(this.child, t.path, t.type), t.type, t.path, t.acl, notified);
          break;
        }
        default:
          break;
      }
    }
    return out;
  }

  /** src: `WatchManager.triggerWatch`: the set of cnxns a table fires for, removing matched one-shot entries. */
  private match(table: Table, path: string, type: EventType): Set<CnxnId> {
    const hit = new Set<CnxnId>();
    const here = table.get(path);
    if (here) {
      for (const [c, mode] of here) {
        if (mode === 'persistentRecursive') {
          if (type !== EventType.NodeChildrenChanged) hit.add(c);
          continue;
        }
        hit.add(c);
        if (mode === 'standard') here.delete(c);
      }
      if (here.size === 0) table.delete(path);
    }
    if (this.recursiveIn(table) > 0) {
      for (let p = parentOf(path); p !== null; p = parentOf(p)) {
        const m = table.get(p);
        if (!m) continue;
        for (const [c, mode] of m) {
          if (mode === 'persistentRecursive' && type !== EventType.NodeChildrenChanged) hit.add(c);
        }
      }
    }
    return hit;
  }

  /** Drop every watch of a closed cnxn (the server forgets watches with the connection). */
  removeCnxn(cnxn: CnxnId): void {
    for (const table of [this.data, this.child]) {
      for (const [path, m] of [...table]) {
        if (m.get(cnxn) === 'persistentRecursive') this.countRecursive(table, -1);
        m.delete(cnxn);
        if (m.size === 0) table.delete(path);
      }
    }
  }

  /**
   * SetWatches after a reconnect (src: `DataTree.setWatches`, §5.5). Fires catch-up events grouped data → exist →
   * child and re-registers the rest; fired watches stay unregistered (one-shot). Persistent ones are re-registered
   * without catch-up. Returns the events for `cnxn`, in order.
   */
  setWatches(
    relativeZxid: number, dataWatches: readonly string[], existWatches: readonly string[],
    childWatches: readonly string[], cnxn: CnxnId, tree: DataTree,
    persistentWatches: readonly string[] = [], persistentRecursiveWatches: readonly string[] = [],
  ): WatchEventMsg[] {
    const ev: WatchEventMsg[] = [];
    const fire = (type: EventType, path: string) => ev.push({ type, state: KeeperState.SyncConnected, path });
    for (const path of dataWatches) {
      const s = tree.statOf(path);
      if (!s) fire(EventType.NodeDeleted, path);
      else if (s.mzxid > relativeZxid) fire(EventType.NodeDataChanged, path);
      else this.register('data', path, cnxn);
    }
    for (const path of existWatches) {
      if (tree.statOf(path)) fire(EventType.NodeCreated, path);
      else this.register('exist', path, cnxn);
    }
    for (const path of childWatches) {
      const s = tree.statOf(path);
      if (!s) fire(EventType.NodeDeleted, path);
      else if (s.pzxid > relativeZxid) fire(EventType.NodeChildrenChanged, path);
      else this.register('child', path, cnxn);
    }
    for (const path of persistentWatches) this.register('persistent', path, cnxn);
    for (const path of persistentRecursiveWatches) this.register('persistentRecursive', path, cnxn);
    return ev;
  }

  /**
   * removeWatches / checkWatches (opcodes 18/17): `type` 1 Children, 2 Data, 3 Any. Returns NOWATCHER when this
   * cnxn has no matching watch; with `remove`, drops the matching entries.
   */
  removeWatches(path: string, type: 1 | 2 | 3, cnxn: CnxnId, remove = true): number {
    const tables = type === 1 ? [this.child] : type === 2 ? [this.data] : [this.data, this.child];
    let found = false;
    for (const t of tables) {
      const m = t.get(path);
      if (!m?.has(cnxn)) continue;
      found = true;
      if (remove) {
        if (m.get(cnxn) === 'persistentRecursive') this.countRecursive(t, -1);
        m.delete(cnxn);
        if (m.size === 0) t.delete(path);
      }
    }
    return found ? Code.OK : Code.NOWATCHER;
  }

  /**
   * checkWatches as 3.8.0 answers it (`DataTree.containsWatcher` → `WatchManager.containsWatcher`): OK when the
   * table(s) of `type` hold an entry for `path` of any cnxn (3.8.0 tests `watchTable.get(path) != null` at the leaf,
   * not the watcher), else NOWATCHER; Any asks the child table, then the data table. MARSHALLINGERROR where 3.8.0
   * throws: its PathParentIterator works out a path's parent (`substring(0, lastIndexOf('/'))`) before it looks at the
   * path, so a path without '/' throws, and so does a relative path's top ancestor when the table holds a recursive
   * watch (only then does it walk the ancestors); FinalRequestProcessor answers the exception as MARSHALLINGERROR.
   */
  checkWatches(path: string, type: 1 | 2 | 3): number {
    const inChild = type === 2 ? false : this.containsIn(this.child, path);
    if (inChild === null) return Code.MARSHALLINGERROR;
    const inData = type === 1 ? false : this.containsIn(this.data, path);
    if (inData === null) return Code.MARSHALLINGERROR;
    return inChild || inData ? Code.OK : Code.NOWATCHER;
  }

  /** One table's containsWatcher (see checkWatches); null where 3.8.0 throws. */
  private containsIn(table: Table, path: string): boolean | null {
    const walkAncestors = this.recursiveIn(table) > 0;
    for (let p = path, leaf = true; p !== ''; leaf = false) {
      // next(): the parent first ("" after "/", which ends the walk)
      const slash = p.lastIndexOf('/');
      if (p !== '/' && slash < 0) return null;
      const parent = p === '/' ? '' : slash === 0 ? '/' : p.slice(0, slash);
      if (leaf && (table.get(p)?.size ?? 0) > 0) return true;
      if (!walkAncestors) return false;
      p = parent;
    }
    return false;
  }

  /** Is there an entry for (table, path, cnxn)? For tests and the server's bookkeeping. */
  has(table: 'data' | 'child', path: string, cnxn: CnxnId): boolean {
    return (table === 'data' ? this.data : this.child).get(path)?.has(cnxn) ?? false;
  }

  /** The mode of an entry, or undefined. */
  modeOf(table: 'data' | 'child', path: string, cnxn: CnxnId): WatchMode | undefined {
    return (table === 'data' ? this.data : this.child).get(path)?.get(cnxn);
  }

  /** Number of (path, cnxn) entries per table. */
  count(): { data: number; child: number } {
    let data = 0, child = 0;
    for (const m of this.data.values()) data += m.size;
    for (const m of this.child.values()) child += m.size;
    return { data, child };
  }
}

/** Parent of an absolute path, "/" for top-level, null for "/" itself (and for non-absolute strings). */
function parentOf(path: string): string | null {
  if (path === '/' || !path.startsWith('/')) return null;
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

/**
 * Serve a read and register its watch exactly as FinalRequestProcessor does: exists registers in the data table
 * also when the node is missing (but not on BADARGUMENTS); getData and getChildren register only on success.
 */
export function serveRead(tree: DataTree, watches: WatchManager, req: ReadRequest, cnxn: CnxnId, auth?: readonly Id[]): Reply {
  const r = tree.read(req, auth);
  if (req.watch) {
    if (req.op === 'exists') {
      if (r.err === Code.OK) watches.register('data', req.path, cnxn);
      else if (r.err === Code.NONODE) watches.register('exist', req.path, cnxn);
    } else if (r.err === Code.OK) {
      watches.register(req.op === 'getData' ? 'data' : 'child', req.path, cnxn);
    }
  }
  return r;
}
