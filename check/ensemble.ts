/**
 * Ensemble invariants checked on a run's trace (zookeeper-semantics.md §10), optionally with the client history.
 *
 * Input: the world's trace events `{t, node, kind, ...fields}` (the fields of `port.trace(kind, data)` spread into
 * the event; a nested `data` object is accepted too). Trace kinds read, with their fields (others are ignored):
 *
 * | kind       | fields                                             | meaning                                              |
 * |------------|----------------------------------------------------|------------------------------------------------------|
 * | `leader`   | epoch, historyZxid?                                | node established itself as leader of `epoch` (NEWLEADER quorum) |
 * | `state`    | role ('LEADING', 'FOLLOWING', 'LOOKING', 'DOWN', …), epoch, phase? | role change; LEADING + phase 'broadcast' also counts as established |
 * | `apply`    | zxid, type?, session?, digest?, created?, deleted? | node applied committed txn `zxid` (its tree digest after it; `created`: [{path, ephemeralOwner?}] and `deleted`: [path] when known) |
 * | `commit`   | zxid                                               | the leader committed `zxid` (a quorum acked it)      |
 * | `recover`  | zxid?                                              | node (re)started and loaded its disk up to `zxid`    |
 * | `learner`  | event: 'snap' \| 'trunc' \| 'diff', zxid           | node was synced by snapshot / truncation / diff      |
 * | `session`  | id, event: 'closed' \| 'expire', zxid?             | the session's close txn was applied (or the leader expired it) |
 * | `crash`, `restart` (world records) |                            | the node's memory is gone                            |
 * zxids may be numbers or hex strings ("0x100000001").
 *
 * Invariants:
 * - Z1 one leader per epoch: at most one node establishes leadership for an epoch.
 * - Z3/Z4 prefix agreement: a zxid denotes one txn everywhere (same type and session), so committed logs agree.
 * - Z12 zxid monotonicity: each node applies strictly increasing zxids (reset by a crash, restart, recover, snap, trunc).
 * - Z15 replica equality: nodes that applied the same zxid report the same tree digest after it.
 * - Z11 durability: every committed zxid (trace `commit`) and every write acknowledged ok to a client (history, with
 *   its zxid) is ≤ the `historyZxid` of every leader established after it, and is applied by every node that applies a
 *   later zxid of a later epoch without a snapshot in between… (checked as: never applied with other content; and
 *   never below a later leader's history).
 * - S1 ephemerals: after a session's close is applied on a node, no ephemeral of it remains or is created there
 *   (needs `created`/`deleted` in `apply`); and, with the history (its `session` events give each process's
 *   sessionId): no read at a zxid at or after the close txn sees an ephemeral of the session, and no read sees it
 *   missing while the session lives unless something deleted it.
 * - sequential names: per parent, unique and increasing in zxid order (from `apply.created` and from the history's
 *   ok sequential creates).
 */
import { epochOf, pairOperations, type HistoryEvent, type Operation } from './history.js';
import { countBelow } from './sorted.js';

export interface EnsembleTraceEvent {
  t: number;
  kind: string;
  node?: string;
  data?: Record<string, unknown>;
  [field: string]: unknown;
}

export interface EnsembleViolation {
  invariant: string;
  t: number;
  node?: string;
  message: string;
}

export interface EnsembleResult {
  ok: boolean;
  violations: EnsembleViolation[];
  /** Counts of what was seen, to show the check was not vacuous. */
  seen: {
    leaders: number;
    applies: number;
    commits: number;
    /** Servers that applied at least one txn. */
    nodes: number;
    /** A server ran standalone (it leads no epoch). */
    standalone: boolean;
  };
}

function zx(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^(0x[0-9a-f]+|\d+)$/i.test(v)) return Number(v);
  return undefined;
}
const hex = (z: number): string => `0x${z.toString(16)}`;

/**
 * `operations`: pairOperations(history), when the caller has it already (explore's runAllChecks pairs a run's history
 * once for all its checkers, so this only reads it).
 */
export function checkEnsemble(trace: readonly EnsembleTraceEvent[], history?: readonly HistoryEvent[], operations?: readonly Operation[]): EnsembleResult {
  const v: EnsembleViolation[] = [];
  const add = (invariant: string, t: number, node: string | undefined, message: string): void => {
    if (v.length < 1000) v.push(node === undefined ? { invariant, t, message } : { invariant, t, node, message });
  };
  const leaderOf = new Map<number, { node: string; t: number }>();
  const leaders: Array<{ node: string; t: number; epoch: number; historyZxid?: number }> = [];
  const lastApplied = new Map<string, number>();
  const txnAt = new Map<number, { type: unknown; session: unknown; node: string }>();
  const digestAt = new Map<number, { digest: unknown; node: string }>();
  const committed: Array<{ zxid: number; t: number }> = [];
  const ephemerals = new Map<string, Map<string, unknown>>(); // node -> path -> owner
  const closedOn = new Map<string, Set<string>>(); // node -> closed session ids
  const seqByParent = new Map<string, Map<string, number>>(); // node -> parent -> last sequence
  const nodes = new Set<string>();
  let applies = 0;
  let standalone = false;

  const establish = (node: string, epoch: number, t: number, historyZxid?: number): void => {
    const prev = leaderOf.get(epoch);
    if (prev && prev.node !== node) add('Z1 one leader per epoch', t, node, `${node} established epoch ${epoch}, already led by ${prev.node} (t=${prev.t})`);
    if (!prev) leaderOf.set(epoch, { node, t });
    if (!prev || prev.node !== node || historyZxid !== undefined) leaders.push(historyZxid === undefined ? { node, t, epoch } : { node, t, epoch, historyZxid });
  };

  for (const raw of trace) {
    const e: Record<string, unknown> = raw.data && typeof raw.data === 'object' ? { ...raw.data, ...raw } : raw;
    const node = typeof e.node === 'string' ? e.node : undefined;
    const t = typeof e.t === 'number' ? e.t : 0;
    switch (e.kind) {
      case 'leader': {
        const epoch = zx(e.epoch);
        if (node && epoch !== undefined) establish(node, epoch, t, zx(e.historyZxid));
        break;
      }
      case 'state': {
        const epoch = zx(e.epoch);
        if (node && e.role === 'LEADING' && e.phase === 'broadcast' && epoch !== undefined) establish(node, epoch, t);
        if (node && e.role === 'DOWN') lastApplied.delete(node);
        if (e.role === 'STANDALONE') standalone = true;
        break;
      }
      case 'crash':
      case 'restart':
      case 'recover':
        if (node) {
          lastApplied.delete(node);
          ephemerals.delete(node);
        }
        break;
      case 'learner': {
        if (node && (e.event === 'snap' || e.event === 'trunc')) {
          const z = zx(e.zxid);
          if (z !== undefined) lastApplied.set(node, z);
          else lastApplied.delete(node);
        }
        break;
      }
      case 'commit': {
        const z = zx(e.zxid);
        if (z !== undefined) committed.push({ zxid: z, t });
        break;
      }
      case 'session': {
        if (node && e.event === 'closed') {
          const id = String(e.id);
          let s = closedOn.get(node);
          if (!s) closedOn.set(node, (s = new Set()));
          s.add(id);
          const eph = ephemerals.get(node);
          if (eph) {
            for (const [p, owner] of eph) {
              if (String(owner) === id) add('S1 ephemerals vanish with their session', t, node, `ephemeral ${p} of session ${id} still exists after its close was applied`);
            }
          }
        }
        break;
      }
      case 'apply': {
        const z = zx(e.zxid);
        if (!node || z === undefined) break;
        applies++;
        nodes.add(node); // the servers that applied something (clients have trace records too)
        const last = lastApplied.get(node);
        if (last !== undefined && z <= last) add('Z12 zxids strictly increase', t, node, `${node} applied ${hex(z)} after ${hex(last)}`);
        lastApplied.set(node, z);
        const prev = txnAt.get(z);
        if (prev) {
          if ((e.type !== undefined && prev.type !== undefined && e.type !== prev.type) || (e.session !== undefined && prev.session !== undefined && String(e.session) !== String(prev.session))) {
            add('Z3/Z4 committed logs agree', t, node, `zxid ${hex(z)} is ${String(e.type)} of session ${String(e.session)} on ${node} but ${String(prev.type)} of session ${String(prev.session)} on ${prev.node}`);
          }
        } else txnAt.set(z, { type: e.type, session: e.session, node });
        if (e.digest !== undefined) {
          const d = digestAt.get(z);
          if (d && JSON.stringify(d.digest) !== JSON.stringify(e.digest)) {
            add('Z15 replicas at the same zxid are equal', t, node, `tree digest after ${hex(z)} is ${JSON.stringify(e.digest)} on ${node} but ${JSON.stringify(d.digest)} on ${d.node}`);
          } else if (!d) digestAt.set(z, { digest: e.digest, node });
        }
        // ephemerals and sequential names, when the server reports them
        let eph = ephemerals.get(node);
        if (!eph) ephemerals.set(node, (eph = new Map()));
        if (Array.isArray(e.deleted)) for (const p of e.deleted) eph.delete(String(p));
        if (Array.isArray(e.created)) {
          for (const c of e.created as Array<{ path?: unknown; ephemeralOwner?: unknown }>) {
            const path = typeof c === 'string' ? c : String(c?.path);
            const owner = typeof c === 'object' && c ? c.ephemeralOwner : undefined;
            if (owner !== undefined && owner !== null && owner !== 0 && owner !== '0') {
              if (closedOn.get(node)?.has(String(owner))) add('S1 ephemerals vanish with their session', t, node, `ephemeral ${path} created for session ${String(owner)} after its close`);
              eph.set(path, owner);
            }
            checkSeq(node, path, z, t);
          }
        }
        break;
      }
      default:
        break;
    }
  }

  function checkSeq(where: string, path: string, z: number, t: number): void {
    const m = /^(.*\/[^/]*?)(\d{10})$/.exec(path);
    if (!m) return;
    const parent = path.slice(0, path.lastIndexOf('/')) || '/';
    const n = Number(m[2]);
    let byParent = seqByParent.get(where);
    if (!byParent) seqByParent.set(where, (byParent = new Map()));
    const last = byParent.get(parent);
    if (last !== undefined && n <= last) add('sequential names unique and increasing', t, where === '<history>' ? undefined : where, `${path} (zxid ${hex(z)}) does not follow sequence ${String(last).padStart(10, '0')} under ${parent}`);
    byParent.set(parent, Math.max(n, last ?? -1));
  }

  // Z11: committed and acknowledged writes are in every later leader's history.
  const acked: Array<{ zxid: number; t: number; what: string }> = committed.map((c) => ({ zxid: c.zxid, t: c.t, what: `committed ${hex(c.zxid)}` }));
  // (paired once here for both uses below)
  const ops = history ? (operations ?? pairOperations(history)) : undefined;
  if (ops) {
    const seq: Array<{ z: number; path: string; t: number }> = [];
    for (const o of ops) {
      if (o.status !== 'ok' || o.zxid === undefined) continue;
      if (o.op === 'create' || o.op === 'delete' || o.op === 'setData' || o.op === 'multi') acked.push({ zxid: o.zxid, t: o.ret, what: `acknowledged ${o.op} #${o.id} (zxid ${hex(o.zxid)})` });
      const rp = (o.result as { path?: unknown } | null)?.path;
      if (o.op === 'create' && typeof rp === 'string') seq.push({ z: o.zxid, path: rp, t: o.ret });
    }
    for (const s of seq.sort((a, b) => a.z - b.z)) checkSeq('<history>', s.path, s.z, s.t);
  }
  if (history && ops) checkEphemeralsFromHistory(history, ops, trace, add);
  for (const L of leaders) {
    if (L.historyZxid === undefined) continue;
    for (const a of acked) {
      if (a.t < L.t && epochOf(a.zxid) < L.epoch && a.zxid > L.historyZxid) {
        add('Z11 acknowledged writes are never lost', L.t, L.node, `${a.what} at t=${a.t} is missing from ${L.node}'s history (up to ${hex(L.historyZxid)}) when it led epoch ${L.epoch}`);
      }
    }
  }
  // The same zxid applied with different content is covered above; an acked zxid applied as another txn too.
  return { ok: v.length === 0, violations: v, seen: { leaders: leaderOf.size, applies, commits: committed.length, nodes: nodes.size, standalone } };
}

export function formatEnsemble(r: EnsembleResult, max = 20): string {
  if (r.ok) {
    const s = r.seen;
    const n = (k: number, one: string, many: string): string => `${k} ${k === 1 ? one : many}`;
    const led = s.standalone && s.leaders === 0 ? 'standalone' : `${n(s.leaders, 'epoch', 'epochs')} led`;
    return `ensemble invariants hold (${led}, ${n(s.commits, 'commit', 'commits')}, ${n(s.applies, 'apply', 'applies')} on ${n(s.nodes, 'server', 'servers')})`;
  }
  const lines = [`ensemble invariants VIOLATED (${r.violations.length}):`];
  for (const x of r.violations.slice(0, max)) lines.push(`  [${x.invariant}] t=${x.t}${x.node ? ` ${x.node}` : ''}: ${x.message}`);
  if (r.violations.length > max) lines.push(`  ... ${r.violations.length - max} more`);
  return lines.join('\n');
}

/**
 * S1 from the client history and the trace: an ephemeral created (ok, with zxid) by a session must be seen by nobody
 * at a read zxid at or after the zxid of its session's close txn (trace `session` {id, event: 'closed', zxid}), unless
 * re-created in between; and while the session lives it must not be seen missing unless something deleted it.
 * Sessions are linked to processes by the history's `session` events (`sessionId`).
 */
function checkEphemeralsFromHistory(
  history: readonly HistoryEvent[],
  ops: readonly Operation[],
  trace: readonly EnsembleTraceEvent[],
  add: (invariant: string, t: number, node: string | undefined, message: string) => void,
): void {
  const sessionOf = new Map<string, string>();
  for (const e of history) if (e.kind === 'session' && e.sessionId !== undefined) sessionOf.set(String(e.process), String(e.sessionId));
  const closeZxid = new Map<string, number>();
  const closeProposed = new Set<string>();
  // "missing while alive" needs the session closes of the trace: only with a trace of applied txns
  const tracedApplies = trace.some((e) => e.kind === 'apply');
  for (const raw of trace) {
    const e: Record<string, unknown> = raw.data && typeof raw.data === 'object' ? { ...raw.data, ...raw } : raw;
    // A session's close: the leader's 'session closed' record, or any node applying the closeSession txn (a close
    // that became committed through a new leader's history, by DIFF/SNAP, has no 'commit' or 'session' record).
    const closing = e.kind === 'session' && e.event === 'closed' ? e.id : e.kind === 'apply' && e.type === 'closeSession' ? e.session : undefined;
    // A proposed close may become committed without any record of it being applied (a new leader recovers it from
    // its log and hands it on by SNAP): for such a session "missing while alive" cannot be told, so it is not checked.
    if (e.kind === 'propose' && e.type === 'closeSession' && e.session !== undefined) closeProposed.add(String(e.session));
    if (closing !== undefined) {
      const z = zx(e.zxid);
      const id = String(closing);
      if (z !== undefined && (!closeZxid.has(id) || z < closeZxid.get(id)!)) closeZxid.set(id, z);
    }
  }
  const creates = new Map<string, number[]>(); // path -> zxids of ok creates
  const deletes = new Map<string, number[]>(); // path -> zxids of ok deletes
  const unsure = new Set<string>(); // paths with an unknown-outcome delete or create
  const ephemerals: Array<{ path: string; z: number; owner: string }> = [];
  // czxid: the creation zxid of the node a getData or exists found (its stat), to tell its incarnations apart.
  // Kept by path, in invocation order: an ephemeral is compared with its own path's reads only (listings apart).
  // (`op` and `id` name the read in a report: a text made per read cost more than the rest for long listings)
  type Read = { path: string; z: number; exists: boolean; t: number; op: string; id: number; czxid?: number };
  const reads = new Map<string, Read[]>();
  const addRead = (r: Read): void => {
    (reads.get(r.path) ?? reads.set(r.path, []).get(r.path)!).push(r);
  };
  /** The successful getChildren: the parent listed ('' for the root), the names, its zxid, completion and id. */
  const listings: Listing[] = [];
  const czxidOf = (r: unknown): number | undefined => {
    const c = (r as { stat?: { czxid?: unknown } | null } | null)?.stat?.czxid;
    return typeof c === 'number' ? c : undefined;
  };
  for (const o of ops) {
    const a = (o.args ?? {}) as { path?: unknown; mode?: unknown; ops?: unknown };
    if (o.op === 'multi' && Array.isArray(a.ops)) {
      // a multi's creates and deletes (a semaphore releases its lease and holder nodes in one): as single ones
      const results = (o.result as { results?: unknown } | null)?.results;
      (a.ops as Array<{ op?: unknown; path?: unknown; mode?: unknown }>).forEach((sub, i) => {
        if (typeof sub.path !== 'string' || (sub.op !== 'create' && sub.op !== 'delete')) return;
        if (o.status === 'unknown') unsure.add(sub.path);
        if (o.status !== 'ok' || o.zxid === undefined) return;
        if (sub.op === 'delete') {
          (deletes.get(sub.path) ?? deletes.set(sub.path, []).get(sub.path)!).push(o.zxid);
          return;
        }
        const rp = Array.isArray(results) ? (results[i] as { path?: unknown } | null)?.path : undefined;
        const path = typeof rp === 'string' ? rp : sub.path;
        (creates.get(path) ?? creates.set(path, []).get(path)!).push(o.zxid);
        const owner = sessionOf.get(String(o.process));
        if (String(sub.mode ?? '').startsWith('EPHEMERAL') && owner !== undefined) ephemerals.push({ path, z: o.zxid, owner });
      });
      continue;
    }
    if (typeof a.path !== 'string') continue;
    if (o.status === 'unknown' && (o.op === 'delete' || o.op === 'create')) unsure.add(a.path);
    if (o.status !== 'ok' || o.zxid === undefined) continue;
    if (o.op === 'create') {
      const rp = (o.result as { path?: unknown } | null)?.path;
      const path = typeof rp === 'string' ? rp : a.path;
      (creates.get(path) ?? creates.set(path, []).get(path)!).push(o.zxid);
      const owner = sessionOf.get(String(o.process));
      if (String(a.mode ?? '').startsWith('EPHEMERAL') && owner !== undefined) ephemerals.push({ path, z: o.zxid, owner });
    } else if (o.op === 'delete') (deletes.get(a.path) ?? deletes.set(a.path, []).get(a.path)!).push(o.zxid);
    else if (o.op === 'getData') addRead({ path: a.path, z: o.zxid, exists: true, t: o.ret, op: 'getData', id: o.id, czxid: czxidOf(o.result) });
    else if (o.op === 'exists') addRead({ path: a.path, z: o.zxid, exists: !!(o.result as { stat?: unknown } | null)?.stat, t: o.ret, op: 'exists', id: o.id, czxid: czxidOf(o.result) });
    else if (o.op === 'getChildren') {
      const c = (o.result as { children?: unknown } | null)?.children;
      if (!Array.isArray(c)) continue;
      listings.push({ base: a.path === '/' ? '' : a.path, names: c.map(String), z: o.zxid, t: o.ret, id: o.id });
    }
  }
  const listed = listingsByParent(listings);
  const between = (list: number[] | undefined, lo: number, hi: number): boolean => !!list && list.some((z) => z > lo && z <= hi);
  for (const e of ephemerals) {
    if (unsure.has(e.path)) continue;
    const close = closeZxid.get(e.owner);
    let found = false;
    for (const r of reads.get(e.path) ?? []) {
      if (r.z < e.z) continue;
      // Seen after the close: unless it is another incarnation of the path (its czxid says so, or, for a listing, a
      // create after this one: the node was deleted, by a delete or its resigning holder, and made again, maybe by
      // another session before this one closed: an election's /leader).
      const other = r.czxid !== undefined ? r.czxid !== e.z : between(creates.get(e.path), e.z, r.z);
      if (r.exists && close !== undefined && close > e.z && r.z >= close && !other) {
        add('S1 ephemerals vanish with their session', r.t, undefined, `${r.op} #${r.id} saw ephemeral ${e.path} of session ${e.owner} at zxid ${hex(r.z)}, after the session's close (zxid ${hex(close)})`);
        found = true;
        break;
      }
      if (!r.exists && tracedApplies && (close === undefined ? !closeProposed.has(e.owner) : r.z < close) && !between(deletes.get(e.path), e.z, r.z)) {
        add('S1 ephemerals vanish with their session', r.t, undefined, `${r.op} #${r.id} found ephemeral ${e.path} of live session ${e.owner} missing at zxid ${hex(r.z)} (created at ${hex(e.z)}, never deleted)`);
        found = true;
        break;
      }
    }
    if (found) continue;
    // The listings of its parent, by zxid windows rather than one by one (long runs list a parent thousands of times
    // while it holds hundreds of ephemerals): seen after the close, up to the path's next create (a later one is
    // another node); missing from its create on, up to the close (or for ever: no close at all) and the path's next
    // delete. The earlier of the two is reported.
    const slash = e.path.lastIndexOf('/');
    const p = listed.get(e.path.slice(0, slash));
    if (!p) continue;
    const shown = p.shown.get(e.path.slice(slash + 1)) ?? [];
    let seen = -1;
    if (close !== undefined && close > e.z) {
      const lo = countBelow(p.zs, close, false);
      const hi = countBelow(p.zs, firstAfter(creates.get(e.path), e.z), false);
      const k = countBelow(shown, lo, false);
      if (k < shown.length && shown[k]! < hi) seen = shown[k]!;
    }
    let missing = -1;
    if (tracedApplies && (close !== undefined || !closeProposed.has(e.owner))) {
      const lo = countBelow(p.zs, e.z, false);
      const hi = countBelow(p.zs, Math.min(close ?? Infinity, firstAfter(deletes.get(e.path), e.z)), false);
      let k = countBelow(shown, lo, false);
      if (countBelow(shown, hi, false) - k < hi - lo) {
        // some listing of the window lacks it: the first one
        for (let i = lo; i < hi; i++, k++) {
          if (shown[k] !== i) {
            missing = i;
            break;
          }
        }
      }
    }
    if (seen >= 0 && (missing < 0 || seen < missing)) {
      const l = p.ls[seen]!;
      add('S1 ephemerals vanish with their session', l.t, undefined, `getChildren #${l.id} saw ephemeral ${e.path} of session ${e.owner} at zxid ${hex(l.z)}, after the session's close (zxid ${hex(close!)})`);
    } else if (missing >= 0) {
      const l = p.ls[missing]!;
      add('S1 ephemerals vanish with their session', l.t, undefined, `getChildren #${l.id} found ephemeral ${e.path} of live session ${e.owner} missing at zxid ${hex(l.z)} (created at ${hex(e.z)}, never deleted)`);
    }
  }
}

/** A successful getChildren: the parent it listed ('' for the root), the names, its zxid, completion time and id. */
interface Listing {
  base: string;
  names: string[];
  z: number;
  t: number;
  id: number;
}

/** Listings of one parent in zxid order (`zs` their zxids), and for each child name the positions that show it. */
interface ParentListings {
  zs: number[];
  ls: Listing[];
  shown: Map<string, number[]>;
}

function listingsByParent(listings: readonly Listing[]): Map<string, ParentListings> {
  const out = new Map<string, ParentListings>();
  for (const l of [...listings].sort((a, b) => a.z - b.z)) {
    let p = out.get(l.base);
    if (!p) out.set(l.base, (p = { zs: [], ls: [], shown: new Map() }));
    const i = p.ls.length;
    p.ls.push(l);
    p.zs.push(l.z);
    // (a Set: a name listed twice in a malformed history must not count twice in the windows' counts)
    for (const name of new Set(l.names)) (p.shown.get(name) ?? p.shown.set(name, []).get(name)!).push(i);
  }
  return out;
}

/** The smallest zxid of `list` above `z` (Infinity when none is). */
function firstAfter(list: readonly number[] | undefined, z: number): number {
  let best = Infinity;
  if (list) for (const x of list) if (x > z && x < best) best = x;
  return best;
}
