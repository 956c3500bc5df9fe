/**
 * Two small, sound history checks of the explorer (beside the full checkers of check/):
 *
 * - unique-versions: in ZooKeeper every committed write of a znode gets the next version and its own zxid, so,
 *   as long as a znode is never deleted, (path, version) names exactly one data value, and a zxid names one
 *   transaction. Two successful observations (setData results, getData results, the setData results of a multi)
 *   that disagree mean a write that was acknowledged or read was later lost (commit before quorum, ack before
 *   fsync, a bad election), or a read saw a proposal that never committed. A multi is one transaction that may
 *   write several znodes under one zxid: znodes a multi writes are left out of the zxid half of the check.
 * - watch-at-most-once: a one-shot watch fires at most once per registration: between two notifications of the
 *   same (session, path, type) the session must have completed a read that set such a watch again (events that a
 *   persistent watch of the session, addWatch, covers are not judged).
 */
import type { HistoryEvent } from '../check/history.js';
import { pairOperations, persistentWatchCovers, serverDeletable, type Operation } from '../check/history.js';
import type { Verdict } from './verdict.js';

interface Seen {
  data: string | null;
  /** The operation that saw it (described only in a report). */
  by: Operation;
}

function describe(o: Operation): string {
  return `${o.op} by ${o.process} at ${o.ret}ms`;
}

interface SubOp {
  op?: unknown;
  path?: unknown;
}

/** The sub-operations of a multi's args (empty for anything else: a multiRead's ops write nothing). */
function subOps(o: Operation): SubOp[] {
  if (o.op !== 'multi') return [];
  const ops = (o.args as { ops?: unknown } | undefined)?.ops;
  return Array.isArray(ops) ? (ops as SubOp[]) : [];
}

/** One observation of a znode's (version, data), and the zxid that wrote it when known. */
interface Observation {
  path: string;
  data: string | null;
  stat: { version?: number; mzxid?: number } | undefined;
}

/**
 * What a successful operation observed: setData and getData one each, a multi one per setData sub-op, a multiRead one
 * per getData op that found its node.
 */
function observations(o: Operation): Observation[] {
  if (o.op === 'multiRead') return readObservations(o);
  const args = (o.args ?? {}) as { path?: unknown; data?: string | null };
  if (o.op === 'setData' || o.op === 'getData') {
    if (typeof args.path !== 'string') return [];
    const r = o.result as { data?: string | null; stat?: Observation['stat'] } | undefined;
    return [{ path: args.path, data: o.op === 'setData' ? (args.data ?? null) : (r?.data ?? null), stat: r?.stat }];
  }
  if (o.op !== 'multi') return [];
  const results = (o.result as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(results)) return [];
  const out: Observation[] = [];
  subOps(o).forEach((sub, i) => {
    const r = results[i] as { op?: unknown; stat?: Observation['stat'] } | undefined;
    if (sub.op !== 'setData' || typeof sub.path !== 'string' || r?.op !== 'setData') return;
    out.push({ path: sub.path, data: (sub as { data?: string | null }).data ?? null, stat: r.stat });
  });
  return out;
}

function readObservations(o: Operation): Observation[] {
  const ops = (o.args as { ops?: unknown } | undefined)?.ops;
  const results = (o.result as { results?: unknown } | undefined)?.results;
  if (!Array.isArray(ops) || !Array.isArray(results)) return [];
  const out: Observation[] = [];
  ops.forEach((sub: { op?: unknown; path?: unknown }, i) => {
    const r = results[i] as { op?: unknown; data?: string | null; stat?: Observation['stat'] } | undefined;
    if (sub?.op !== 'getData' || typeof sub.path !== 'string' || r?.op !== 'getData') return;
    out.push({ path: sub.path, data: r.data ?? null, stat: r.stat });
  });
  return out;
}

/**
 * `operations`: pairOperations(history), when the caller has it already (explore's runAllChecks pairs a run's history
 * once for all its checkers, so this only reads it).
 */
export function checkUniqueVersions(history: readonly HistoryEvent[], operations?: readonly Operation[], serverDeleted?: ReadonlySet<string>): Verdict {
  let ops: readonly Operation[];
  try {
    ops = operations ?? pairOperations(history);
  } catch (e) {
    return { property: 'unique-versions', ok: null, explanation: `not checked: ${String(e)}` };
  }
  // Znodes deleted by any attempt (whatever its outcome) leave the check: a new znode restarts at version 0. So do
  // znodes the servers may delete by themselves (no delete in the history): ephemerals, and container and TTL nodes,
  // unless `serverDeleted` lists every node the servers deleted (from their trace: explore/checks.ts serverDeletes);
  // then only those leave. Znodes a multi writes share its zxid with the multi's other writes: they leave the zxid
  // half of the check.
  const deleted = new Set<string>(serverDeleted ?? []);
  const mayVanish = (mode: unknown): boolean => serverDeletable(mode, serverDeleted !== undefined);
  const multiWritten = new Set<string>();
  for (const o of ops) {
    if (o.op === 'delete') deleted.add(String((o.args as { path?: unknown })?.path));
    if (o.op === 'create' && mayVanish((o.args as { mode?: unknown })?.mode)) deleted.add(String((o.args as { path?: unknown })?.path));
    for (const sub of subOps(o)) {
      if (typeof sub.path !== 'string' || sub.op === 'check') continue;
      multiWritten.add(sub.path);
      if (sub.op === 'delete' || (sub.op === 'create' && mayVanish((sub as { mode?: unknown }).mode))) deleted.add(sub.path);
    }
  }
  const byVersion = new Map<string, Seen>();
  const byZxid = new Map<number, { path: string; data: string | null; by: Operation }>();
  let count = 0;
  for (const o of ops) {
    if (o.status !== 'ok') continue;
    for (const { path, data, stat } of observations(o)) {
      if (deleted.has(path) || !stat || typeof stat.version !== 'number') continue;
      count++;
      const key = `${path}@${stat.version}`;
      const prev = byVersion.get(key);
      if (prev && prev.data !== data) {
        return {
          property: 'unique-versions',
          ok: false,
          explanation: `${path} version ${stat.version} holds ${JSON.stringify(prev.data)} (${describe(prev.by)}) and ${JSON.stringify(data)} (${describe(o)}): a write that was acknowledged or read was lost`,
        };
      }
      if (!prev) byVersion.set(key, { data, by: o });
      if (typeof stat.mzxid === 'number' && stat.mzxid > 0 && !multiWritten.has(path)) {
        const z = byZxid.get(stat.mzxid);
        if (z && (z.path !== path || z.data !== data)) {
          return {
            property: 'unique-versions',
            ok: false,
            explanation: `zxid 0x${stat.mzxid.toString(16)} wrote ${z.path}=${JSON.stringify(z.data)} (${describe(z.by)}) and ${path}=${JSON.stringify(data)} (${describe(o)}): two transactions with one zxid`,
          };
        }
        if (!z) byZxid.set(stat.mzxid, { path, data, by: o });
      }
    }
  }
  if (count === 0) return { property: 'unique-versions', ok: null, explanation: 'not checked: no versioned observation' };
  return { property: 'unique-versions', ok: true, explanation: `${count} observations of ${byVersion.size} (znode, version) pairs agree` };
}

export function checkWatchAtMostOnce(history: readonly HistoryEvent[]): Verdict {
  // Registrations: reads with watch: true that completed ok, per (process, path, kind).
  const kindOf = (type: string): string => (type === 'NodeChildrenChanged' ? 'child' : 'data');
  const invokes = new Map<number, { process: string | number; op: string; path: string; watch: boolean }>();
  const armed = new Map<string, number>(); // key -> registrations since the last notification
  // Persistent watches (addWatch) of each process, from their invocation on (the server may have armed one whose reply
  // was lost): their events are never consumed, and a notification does not say which watch it is for, so an event a
  // persistent watch of the session covers is not judged. Dropped when the session ends; kept through a removal
  // (removeWatches may leave them: sound, only less strict).
  const persistent = new Map<string | number, Array<{ path: string; recursive: boolean }>>();
  // A recursive watch never delivers NodeChildrenChanged (3.8, obs): such an event comes from a one-shot child watch or
  // a plain persistent one, and is judged as the watch checker judges it.
  const coveredByPersistent = (proc: string | number, path: string, type: string): boolean =>
    (persistent.get(proc) ?? []).some((w) => (!w.recursive || type !== 'NodeChildrenChanged') && persistentWatchCovers(w, path));
  let notifications = 0;
  for (const e of history) {
    if (e.kind === 'invoke') {
      const a = (e.args ?? {}) as { path?: unknown; watch?: unknown; mode?: unknown };
      if (e.op === 'addWatch' && typeof a.path === 'string') {
        const list = persistent.get(e.process) ?? [];
        list.push({ path: a.path, recursive: a.mode === 'PERSISTENT_RECURSIVE' });
        persistent.set(e.process, list);
        continue;
      }
      if (typeof a.path === 'string') invokes.set(e.id, { process: e.process, op: e.op, path: a.path, watch: a.watch === true });
    } else if (e.kind === 'ok') {
      const inv = invokes.get(e.id);
      if (!inv || !inv.watch) continue;
      // getData / exists set data (or exist) watches; getChildren a child watch. NodeDeleted fires both kinds.
      const kinds = inv.op === 'getChildren' ? ['child'] : ['data'];
      for (const k of kinds) {
        const key = `${inv.process}|${inv.path}|${k}`;
        armed.set(key, (armed.get(key) ?? 0) + 1);
      }
    } else if (e.kind === 'event') {
      notifications++;
      const kinds = e.type === 'NodeDeleted' ? ['data', 'child'] : [kindOf(e.type)];
      const keys = kinds.map((k) => `${e.process}|${e.path}|${k}`);
      if (!keys.some((k) => (armed.get(k) ?? 0) > 0) && !coveredByPersistent(e.process, e.path, e.type)) {
        return {
          property: 'watch-at-most-once',
          ok: false,
          explanation: `${e.process} got ${e.type} for ${e.path} at ${e.time}ms without a watch set since its previous notification: a one-shot watch fired twice`,
        };
      }
      for (const k of keys) armed.set(k, 0);
    } else if (e.kind === 'session' && (e.state === 'expired' || e.state === 'closed')) {
      for (const k of [...armed.keys()]) if (k.startsWith(`${e.process}|`)) armed.set(k, 0);
      persistent.delete(e.process);
    }
  }
  if (notifications === 0) return { property: 'watch-at-most-once', ok: null, explanation: 'not checked: no watch notification in the history' };
  return { property: 'watch-at-most-once', ok: true, explanation: `${notifications} notification(s), each after a registration` };
}
