/**
 * Two small, sound history checks of the explorer (beside the full checkers of check/):
 *
 * - unique-versions: in ZooKeeper every committed write of a znode gets the next version and its own zxid, so
 *   (path, czxid, version) names exactly one data value — czxid, the zxid of the create, tells the lives of a znode
 *   that was deleted and created again apart — and a zxid names one transaction. Two successful observations (setData results, getData results, the setData results of a multi)
 *   that disagree mean a write that was acknowledged or read was later lost (commit before quorum, ack before
 *   fsync, a bad election), or a read saw a proposal that never committed. A multi is one transaction that may
 *   write several znodes under one zxid: znodes a multi writes are left out of the zxid half of the check.
 * - watch-at-most-once: a one-shot watch fires at most once per registration: between two notifications of the
 *   same (session, path, type) the session must have completed a read that set such a watch again (events that a
 *   persistent watch of the session, addWatch, covers are not judged).
 */
import type { HistoryEvent } from '../check/history.js';
import { pairOperations, persistentWatchFires, serverDeletable, type Operation, type ServerDelete } from '../check/history.js';
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
  stat: { version?: number; mzxid?: number; czxid?: number } | undefined;
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
  // An observation whose Stat carries the czxid is keyed by (path, czxid, version): a znode created again restarts at
  // version 0 with a new czxid, so deleted znodes stay in the check (zksim's client and the real one return the whole
  // Stat). Histories without czxid (hand-made, or imported) fall back to (path, version), and then znodes deleted by
  // any attempt (whatever its outcome) leave the check, as do znodes the servers may delete by themselves (no delete
  // in the history): ephemerals, and container and TTL nodes, unless `serverDeleted` lists every node the servers
  // deleted (from their trace: explore/checks.ts serverDeletes); then only those leave. Znodes a multi writes share
  // its zxid with the multi's other writes: they leave the zxid half of the check.
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
      if (!stat || typeof stat.version !== 'number') continue;
      const life = typeof stat.czxid === 'number' && stat.czxid > 0 ? stat.czxid : null;
      if (life === null && deleted.has(path)) continue;
      count++;
      const key = life === null ? `${path}@${stat.version}` : `${path}@${stat.version}@${life}`;
      const prev = byVersion.get(key);
      if (prev && prev.data !== data) {
        const created = life === null ? '' : ` (created at zxid 0x${life.toString(16)})`;
        return {
          property: 'unique-versions',
          ok: false,
          explanation: `${path} version ${stat.version}${created} holds ${JSON.stringify(prev.data)} (${describe(prev.by)}) and ${JSON.stringify(data)} (${describe(o)}): a write that was acknowledged or read was lost`,
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
  // (a recursive watch never delivers NodeChildrenChanged: such an event comes from a one-shot child watch or a plain
  // persistent one, and is judged as the watch checker judges it)
  const coveredByPersistent = (proc: string | number, path: string, type: string): boolean =>
    (persistent.get(proc) ?? []).some((w) => persistentWatchFires(w, type, path));
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

// ---------------------------------------------------------------------------------------------------------------
// ttl

/** The ttl verdict of a run that created no TTL node (runAllChecks leaves it out of the run's verdicts). */
export const NO_TTL_NODE: Verdict = Object.freeze({ property: 'ttl', ok: null, explanation: 'not checked: no TTL node was created' });

/** The node paths an ok operation wrote (create, setData, their multi sub-ops), with the ttl of each TTL create. */
function ttlWrites(o: Operation, creates: (path: string, mode: unknown, ttl: unknown) => void): string[] {
  const args = (o.args ?? {}) as { path?: unknown; mode?: unknown; ttl?: unknown };
  if (o.op === 'create') {
    // a sequential create's name is in its result (unknown when it did not complete ok)
    const named = (o.result as { path?: unknown } | undefined)?.path;
    const path = typeof named === 'string' ? named : typeof args.path === 'string' ? args.path : undefined;
    if (path === undefined) return [];
    creates(path, args.mode, args.ttl);
    return o.status === 'ok' ? [path] : [];
  }
  if (o.op === 'setData') return o.status === 'ok' && typeof args.path === 'string' ? [args.path] : [];
  if (o.op !== 'multi') return [];
  const ops = subOps(o) as Array<SubOp & { mode?: unknown; ttl?: unknown }>;
  const results = ((o.result as { results?: unknown } | undefined)?.results ?? []) as Array<{ path?: unknown } | undefined>;
  const out: string[] = [];
  ops.forEach((sub, i) => {
    if (typeof sub?.path !== 'string') return;
    const named = results[i]?.path;
    const path = sub.op === 'create' && typeof named === 'string' ? named : sub.path;
    if (sub.op === 'create') creates(path, sub.mode, sub.ttl);
    if (o.status === 'ok' && (sub.op === 'create' || sub.op === 'setData')) out.push(path);
  });
  return out;
}

/**
 * ttl: the servers never delete a TTL node before its ttl has passed since the last write that certainly took effect
 * on it. For every delete of the container manager that was committed (a server applied it), chosen by the check at C
 * (the trace's `checked`; its proposal time when the trace lacks it), of a node every create of which was a TTL create
 * (least ttl T), and every ok create or setData of that path (alone or in a multi) that completed before C:
 * C − (its invocation time) > T.
 *
 * Why it is sound (in zksim; see below for the real ZooKeeper): the leader's container manager computes its
 * candidates from its committed tree at C (ContainerManager.getCandidates: empty, and now − mtime > ttl) and then
 * submits their deletes one every 6 ms. A write that completed before C was committed before C, by this leader (which
 * applies a commit to its tree when it decides it, before any server can reply) or by an earlier one (whose committed
 * txns a new leader's tree holds), so the node's mtime in that tree is at least the write's own proposal time (mtime
 * is the proposal time of the node's last committed write, and committed proposals' times grow with their zxids),
 * which is at least its invocation time. Writes still in flight at C, or made between C and the delete's proposal, are
 * not used: the real container manager deletes a node whose refreshing write came after its check (its deleteContainer
 * is prepared later and does not look at the time again), in ZooKeeper as in zksim. Deletes never known committed are
 * not used either (a deposed leader that misses newer writes may propose one, which can then never commit).
 *
 * The clock: zksim's servers and clients share one virtual clock, so the invocation time, the leader's clock and the
 * mtime another leader wrote are comparable. In a real ensemble the check compares the current leader's wall clock
 * with an mtime set by the clock of whichever leader made the write, so skewed clocks (or a clock step) make early
 * deletes possible there without any bug in ZooKeeper: this property is a statement about zksim's model.
 */
export function checkTtl(history: readonly HistoryEvent[], deletes: readonly ServerDelete[] | undefined, operations?: readonly Operation[]): Verdict {
  let ops: readonly Operation[];
  try {
    ops = operations ?? pairOperations(history);
  } catch (e) {
    return { property: 'ttl', ok: false, explanation: `malformed history: ${String(e)}` };
  }
  const ttlOf = new Map<string, number>(); // least ttl of the path's TTL creates
  const notTtl = new Set<string>(); // paths created (also) with another mode
  const writes = new Map<string, Operation[]>();
  const noteCreate = (path: string, mode: unknown, ttl: unknown): void => {
    if (typeof mode === 'string' && mode.includes('TTL') && typeof ttl === 'number') ttlOf.set(path, Math.min(ttlOf.get(path) ?? Infinity, ttl));
    else notTtl.add(path);
  };
  for (const o of ops) {
    for (const path of ttlWrites(o, noteCreate)) {
      const list = writes.get(path);
      if (list) list.push(o);
      else writes.set(path, [o]);
    }
  }
  if (ttlOf.size === 0) return NO_TTL_NODE;
  if (deletes === undefined) return { property: 'ttl', ok: null, explanation: "not checked: the run's trace does not name the servers' deletes" };
  let judged = 0;
  let pairs = 0;
  for (const d of deletes) {
    const ttl = ttlOf.get(d.path);
    if (d.applied === undefined || ttl === undefined || notTtl.has(d.path)) continue;
    judged++;
    const checked = d.checked ?? d.proposed;
    for (const w of writes.get(d.path) ?? []) {
      if (!(w.ret < checked)) continue;
      pairs++;
      if (checked - w.call <= ttl) {
        return {
          property: 'ttl',
          ok: false,
          explanation:
            `TTL node ${d.path} (ttl ${ttl} ms) deleted by the servers too early: the delete (zxid 0x${d.zxid.toString(16)}) was chosen by the check at ${checked}ms, ` +
            `only ${checked - w.call} ms after the ${w.op} by ${w.process} invoked at ${w.call}ms that completed ok at ${w.ret}ms (before the check): ` +
            `its mtime cannot be older than ${w.call}ms, so the node had not been idle for its ttl`,
        };
      }
    }
  }
  return { property: 'ttl', ok: true, explanation: `${judged} TTL delete(s) of the servers judged against ${pairs} earlier completed write(s): none before its ttl had passed since the write` };
}
