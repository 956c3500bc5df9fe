/**
 * Watch delivery checker (zookeeper-semantics.md §5, invariants W1–W3), over a history with watch registrations,
 * watch events and session states (history.ts documents the records the client must write):
 *
 * - registration: an `exists`/`getData`/`getChildren` operation with `args.watch === true` that completed ok
 *   (`exists` also when the node is missing: ok with `stat: null` or fail NONODE). getData and exists-present arm the
 *   session's data watch on the path, exists-missing its exist watch (same server table), getChildren its child watch.
 *   `addWatch` {path, mode: 'PERSISTENT' | 'PERSISTENT_RECURSIVE'} arms a persistent watch (never consumed).
 * - removal: an ok `removeWatches` {path, watcherType: 'CHILDREN' | 'DATA' | 'ANY', all} disarms the session's
 *   one-shot watches of that type on the path when `all` (removeAllWatches: the server dropped them); otherwise
 *   (removeWatches with one watcher = checkWatches, the server keeps its entry) they may still fire but need not.
 *   With `all`, the session's persistent watches on the path stop covering what the type's server tables fired:
 *   ANY for good, DATA (NodeCreated/NodeDataChanged) and CHILDREN (a plain one's NodeChildrenChanged) until the next
 *   reconnect, when the client adds them again; NodeDeleted stops only when both are dropped (either mode sits in
 *   both server tables, 3.8.0 DataTree.addWatch).
 * - event: `{kind: 'event', process, time, type, path}`, one per notification frame.
 * - session: `{kind: 'session', process, time, state}`.
 *
 * Checks:
 * - one-shot (W1): every event matches a watch that is armed at that moment (data/exist table for NodeCreated,
 *   NodeDataChanged; child table for NodeChildrenChanged; either for NodeDeleted, which consumes both, except in a
 *   catch-up after a reconnect, where SetWatches sends one for each table); a one-shot watch is consumed by its
 *   event, so a second event without a new registration is a violation;
 * - trigger types: NodeCreated only for an exist watch, NodeDataChanged/NodeDeleted never for an exist watch
 *   (except catch-up after a reconnect: deleted and re-created while disconnected gives NodeDataChanged);
 * - nothing after expiry: no event reaches a session after it saw `expired` or `closed`;
 * - complete and ordered (W2), when the history carries zxids (not for a watch on a path that some create or
 *   setACL gave an ACL without READ for world:anyone: the server drops events the session may not READ, see
 *   mayBeUnreadable): a change to a watched node (an ok create, delete,
 *   setData or multi with zxid z > the registration's reply zxid, of any session) must be delivered to the watching
 *   session before any reply on that session with zxid ≥ z (catch-up events after a reconnect come before the queued
 *   replies too); the only exemption is a change made while the session was disconnected whose net effect a
 *   SetWatches catch-up cannot report (created and deleted again, for an exist watch). The exemption ends with the
 *   reconnect: when the node was a plain persistent one that no change missing from the history (a delete of
 *   unknown outcome or without zxid) may have deleted, its first create after the registration must be reported
 *   unless a delete followed it with a zxid up to the first reply after the reconnect (SetWatches ran before that
 *   reply); then the watch counts as re-armed at that reply's zxid;
 * - ordered (W3): events on a session follow the zxid order of the changes that caused them (the first triggering
 *   change after each registration). The cause of an event is known to lie in [lo, hi]: hi is the first change
 *   after the registration that certainly took effect, with its zxid, and fires the watch (a watch still armed
 *   then fires for it), lo the first one that may have (also a change of unknown outcome, or one the servers may
 *   have made unseen; at worst the registration's zxid + 1). An event is VIOLATED when its hi is below the lo of an
 *   earlier event of the session; it is judged when it has a hi and is no catch-up event right after a reconnect
 *   (those only raise the lo that later events must reach). Besides the history's changes, W3 takes the ones the
 *   servers make with no operation in the history, when the caller gives them (explore passes them from the trace):
 *   `sessionCloses` (a session's close at zxid Z deletes, at Z, the ephemerals it had created and not deleted by
 *   then: NodeDeleted on each, NodeChildrenChanged on its parent, zookeeper-semantics.md §5.2, §6.5) and
 *   `serverDeletes` (the container manager's deletes of container and TTL nodes: at their zxid when a server applied
 *   them, else maybe). What neither names stays a change that may have happened at any zxid after the node's create
 *   (it lowers lo, never gives a hi): an ephemeral's delete when no close is given, or its session's end was seen by
 *   the client and no close is given for it; a container or TTL node's delete without `serverDeletes`; the create of
 *   a node of unknown outcome (and, ephemeral, its delete at its session's close; sequential, under any name it may
 *   have got); and every change of unknown outcome, from the zxid after the last reply that preceded its invocation
 *   (a txn proposed after another committed has a larger zxid). For an exist watch across a reconnect, hi counts from
 *   the first reply after the reconnect (SetWatches may have re-armed it silently after a create and a delete).
 * Persistent watches are checked only for "nothing after expiry", for covering the events they explain, and for
 * firing nothing that removeAllWatches dropped (above).
 */
import { ZkError, isContainerOrTtlMode, isEphemeralMode, isSequentialMode, pairOperations, persistentWatchFires, type HistoryEvent, type Operation, type Process, type ServerDelete, type WatchEventType } from './history.js';
import { countBelow } from './sorted.js';

export interface WatchViolation {
  check: string;
  time: number;
  process: Process;
  message: string;
}
export interface WatchResult {
  ok: boolean;
  violations: WatchViolation[];
  seen: {
    registrations: number;
    events: number;
    changes: number;
    /** Events of one-shot watches that W3 judged (a change certainly caused them by some zxid; no catch-up event). */
    ordered: number;
    /** Events of one-shot watches with a registration zxid that W3 did not judge (no such change, or catch-up). */
    unordered: number;
  };
}

/** What the servers did with no operation in the history (explore/checks.ts reads them from the trace). */
export interface WatchOptions {
  /**
   * Session id (as in the history's session events, as a string) → the zxid at which its closeSession committed
   * (explore/checks.ts committedCloses). Given: every close that committed (a session that ended with none of them
   * had none that fired a watch); absent: the closes are unknown.
   */
  sessionCloses?: ReadonlyMap<string, { zxid: number }>;
  /** Every delete the container manager made (check/history.ts ServerDelete); absent: they are unknown. */
  serverDeletes?: readonly ServerDelete[];
}

type Table = 'data' | 'exist' | 'child';
interface Armed {
  table: Table;
  path: string;
  regZxid: number | undefined;
  regTime: number;
  /** The zxid of the change that should fire it (computed lazily), null = none known; the change itself. */
  due?: number | null;
  dueChange?: Change | undefined;
  dueType?: WatchEventType;
  disconnectedSince: boolean;
}
interface Change {
  zxid: number;
  path: string;
  kind: 'created' | 'deleted' | 'data' | 'children';
  time: number;
  /** 'created': a plain persistent node (not ephemeral, container or TTL: nothing but a delete removes it). */
  plain?: boolean;
  /** 'created': the create's mode as the history gives it. */
  mode?: unknown;
}

const parentOf = (p: string): string => (p.lastIndexOf('/') <= 0 ? '/' : p.slice(0, p.lastIndexOf('/')));

function changesOf(o: Operation): Array<Omit<Change, 'zxid' | 'time'>> {
  const a = (o.args ?? {}) as Record<string, unknown>;
  const subs: Array<{ op: string; path: string; result?: unknown; mode?: unknown }> = [];
  if (o.op === 'multi' && Array.isArray(a.ops)) {
    const results = Array.isArray((o.result as { results?: unknown[] } | undefined)?.results) ? (o.result as { results: unknown[] }).results : [];
    (a.ops as Array<Record<string, unknown>>).forEach((s, i) => subs.push({ op: String(s.op), path: String(s.path), result: results[i], mode: s.mode }));
  } else subs.push({ op: o.op, path: String(a.path), result: o.result, mode: a.mode });
  const out: Array<Omit<Change, 'zxid' | 'time'>> = [];
  for (const s of subs) {
    if (s.op === 'create') {
      const rp = (s.result as { path?: unknown } | undefined)?.path;
      const path = typeof rp === 'string' ? rp : s.path;
      out.push({ path, kind: 'created', plain: s.mode === 'PERSISTENT' || s.mode === 'PERSISTENT_SEQUENTIAL', mode: s.mode }, { path: parentOf(path), kind: 'children' });
    } else if (s.op === 'delete') out.push({ path: s.path, kind: 'deleted' }, { path: parentOf(s.path), kind: 'children' });
    else if (s.op === 'setData') out.push({ path: s.path, kind: 'data' });
  }
  return out;
}

/** Does a change fire a watch of this table, and with which event type? */
function fires(table: Table, c: Change['kind']): WatchEventType | undefined {
  if (table === 'exist') return c === 'created' ? 'NodeCreated' : c === 'deleted' ? 'NodeDeleted' : c === 'data' ? 'NodeDataChanged' : undefined;
  if (table === 'data') return c === 'deleted' ? 'NodeDeleted' : c === 'data' ? 'NodeDataChanged' : c === 'created' ? 'NodeCreated' : undefined;
  return c === 'children' ? 'NodeChildrenChanged' : c === 'deleted' ? 'NodeDeleted' : undefined;
}
const tablesFor = (type: WatchEventType): Table[] =>
  type === 'NodeChildrenChanged' ? ['child'] : type === 'NodeDeleted' ? ['data', 'exist', 'child'] : ['data', 'exist'];

/** The name a sequential create gives, past its path: ten digits (§1.3). */
const SEQUENCE = /^\d{10}$/;

/** A change that may have taken effect, at a zxid in [minZ, maxZ] if it did (it gives W3 a lo, never a hi). */
interface Maybe {
  kind: Change['kind'];
  minZ: number;
  maxZ: number;
}

interface OrderIndex {
  /** The zxid of the first change after `after` on `path` that certainly took effect and fires `table` (or Infinity). */
  firstCertain(path: string, table: Table, after: number): number;
  /** The least zxid after `after` at which a change on `path` that may have taken effect fires `table` (or Infinity). */
  firstMaybe(path: string, table: Table, after: number): number;
}

/**
 * W3's changes: the history's (an ok update with its zxid; one of unknown outcome, or ok without zxid, may have taken
 * effect at any zxid above the largest one of a reply before its invocation), and the servers' own ones. A node
 * created ephemeral goes at its session's close (opts.sessionCloses: at the close's zxid, unless a delete of the history
 * certainly came first; with a delete of unknown outcome in between, at some zxid up to the close's); a container or
 * TTL node at the container manager's delete (opts.serverDeletes: at its zxid when a server applied it, else maybe
 * then). Each of those deletes also changes the parent's children. Without the closes or the deletes, or for a session
 * that the client saw end with no close given, such a node may go at any zxid after its create. A sequential create
 * of unknown outcome may have made any node of its path and ten digits.
 */
function orderIndex(history: readonly HistoryEvent[], ops: readonly Operation[], opts: WatchOptions): OrderIndex {
  // the largest zxid of a reply before each invocation
  const before = new Map<number, number>();
  let top = -1;
  for (const e of history) {
    if (e.kind === 'invoke') before.set(e.id, top);
    else if ((e.kind === 'ok' || e.kind === 'fail') && e.zxid !== undefined && e.zxid > top) top = e.zxid;
  }
  const sessionOf = new Map<Process, string>();
  const ended = new Set<Process>();
  for (const e of history) {
    if (e.kind !== 'session') continue;
    if (e.sessionId !== undefined) sessionOf.set(e.process, String(e.sessionId));
    if (e.state === 'expired' || e.state === 'closed') ended.add(e.process);
  }
  /** The zxid of the close of a process's session; undefined: it did not close; null: not known. */
  const closeOf = (p: Process): number | undefined | null => {
    if (!opts.sessionCloses) return null;
    const sid = sessionOf.get(p);
    const c = sid !== undefined ? opts.sessionCloses.get(sid) : undefined;
    if (c) return c.zxid;
    // a session the client saw end whose close is not given (or a process with no session id): it may have closed
    return sid === undefined || ended.has(p) ? null : undefined;
  };

  const certain = new Map<string, Change[]>();
  const maybe = new Map<string, Maybe[]>();
  const maybeNamed = new Map<string, Maybe[]>(); // sequential creates' paths → nodes of that path and ten digits
  const addCertain = (...cs: Change[]): void => {
    for (const c of cs) {
      let l = certain.get(c.path);
      if (!l) certain.set(c.path, (l = []));
      l.push(c);
    }
  };
  const addMaybe = (path: string, named: boolean, kind: Change['kind'], minZ: number, maxZ: number): void => {
    const m = named ? maybeNamed : maybe;
    let l = m.get(path);
    if (!l) m.set(path, (l = []));
    l.push({ kind, minZ, maxZ });
    if (kind === 'deleted') addMaybe(parentOf(path), false, 'children', minZ, maxZ);
  };
  const closing: Array<{ path: string; zxid: number; close: number; time: number }> = [];
  for (const o of ops) {
    if (o.op !== 'create' && o.op !== 'delete' && o.op !== 'setData' && o.op !== 'multi') continue;
    if (o.status === 'fail') continue;
    const known = o.status === 'ok' && o.zxid !== undefined;
    const minZ = (before.get(o.id) ?? -1) + 1;
    for (const c of changesOf(o)) {
      if (known) addCertain({ ...c, zxid: o.zxid!, time: o.ret });
      // (an unknown sequential create's path is its prefix: the node it may have made has a name past it)
      const named = !known && c.kind === 'created' && isSequentialMode(c.mode) && o.status !== 'ok';
      if (!known) addMaybe(c.path, named, c.kind, minZ, Infinity);
      if (c.kind !== 'created' || c.plain) continue;
      // the servers' delete of a node created ephemeral, container or TTL
      const from = known ? o.zxid! + 1 : minZ;
      if (isEphemeralMode(c.mode)) {
        const close = closeOf(o.process);
        if (close === undefined) continue; // its session did not close
        if (close === null || (known && close < from)) addMaybe(c.path, named, 'deleted', from, Infinity);
        else if (!known) {
          if (close >= from) addMaybe(c.path, named, 'deleted', close, close);
        } else closing.push({ path: c.path, zxid: o.zxid!, close, time: o.ret });
      } else if (!isContainerOrTtlMode(c.mode) || !opts.serverDeletes) addMaybe(c.path, named, 'deleted', from, Infinity);
    }
  }
  for (const d of opts.serverDeletes ?? []) {
    if (d.applied !== undefined) addCertain({ path: d.path, kind: 'deleted', zxid: d.zxid, time: d.applied }, { path: parentOf(d.path), kind: 'children', zxid: d.zxid, time: d.applied });
    else addMaybe(d.path, false, 'deleted', d.zxid, d.zxid);
  }
  // A close deletes its session's ephemerals that no delete of the history certainly removed first.
  const maybeDeletes = new Map<string, Maybe[]>();
  for (const [path, l] of maybe) maybeDeletes.set(path, l.filter((m) => m.kind === 'deleted'));
  for (const e of closing) {
    if ((certain.get(e.path) ?? []).some((c) => c.kind === 'deleted' && c.zxid > e.zxid && c.zxid < e.close)) continue;
    if ((maybeDeletes.get(e.path) ?? []).some((m) => m.minZ < e.close && m.maxZ > e.zxid)) addMaybe(e.path, false, 'deleted', e.zxid + 1, e.close);
    else addCertain({ path: e.path, kind: 'deleted', zxid: e.close, time: e.time }, { path: parentOf(e.path), kind: 'children', zxid: e.close, time: e.time });
  }
  const certainByPath = new Map<string, InZxidOrder<Change>>();
  for (const [path, l] of certain) certainByPath.set(path, inZxidOrder(l.sort((a, b) => a.zxid - b.zxid)));

  return {
    firstCertain(path, table, after) {
      const c = certainByPath.get(path);
      if (c) for (let i = countBelow(c.zxids, after, true); i < c.list.length; i++) if (fires(table, c.list[i]!.kind)) return c.zxids[i]!;
      return Infinity;
    },
    firstMaybe(path, table, after) {
      let z = Infinity;
      const consider = (l: readonly Maybe[] | undefined): void => {
        for (const m of l ?? []) if (m.maxZ > after && fires(table, m.kind)) z = Math.min(z, Math.max(m.minZ, after + 1));
      };
      consider(maybe.get(path));
      if (path.length > 10 && SEQUENCE.test(path.slice(-10))) consider(maybeNamed.get(path.slice(0, -10)));
      return z;
    },
  };
}

/** Changes (of one path) in zxid order, and their zxids apart: the first above z is at countBelow(zxids, z, true). */
interface InZxidOrder<C extends { zxid: number }> {
  list: C[];
  zxids: number[];
}

function inZxidOrder<C extends { zxid: number }>(list: C[]): InZxidOrder<C> {
  return { list, zxids: list.map((c) => c.zxid) };
}

/**
 * Paths that some create or setACL of the history (of any outcome) gave an ACL without READ for world:anyone: a
 * server drops a watch event on such a node for a connection that may not READ it, and consumes the watch all the
 * same (3.8.0 NIOServerCnxn.process(event, acl), with the node's ACL, the parent's for NodeChildrenChanged: for a
 * watch on path P, P's own ACL either way). Whether the watching session could READ it when the event was due
 * depends on its ids then; W2 does not judge watches on these paths rather than guess.
 */
function mayBeUnreadable(ops: readonly Operation[]): Set<string> {
  const paths = new Set<string>();
  const worldReads = (acl: unknown): boolean =>
    Array.isArray(acl) && acl.some((e: { scheme?: unknown; id?: unknown; perms?: unknown }) => e && e.scheme === 'world' && e.id === 'anyone' && typeof e.perms === 'number' && (e.perms & 1) !== 0);
  const note = (path: unknown, acl: unknown): void => {
    if (typeof path === 'string' && acl !== undefined && !worldReads(acl)) paths.add(path);
  };
  for (const o of ops) {
    const a = o.args as { path?: unknown; acl?: unknown; ops?: Array<{ op?: unknown; path?: unknown; acl?: unknown }> } | null;
    if (!a) continue;
    if (o.op === 'setACL') note(a.path, a.acl);
    else if (o.op === 'create') {
      note(a.path, a.acl);
      note((o.result as { path?: unknown } | null)?.path, a.acl); // a sequential create's name
    } else if (o.op === 'multi' && Array.isArray(a.ops)) {
      for (const sub of a.ops) if (sub && sub.op === 'create') note(sub.path, sub.acl);
    }
  }
  return paths;
}

/**
 * `operations`: pairOperations(history), when the caller has it already (explore's runAllChecks pairs a run's history
 * once for all its checkers, so this only reads it).
 */
export function checkWatches(history: readonly HistoryEvent[], operations?: readonly Operation[], opts: WatchOptions = {}): WatchResult {
  const v: WatchViolation[] = [];
  const add = (check: string, time: number, process: Process, message: string): void => {
    if (v.length < 1000) v.push({ check, time, process, message });
  };
  const ops = operations ?? pairOperations(history);
  const byInvokeId = new Map<number, Operation>();
  for (const o of ops) byInvokeId.set(o.id, o);
  // Committed changes with zxids, in zxid order; the paths that a delete missing from them may have removed.
  const changes: Change[] = [];
  const unseenDeletes = new Set<string>();
  for (const o of ops) {
    if (o.op !== 'create' && o.op !== 'delete' && o.op !== 'setData' && o.op !== 'multi') continue;
    if (o.status === 'ok' && o.zxid !== undefined) {
      for (const c of changesOf(o)) changes.push({ ...c, zxid: o.zxid, time: o.ret });
    } else if (o.status !== 'fail') {
      for (const c of changesOf(o)) if (c.kind === 'deleted') unseenDeletes.add(c.path);
    }
  }
  changes.sort((a, b) => a.zxid - b.zxid);
  const unreadable = mayBeUnreadable(ops);
  // W3's changes: these, the servers' own ones, and the ones that may have happened (see orderIndex)
  const order = orderIndex(history, ops, opts);
  // The same changes by path (each list in zxid order): a watch looks up its own path's from its zxid on, where a scan
  // of every change for every watch was quadratic in long runs (naming, 300 s: most of the run's time).
  const pathLists = new Map<string, Change[]>();
  for (const c of changes) (pathLists.get(c.path) ?? pathLists.set(c.path, []).get(c.path)!).push(c);
  const changesByPath = new Map<string, InZxidOrder<Change>>();
  for (const [path, l] of pathLists) changesByPath.set(path, inZxidOrder(l));
  const firstChangeAfter = (path: string, table: Table, z: number): Change | undefined => {
    const c = changesByPath.get(path);
    if (c) for (let i = countBelow(c.zxids, z, true); i < c.list.length; i++) if (fires(table, c.list[i]!.kind)) return c.list[i];
    return undefined;
  };
  const firstDeleteAfter = (path: string, z: number): Change | undefined => {
    const c = changesByPath.get(path);
    if (c) for (let i = countBelow(c.zxids, z, true); i < c.list.length; i++) if (c.list[i]!.kind === 'deleted') return c.list[i];
    return undefined;
  };

  /** A persistent watch of a session; noData / noChild: removeAllWatches dropped that table's entry on the server. */
  interface Persistent {
    path: string;
    recursive: boolean;
    noData: boolean;
    noChild: boolean;
  }
  interface Sess {
    armed: Armed[];
    persistent: Persistent[];
    dead: boolean;
    disconnected: boolean;
    lastEventZxid: number;
    catchUp: boolean;
    /** The zxid of the first reply after the last reconnect (-1: none yet). */
    reconnectZxid: number;
    /** Watches removed with checkWatches (removeWatches with one watcher): the server may still fire them once. */
    loose?: Armed[];
  }
  const sessions = new Map<Process, Sess>();
  const sess = (p: Process): Sess => {
    let s = sessions.get(p);
    if (!s) sessions.set(p, (s = { armed: [], persistent: [], dead: false, disconnected: false, lastEventZxid: -1, catchUp: false, reconnectZxid: -1 }));
    return s;
  };
  let registrations = 0;
  let events = 0;
  let ordered = 0;
  let unordered = 0;

  /**
   * W3: the zxids between which the change that fired watch `w` of session `s` lies: lo, the first change after the
   * registration that fires it and may have taken effect (at worst the registration's zxid + 1); hi, the first one
   * that certainly took effect (a watch still armed then fires for it), Infinity if none. undefined: no
   * registration zxid. An exist watch across a reconnect counts hi from the first reply after it, when SetWatches had
   * re-armed it (a create and a delete while away fire nothing); during the catch-up, before that reply, hi is not used.
   */
  const causeBounds = (w: Armed, s: Sess): { lo: number; hi: number } | undefined => {
    if (w.regZxid === undefined) return undefined;
    const reg = w.regZxid;
    const first = order.firstCertain(w.path, w.table, reg);
    const lo = Math.min(first, order.firstMaybe(w.path, w.table, reg));
    let hi = first;
    if (w.table === 'exist' && w.disconnectedSince) hi = s.reconnectZxid < 0 ? Infinity : order.firstCertain(w.path, w.table, Math.max(reg, s.reconnectZxid));
    return { lo: Number.isFinite(lo) ? lo : reg + 1, hi };
  };

  /** Before a reply with zxid z on session p: every armed watch whose change ≤ z must have fired. */
  const checkDue = (p: Process, s: Sess, z: number, time: number): void => {
    for (const w of s.armed) {
      if (w.regZxid === undefined || unreadable.has(w.path)) continue;
      for (;;) {
        if (w.due === undefined) {
          const c = firstChangeAfter(w.path, w.table, w.regZxid);
          w.due = c ? c.zxid : null;
          w.dueChange = c;
          if (c) w.dueType = fires(w.table, c.kind);
        }
        if (w.due === null || w.due > z) break;
        if (w.disconnectedSince && w.table === 'exist') {
          // created and deleted while away: no catch-up event, and SetWatches re-armed it (see the file comment)
          const c = w.dueChange;
          if (!c || !c.plain || unseenDeletes.has(w.path)) break;
          const d = firstDeleteAfter(w.path, c.zxid);
          if (d && d.zxid <= s.reconnectZxid) {
            w.regZxid = s.reconnectZxid;
            w.due = undefined;
            continue;
          }
        }
        add('complete (W2)', time, p, `the ${w.table} watch on ${w.path} (registered at t=${w.regTime}) should have fired ${w.dueType} for zxid 0x${w.due.toString(16)} before this reply with zxid 0x${z.toString(16)}`);
        w.due = null; // report once
        break;
      }
    }
  };

  for (const e of history) {
    if (e.kind === 'session') {
      const s = sess(e.process);
      if (e.state === 'expired' || e.state === 'closed') {
        s.dead = true;
        s.armed = [];
        s.persistent = [];
      } else if (e.state === 'disconnected') {
        s.disconnected = true;
        for (const w of s.armed) w.disconnectedSince = true;
      } else if (e.state === 'connected') {
        if (s.disconnected) {
          s.catchUp = true;
          s.reconnectZxid = -1;
        }
        s.disconnected = false;
        // the client adds its persistent watches again at a reconnect (addWatch), whatever the server had dropped
        for (const w of s.persistent) w.noData = w.noChild = false;
      }
      continue;
    }
    if (e.kind === 'event') {
      events++;
      const s = sess(e.process);
      if (s.dead) {
        add('nothing after expiry', e.time, e.process, `${e.type} on ${e.path} delivered after the session expired or closed`);
        continue;
      }
      const tables = tablesFor(e.type);
      let matched = s.armed.filter((w) => w.path === e.path && tables.includes(w.table));
      // A catch-up (SetWatches, §5.5) fires a NodeDeleted per table the client listed: one for the data or exist
      // watch, then one for the child watch; a live delete sends one frame for both (§5.3).
      if (s.catchUp && e.type === 'NodeDeleted' && matched.some((w) => w.table === 'child') && matched.some((w) => w.table !== 'child')) matched = matched.filter((w) => w.table !== 'child');
      const persistent = s.persistent.some((w) => persistentWatchFires(w, e.type, e.path));
      if (!matched.length && !persistent && s.loose) {
        const l = s.loose.find((w) => w.path === e.path && tables.includes(w.table));
        if (l) {
          s.loose = s.loose.filter((w) => w.path !== e.path || !tables.includes(w.table));
          continue;
        }
      }
      if (!matched.length && !persistent) {
        add('one-shot (W1)', e.time, e.process, `${e.type} on ${e.path} without an armed watch (never registered, or already consumed)`);
        continue;
      }
      if (matched.length) {
        if (e.type === 'NodeCreated' && !matched.some((w) => w.table === 'exist') && !s.catchUp) add('trigger type', e.time, e.process, `NodeCreated on ${e.path} for a watch that saw the node exist`);
        if ((e.type === 'NodeDataChanged' || e.type === 'NodeDeleted') && matched.every((w) => w.table === 'exist') && !s.catchUp) {
          add('trigger type', e.time, e.process, `${e.type} on ${e.path} for an exist watch on a missing node`);
        }
        // W3: order of the causing changes. One change fires every watch the event matches (a delete fires the data
        // or exist watch and the child watch on the node, §5.2), so its zxid lies in each one's bounds.
        let lo = -Infinity;
        let hi = Infinity;
        let bounded = false;
        for (const w of matched) {
          const b = causeBounds(w, s);
          if (!b) continue;
          bounded = true;
          lo = Math.max(lo, b.lo);
          hi = Math.min(hi, b.hi);
        }
        if (bounded && lo <= hi) {
          if (!s.catchUp && Number.isFinite(hi)) {
            ordered++;
            if (hi < s.lastEventZxid) {
              const cause = lo === hi ? `change 0x${hi.toString(16)}` : `a change at or before 0x${hi.toString(16)}`;
              add('ordered (W3)', e.time, e.process, `${e.type} on ${e.path} (${cause}) after an event for a change at or after 0x${s.lastEventZxid.toString(16)}`);
            }
          } else unordered++;
          s.lastEventZxid = Math.max(s.lastEventZxid, lo);
        } else if (bounded) unordered++;
        s.armed = s.armed.filter((w) => !matched.includes(w));
      }
      continue;
    }
    if (e.kind === 'ok' || e.kind === 'fail') {
      const o = byInvokeId.get(e.id);
      if (!o) continue;
      const s = sess(e.process);
      if (e.kind === 'ok' || e.kind === 'fail') s.catchUp = false;
      // A reply: check completeness first (events precede the reply that reflects them).
      if (e.zxid !== undefined) {
        if (s.reconnectZxid < 0) s.reconnectZxid = e.zxid;
        checkDue(e.process, s, e.zxid, e.time);
      }
      const a = (o.args ?? {}) as { path?: unknown; watch?: unknown; mode?: unknown };
      if (typeof a.path !== 'string') continue;
      if (a.watch === true && !s.dead) {
        let table: Table | undefined;
        if (o.op === 'getData' && e.kind === 'ok') table = 'data';
        else if (o.op === 'getChildren' && e.kind === 'ok') table = 'child';
        else if (o.op === 'exists') {
          if (e.kind === 'ok') table = (o.result as { stat?: unknown } | undefined)?.stat ? 'data' : 'exist';
          else if (e.error.code === ZkError.NONODE) table = 'exist';
        }
        if (table) {
          registrations++;
          // one server entry per (path, table): a re-registration replaces the old one
          s.armed = s.armed.filter((w) => !(w.path === a.path && (w.table === table || (table !== 'child' && w.table !== 'child'))));
          s.armed.push({ table, path: a.path, regZxid: e.zxid, regTime: e.time, disconnectedSince: false });
          if (s.loose) s.loose = s.loose.filter((w) => !(w.path === a.path && (w.table === table || (table !== 'child' && w.table !== 'child'))));
        }
      }
      if (o.op === 'addWatch' && e.kind === 'ok' && !s.dead) {
        registrations++;
        // kept beside an earlier one on the path (an addWatch with the other mode replaces the entry of the tables it
        // uses only: a PERSISTENT's child-table entry outlives a later PERSISTENT_RECURSIVE; both only excuse events)
        s.persistent.push({ path: a.path, recursive: a.mode === 'PERSISTENT_RECURSIVE', noData: false, noChild: false });
      }
      if (o.op === 'removeWatches' && e.kind === 'ok' && !s.dead) {
        // {path, watcherType: CHILDREN | DATA | ANY, all}. all (removeAllWatches, opcode 18): the server dropped the
        // session's entries, so a later event on them is a violation. Otherwise (checkWatches, opcode 17) the server
        // keeps its entry and may still fire it, but a reconnect re-arms it only if the client kept another watcher
        // there: the event stays allowed, no longer required.
        const wt = (o.args as { watcherType?: unknown }).watcherType;
        const all = (o.args as { all?: unknown }).all === true;
        const hit = (w: Armed) => w.path === a.path && (wt === 'ANY' || (wt === 'CHILDREN' ? w.table === 'child' : w.table !== 'child'));
        if (!all) (s.loose ??= []).push(...s.armed.filter(hit));
        s.armed = s.armed.filter((w) => !hit(w));
        // Persistent watches on the path: removeAllWatches drops the server's entries of the type's tables whatever
        // their mode (DataTree.removeWatch), and the events they fired stop. ANY: the client drops its persistent
        // watchers too, for good. DATA / CHILDREN: the client keeps them and adds them again at its next reconnect.
        // checkWatches (one watcher) changes nothing on the server: its events stay allowed.
        if (all) {
          if (wt === 'ANY') s.persistent = s.persistent.filter((w) => w.path !== a.path);
          else for (const w of s.persistent) if (w.path === a.path) (wt === 'CHILDREN' ? (w.noChild = true) : (w.noData = true));
        }
      }
    }
  }
  return { ok: v.length === 0, violations: v, seen: { registrations, events, changes: changes.length, ordered, unordered } };
}

export function formatWatches(r: WatchResult, max = 20): string {
  if (r.ok) return `watch delivery correct (${r.seen.registrations} registrations, ${r.seen.events} events, ${r.seen.changes} changes; W3 judged ${r.seen.ordered} of ${r.seen.ordered + r.seen.unordered} events of one-shot watches)`;
  const lines = [`watch delivery VIOLATED (${r.violations.length}):`];
  for (const x of r.violations.slice(0, max)) lines.push(`  [${x.check}] t=${x.time} p${x.process}: ${x.message}`);
  if (r.violations.length > max) lines.push(`  ... ${r.violations.length - max} more`);
  return lines.join('\n');
}
