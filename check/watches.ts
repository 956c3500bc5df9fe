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
 * - event: `{kind: 'event', process, time, type, path}`, one per notification frame.
 * - session: `{kind: 'session', process, time, state}`.
 *
 * Checks:
 * - one-shot (W1): every event matches a watch that is armed at that moment (data/exist table for NodeCreated,
 *   NodeDataChanged; child table for NodeChildrenChanged; either for NodeDeleted, which consumes both); a one-shot
 *   watch is consumed by its event, so a second event without a new registration is a violation;
 * - trigger types: NodeCreated only for an exist watch, NodeDataChanged/NodeDeleted never for an exist watch
 *   (except catch-up after a reconnect: deleted and re-created while disconnected gives NodeDataChanged);
 * - nothing after expiry: no event reaches a session after it saw `expired` or `closed`;
 * - complete and ordered (W2), when the history carries zxids: a change to a watched node (an ok create, delete,
 *   setData or multi with zxid z > the registration's reply zxid, of any session) must be delivered to the watching
 *   session before any reply on that session with zxid ≥ z (catch-up events after a reconnect come before the queued
 *   replies too); the only exemption is a change made while the session was disconnected whose net effect a
 *   SetWatches catch-up cannot report (created and deleted again, for an exist watch). The exemption ends with the
 *   reconnect: when the node was a plain persistent one that no change missing from the history (a delete of
 *   unknown outcome or without zxid) may have deleted, its first create after the registration must be reported
 *   unless a delete followed it with a zxid up to the first reply after the reconnect (SetWatches ran before that
 *   reply); then the watch counts as re-armed at that reply's zxid;
 * - ordered (W3): events on a session follow the zxid order of the changes that caused them (the first triggering
 *   change after each registration), except catch-up events right after a reconnect, and events of watches on a node
 *   created ephemeral, container or TTL or on its parent (the servers delete such nodes with no delete in the
 *   history, so the first change the history shows may not be the cause: such events are not judged by W3).
 * Persistent watches are checked only for "nothing after expiry" and for covering the events they explain.
 */
import { ZkError, pairOperations, persistentWatchCovers, type HistoryEvent, type Operation, type Process, type WatchEventType } from './history.js';

export interface WatchViolation {
  check: string;
  time: number;
  process: Process;
  message: string;
}
export interface WatchResult {
  ok: boolean;
  violations: WatchViolation[];
  seen: { registrations: number; events: number; changes: number };
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
      out.push({ path, kind: 'created', plain: s.mode === 'PERSISTENT' || s.mode === 'PERSISTENT_SEQUENTIAL' }, { path: parentOf(path), kind: 'children' });
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

/**
 * `operations`: pairOperations(history), when the caller has it already (explore's runAllChecks pairs a run's history
 * once for all its checkers, so this only reads it).
 */
export function checkWatches(history: readonly HistoryEvent[], operations?: readonly Operation[]): WatchResult {
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
  // Paths the servers change with no operation in the history: a node created ephemeral, container or TTL is deleted
  // by a session's close or expiry or by the container manager, which changes its parent's children too. A watch on
  // one of them may fire for such a change, earlier than any change the history shows: W3 cannot name its cause.
  const serverChanged = new Set<string>();
  for (const o of ops) {
    if (o.status === 'fail') continue;
    for (const c of changesOf(o)) if (c.kind === 'created' && !c.plain) serverChanged.add(c.path).add(parentOf(c.path));
  }
  const firstChangeAfter = (path: string, table: Table, z: number): Change | undefined => {
    for (const c of changes) if (c.zxid > z && c.path === path && fires(table, c.kind)) return c;
    return undefined;
  };
  const firstDeleteAfter = (path: string, z: number): Change | undefined => {
    for (const c of changes) if (c.zxid > z && c.path === path && c.kind === 'deleted') return c;
    return undefined;
  };

  interface Sess {
    armed: Armed[];
    persistent: Array<{ path: string; recursive: boolean }>;
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

  /** Before a reply with zxid z on session p: every armed watch whose change ≤ z must have fired. */
  const checkDue = (p: Process, s: Sess, z: number, time: number): void => {
    for (const w of s.armed) {
      if (w.regZxid === undefined) continue;
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
      const matched = s.armed.filter((w) => w.path === e.path && tables.includes(w.table));
      const persistent = s.persistent.some((w) => (!w.recursive || e.type !== 'NodeChildrenChanged') && persistentWatchCovers(w, e.path));
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
        // W3: order of the causing changes
        let z = -1;
        for (const w of matched) {
          if (w.regZxid === undefined) continue;
          if (serverChanged.has(w.path)) {
            z = -1; // the cause may be a change missing from the history (see serverChanged)
            break;
          }
          const c = firstChangeAfter(w.path, w.table, w.regZxid);
          if (c) z = Math.max(z, c.zxid);
        }
        if (z >= 0) {
          if (z < s.lastEventZxid && !s.catchUp) add('ordered (W3)', e.time, e.process, `${e.type} on ${e.path} (change 0x${z.toString(16)}) after an event for change 0x${s.lastEventZxid.toString(16)}`);
          s.lastEventZxid = Math.max(s.lastEventZxid, z);
        }
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
        s.persistent.push({ path: a.path, recursive: a.mode === 'PERSISTENT_RECURSIVE' });
      }
      if (o.op === 'removeWatches' && e.kind === 'ok' && !s.dead) {
        // {path, watcherType: CHILDREN | DATA | ANY, all}. all (removeAllWatches, opcode 18): the server dropped the
        // session's entries, so a later event on them is a violation. Otherwise (checkWatches, opcode 17) the server
        // keeps its entry and may still fire it, but a reconnect re-arms it only if the client kept another watcher
        // there: the event stays allowed, no longer required. Persistent watches are left as they are (they only
        // excuse events).
        const wt = (o.args as { watcherType?: unknown }).watcherType;
        const hit = (w: Armed) => w.path === a.path && (wt === 'ANY' || (wt === 'CHILDREN' ? w.table === 'child' : w.table !== 'child'));
        if ((o.args as { all?: unknown }).all !== true) (s.loose ??= []).push(...s.armed.filter(hit));
        s.armed = s.armed.filter((w) => !hit(w));
      }
    }
  }
  return { ok: v.length === 0, violations: v, seen: { registrations, events, changes: changes.length } };
}

export function formatWatches(r: WatchResult, max = 20): string {
  if (r.ok) return `watch delivery correct (${r.seen.registrations} registrations, ${r.seen.events} events, ${r.seen.changes} changes)`;
  const lines = [`watch delivery VIOLATED (${r.violations.length}):`];
  for (const x of r.violations.slice(0, max)) lines.push(`  [${x.check}] t=${x.time} p${x.process}: ${x.message}`);
  if (r.violations.length > max) lines.push(`  ... ${r.violations.length - max} more`);
  return lines.join('\n');
}
