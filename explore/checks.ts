/**
 * The checkers every run goes through, and what each one says. A checker that is not available or not wired for
 * this workload says so (`ok: null`, "not checked"), never "ok".
 *
 * - linearizable: the linearizability checker (check/linearizability.ts) with the znode model over the operations
 *   on non-sequential znodes: writes always; reads too when there is one server (an ensemble serves reads from
 *   followers' local state, which ZooKeeper does not promise to be linearizable). The container manager's deletes
 *   join the history from the trace (serverDeletes), for it as for osc.
 * - unique-versions, watch-at-most-once, ttl: small sound checks of explore/light-checks.ts (ttl: the container
 *   manager's deletes, from the trace, against the writes that completed before them).
 * - osc, watches, ensemble: the checkers of check/osc.ts, check/watches.ts and check/ensemble.ts when present in
 *   this build (loaded lazily; adapters below). osc and watches take the sessions' closes and the container manager's
 *   deletes from the trace (committedCloses, serverDeletes).
 */
import type { HistoryEvent, Operation } from '../check/history.js';
import { UNMODELLED_READS, isSequentialMode, pairOperations, serverDeletable, withServerDeletes, type ServerDelete } from '../check/history.js';
import { checkOperations, formatResult } from '../check/linearizability.js';
import type { TraceEvent } from '../sim/trace.js';
import { modelled, znodeModel } from './znode-model.js';
import type { Verdict } from './verdict.js';
import { NO_TTL_NODE, checkTtl, checkUniqueVersions, checkWatchAtMostOnce } from './light-checks.js';

export interface CheckInput {
  history: HistoryEvent[];
  /** The recorded trace, when the run kept it (the ensemble checker needs it). */
  trace?: TraceEvent[];
  servers: number;
  workload: string;
  /** Properties to skip (not run at all). */
  skip?: string[];
  /**
   * pairOperations(history), when the caller has it: runAllChecks pairs the history once and hands the same array to
   * every checker (each only reads it), instead of each pairing it again. Without it, each checker pairs the history.
   */
  operations?: readonly Operation[];
}

export function checkLinearizable(input: CheckInput): Verdict {
  const withReads = input.servers === 1;
  let ops;
  try {
    const paired = input.operations ?? pairOperations(input.history);
    // The deletes the container manager made, from the trace (as osc takes them): with them in the history, container
    // and TTL nodes stay in scope. Without a trace that names them all, those nodes are left out, as ephemerals are
    // (the sessions' closes, which delete them, are not in this history).
    const own = knownServerDeletes(input.trace);
    const all = own ? withServerDeletes(paired, own) : paired;
    // Nodes named by sequential creates are out of the model's scope, and so are the nodes a multi touches (the model
    // has no multi), the nodes that exist before the run and the nodes the servers may delete with no delete in this
    // history: drop every operation on them, or a read would show a change the filtered history lacks.
    const seqPrefixes = new Set<string>();
    const leftOut = new Set<string>();
    const sequentialCreate = (a: { path?: unknown; mode?: unknown }): boolean => typeof a.path === 'string' && isSequentialMode(a.mode);
    for (const o of all) {
      const a = (o.args ?? {}) as { path?: unknown; mode?: unknown; ops?: unknown };
      if (o.op === 'create' && sequentialCreate(a)) seqPrefixes.add(a.path as string);
      else if (o.op === 'create' && typeof a.path === 'string' && serverDeletable(a.mode, own !== undefined)) leftOut.add(a.path);
      if (o.op === 'multi' && Array.isArray(a.ops)) {
        for (const sub of a.ops as Array<{ op?: unknown; path?: unknown; mode?: unknown }>) {
          if (typeof sub?.path !== 'string') continue;
          if (sub.op === 'create' && sequentialCreate(sub)) seqPrefixes.add(sub.path);
          else leftOut.add(sub.path);
        }
      }
    }
    const outOfScope = (path: string): boolean => {
      // the model starts every znode absent: '/' and /zookeeper (and below) exist before the run
      if (path === '/' || path === '/zookeeper' || path.startsWith('/zookeeper/')) return true;
      // nodes a multi touches, and nodes a create may have made ephemeral (the servers delete them at a session's
      // close, with no delete in the history), or container or TTL when the trace does not give the container
      // manager's deletes
      if (leftOut.has(path)) return true;
      for (const p of seqPrefixes) if (path.startsWith(p) && /^\d{10}$/.test(path.slice(p.length))) return true;
      return false;
    };
    ops = all.filter((o) => modelled(o, withReads) && !outOfScope(String((o.args as { path?: unknown }).path)));
  } catch (e) {
    return { property: 'linearizable', ok: false, explanation: `malformed history: ${String(e)}` };
  }
  if (ops.length === 0) return { property: 'linearizable', ok: null, explanation: 'not checked: no operation the znode model covers' };
  const r = checkOperations(znodeModel, forgetUnreadData(ops), { maxExplored: SEARCH_BUDGET, maxCacheWords: SEARCH_MEMORY_WORDS });
  const scope = withReads ? 'reads and writes' : 'writes';
  if (r.verdict === 'linearizable') return { property: 'linearizable', ok: true, explanation: `${ops.length} operations (${scope}) linearizable in ${r.partitions} znode(s)${unmodelledNote(input)}` };
  if (r.verdict === 'unknown') return { property: 'linearizable', ok: null, explanation: `not checked: ${r.unknownReason !== undefined ? `${r.unknownReason}, ` : ''}the search gave up after ${r.explored} configurations (${ops.length} operations)` };
  // The counterexample with the data the clients wrote (the same search without the placeholder, when it decides).
  const shown = checkOperations(znodeModel, ops, { maxExplored: SEARCH_BUDGET, maxCacheWords: SEARCH_MEMORY_WORDS });
  return { property: 'linearizable', ok: false, explanation: formatResult(shown.verdict === 'not-linearizable' ? shown : r) };
}


/**
 * "; N reads not checked (...)" when the history has reads the linearizability model leaves out (UNMODELLED_READS:
 * multiRead, getEphemerals, getAllChildrenNumber; osc checks them), else "" (so the verdicts of runs without them read
 * as before). Left out because: this model is partitioned by znode (a multiRead or a getAllChildrenNumber reads
 * several at once), its scope leaves ephemerals out (their sessions' closes are not in its history: getEphemerals
 * reads nothing else), and it takes reads only on a standalone server, where osc already places every read that
 * carries a zxid at that zxid.
 */
function unmodelledNote(input: CheckInput): string {
  let n = 0;
  for (const e of input.history) if (e.kind === 'invoke' && UNMODELLED_READS.has(e.op)) n++;
  return n === 0 ? '' : `; ${n} multiRead/getEphemerals/getAllChildrenNumber read(s) not checked (the model does not follow them)`;
}

/**
 * Writes whose data no read (in `ops`) returned get one placeholder value instead: no read can tell such values
 * apart, so the verdict is the same, and unknown writes that differ only there become interchangeable for the
 * search (the model's stepKey). With writes only (an ensemble), every value is unread.
 */
function forgetUnreadData(ops: Operation[]): Operation[] {
  const read = new Set<string>();
  for (const o of ops) if (o.op === 'getData' && o.status === 'ok') read.add(JSON.stringify((o.result as { data?: unknown } | null)?.data ?? null));
  // the placeholder must be a value no read returned (as in check/models/znode.ts's forgetUnreadData, for OSC's steps)
  let unread = '\u0000(data no read returned)';
  while (read.has(JSON.stringify(unread))) unread += '.';
  return ops.map((o) => {
    if (o.op !== 'create' && o.op !== 'setData') return o;
    const a = (o.args ?? {}) as { data?: unknown };
    if (read.has(JSON.stringify(a.data ?? null))) return o;
    return { ...o, args: { ...a, data: unread } };
  });
}

/**
 * How many configurations a search may explore before the property is reported as not checked. A count, not a time:
 * a seed gets the same verdicts on every machine and in every worker (about 20 s of search here at worst).
 */
export const SEARCH_BUDGET = 1_000_000;
/**
 * The searches' memory budget, in 32-bit words (128 MB): the configurations' bits (linearizability) or session
 * positions (osc). Far above what the default runs take; a run of an hour with 20 clients filled a 4 GB heap without it.
 */
export const SEARCH_MEMORY_WORDS = 32 * 1024 * 1024;

type Adapter = (input: CheckInput) => Verdict;
const external: Record<string, { module: string; adapter: Adapter | null; why?: string }> = {
  osc: { module: '../check/osc.js', adapter: null },
  watches: { module: '../check/watches.js', adapter: null },
  ensemble: { module: '../check/ensemble.js', adapter: null },
};
let loaded = false;

/** Loads the optional checkers once (call before runAll; harmless when they are missing). */
export async function loadCheckers(): Promise<void> {
  if (loaded) return;
  loaded = true;
  for (const [name, entry] of Object.entries(external)) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(entry.module)) as Record<string, unknown>;
    } catch {
      entry.why = `check/${name}.ts is not in this build`;
      continue;
    }
    entry.adapter = makeAdapter(name, mod);
    if (!entry.adapter) entry.why = `check/${name}.ts has no entry point this runner knows`;
  }
}

/**
 * `read(trace)`, read once per trace: linearizable, unique-versions, osc and watches each ask for a run's closes or
 * deletes. Keyed by the array and its length, as a trace only grows (a workload may read the trace of a running run).
 */
function oncePerTrace<T>(read: (trace: readonly TraceEvent[]) => T): (trace: readonly TraceEvent[]) => T {
  const seen = new WeakMap<readonly TraceEvent[], { length: number; value: T }>();
  return (trace) => {
    let s = seen.get(trace);
    if (!s || s.length !== trace.length) seen.set(trace, (s = { length: trace.length, value: read(trace) }));
    return s.value;
  };
}

/**
 * The deletes the servers made by themselves (the leader's container manager deletes an empty container or an
 * expired TTL node: txns of session 0), from the trace: each proposal ('propose', with the node's path) and the first
 * 'apply' of it on any server (the same zxid and path; committed by then), in zxid order. `unreadable` counts the
 * zxids of such deletes that the trace does not name a node for (a trace of an older zksim) or names two nodes for
 * (one zxid applied as two different deletes): with any of them, the deletes cannot be added to the history.
 */
export const serverDeletes = oncePerTrace(readServerDeletes);

/** The servers' own deletes when the trace names every one (serverDeletes), else undefined (no trace, or not named). */
function knownServerDeletes(trace: readonly TraceEvent[] | undefined): ServerDelete[] | undefined {
  if (!trace) return undefined;
  const own = serverDeletes(trace);
  return own.unreadable === 0 ? own.deletes : undefined;
}

function readServerDeletes(trace: readonly TraceEvent[]): { deletes: ServerDelete[]; unreadable: number } {
  const deletes: ServerDelete[] = [];
  const latest = new Map<number, ServerDelete>(); // zxid → its latest proposal (a standalone server may reuse a zxid lost in a crash)
  const unreadable = new Set<number>();
  for (const e of trace) {
    if (e.session !== 0 || e.type !== 'delete' || typeof e.zxid !== 'number' || (e.kind !== 'propose' && e.kind !== 'apply')) continue;
    if (typeof e.path !== 'string') {
      unreadable.add(e.zxid);
      continue;
    }
    const d = latest.get(e.zxid);
    if (e.kind === 'propose') {
      const p: ServerDelete = { path: e.path, zxid: e.zxid, proposed: e.t, ...(typeof e.checked === 'number' ? { checked: e.checked } : {}) };
      deletes.push(p);
      latest.set(e.zxid, p);
    } else if (d === undefined) {
      // (an apply whose proposal the trace lacks: proposed at some time before)
      const p: ServerDelete = { path: e.path, zxid: e.zxid, proposed: 0, applied: e.t };
      deletes.push(p);
      latest.set(e.zxid, p);
    } else if (d.path !== e.path) unreadable.add(e.zxid);
    else d.applied ??= e.t;
  }
  // one entry per zxid: a proposal that was never applied, and then proposed again with its zxid, is left (it was
  // lost: a standalone server reuses zxids it had not logged when it crashed)
  const kept = deletes.filter((d) => latest.get(d.zxid) === d || d.applied !== undefined);
  return { deletes: kept.sort((a, b) => a.zxid - b.zxid), unreadable: unreadable.size };
}

/**
 * Session id → the first time and zxid at which its closeSession txn was known committed: a server applied it in
 * broadcast ('apply'), or a new leader's history holding it became committed ('history-close': closes that a
 * previous leader proposed and that commit only through the next leader's log are never applied in broadcast).
 */
export const committedCloses = oncePerTrace(readCommittedCloses);

function readCommittedCloses(trace: readonly TraceEvent[]): Map<string, { zxid: number; t: number }> {
  const out = new Map<string, { zxid: number; t: number }>();
  for (const e of trace) {
    if (!((e.kind === 'apply' && e.type === 'closeSession') || e.kind === 'history-close') || typeof e.zxid !== 'number') continue;
    const id = String(e.session);
    if (!out.has(id)) out.set(id, { zxid: e.zxid, t: e.t });
  }
  return out;
}

/** Adapters for the checkers of check/ (their exported API, turned into verdicts). */
function makeAdapter(name: string, mod: Record<string, unknown>): Adapter | null {
  if (name === 'osc' && typeof mod.checkOsc === 'function') {
    const checkOsc = mod.checkOsc as (
      h: readonly HistoryEvent[],
      o: { maxExplored?: number; maxVisitedWords?: number; sessionCloses?: Map<string, { zxid: number; t: number }>; serverDeletes?: ServerDelete[] },
      ops?: readonly Operation[],
    ) => { verdict: 'ok' | 'violation' | 'unknown'; operations: number; sessions: number; usedZxids: boolean; explored: number; assignmentsLeft?: boolean; memoryBudget?: boolean };
    const formatOsc = typeof mod.formatOsc === 'function' ? (mod.formatOsc as (r: unknown) => string) : (r: unknown) => JSON.stringify(r).slice(0, 2000);
    return (input) => {
      // The container manager's deletes, which no client made, join the history as operations of the servers (taken
      // from the trace, as the sessions' closes are); a trace that does not name their nodes leaves OSC unchecked.
      const byServers = input.trace ? serverDeletes(input.trace) : { deletes: [], unreadable: 0 };
      if (byServers.unreadable > 0) return { property: 'osc', ok: null, explanation: `not checked: the servers deleted ${byServers.unreadable} container or TTL node(s) by themselves, and the trace does not say which` };
      const opts = { maxExplored: SEARCH_BUDGET, maxVisitedWords: SEARCH_MEMORY_WORDS, ...(input.trace ? { sessionCloses: committedCloses(input.trace) } : {}), ...(byServers.deletes.length ? { serverDeletes: byServers.deletes } : {}) };
      const r = checkOsc(input.history, opts, input.operations);
      const own = byServers.deletes.length ? `, with the servers' ${byServers.deletes.length} own delete(s) of container or TTL nodes` : '';
      if (r.verdict === 'ok') return { property: 'osc', ok: true, explanation: `ordered sequential consistency holds: ${r.operations} operations, ${r.sessions} sessions${own}${r.usedZxids ? ' (zxid order)' : ''}` };
      if (r.verdict === 'unknown' && r.memoryBudget === true) return { property: 'osc', ok: null, explanation: `not checked: the OSC search reached its memory budget after ${r.explored} configurations (${r.operations} operations, ${r.sessions} sessions)` };
      if (r.verdict === 'unknown' && r.assignmentsLeft === true) return { property: 'osc', ok: null, explanation: `not checked: the OSC search gave up after ${r.explored} configurations (${r.operations} operations): every assignment of sequential names to unknown creates it searched failed, others were left` };
      if (r.verdict === 'unknown') return { property: 'osc', ok: null, explanation: `not checked: the OSC search gave up after ${r.explored} configurations (${r.operations} operations)` };
      return { property: 'osc', ok: false, explanation: formatOsc(r) };
    };
  }
  if (name === 'watches' && typeof mod.checkWatches === 'function') {
    const check = mod.checkWatches as (
      h: readonly HistoryEvent[],
      ops?: readonly Operation[],
      o?: { sessionCloses?: Map<string, { zxid: number; t: number }>; serverDeletes?: ServerDelete[] },
    ) => { ok: boolean; seen?: { registrations: number; events: number; changes: number; ordered?: number; unordered?: number } };
    const format = typeof mod.formatWatches === 'function' ? (mod.formatWatches as (r: unknown) => string) : (r: unknown) => JSON.stringify(r).slice(0, 2000);
    return (input) => {
      // The changes the servers made with no operation in the history, for W3 (event order): the sessions' closes,
      // which delete their ephemerals, and the container manager's deletes (all of them, or none when the trace does
      // not name every one). Without a trace, W3 leaves events that such changes may have caused unjudged.
      const own = knownServerDeletes(input.trace);
      const opts = input.trace ? { sessionCloses: committedCloses(input.trace), ...(own ? { serverDeletes: own } : {}) } : undefined;
      const r = check(input.history, input.operations, opts);
      const seen = r.seen;
      if (r.ok && seen && seen.registrations === 0 && seen.events === 0) return { property: 'watches', ok: null, explanation: 'not checked: no watch registered in the history' };
      const order = seen?.ordered !== undefined && seen.unordered !== undefined ? `; order (W3) judged for ${seen.ordered} of ${seen.ordered + seen.unordered} events of one-shot watches` : '';
      return r.ok
        ? { property: 'watches', ok: true, explanation: `watch delivery ok${seen ? ` (${seen.registrations} registrations, ${seen.events} events, ${seen.changes} changes${order})` : ''}` }
        : { property: 'watches', ok: false, explanation: format(r) };
    };
  }
  if (name === 'ensemble' && typeof mod.checkEnsemble === 'function') {
    const check = mod.checkEnsemble as (t: readonly unknown[], h?: readonly HistoryEvent[], ops?: readonly Operation[]) => { ok: boolean; seen?: { leaders: number; applies: number; commits: number; nodes: number } };
    const format = typeof mod.formatEnsemble === 'function' ? (mod.formatEnsemble as (r: unknown) => string) : (r: unknown) => JSON.stringify(r).slice(0, 2000);
    return (input) => {
      if (!input.trace) return { property: 'ensemble', ok: null, explanation: 'not checked: the run kept no trace' };
      const r = check(input.trace, input.history, input.operations);
      return r.ok
        ? { property: 'ensemble', ok: true, explanation: typeof mod.formatEnsemble === 'function' ? format(r) : 'ensemble invariants hold' }
        : { property: 'ensemble', ok: false, explanation: format(r) };
    };
  }
  // Otherwise (another API than expected): a defensive adapter over `checkWatches(history)` /
  // `checkEnsemble(trace)`; a result it does not recognise is reported as not checked.
  const fnName = name === 'watches' ? 'checkWatches' : name === 'ensemble' ? 'checkEnsemble' : '';
  const fn = mod[fnName];
  if (typeof fn !== 'function') return null;
  const format = Object.entries(mod).find(([k, v]) => /^format/.test(k) && typeof v === 'function')?.[1] as ((r: unknown) => string) | undefined;
  return (input) => {
    if (name === 'ensemble' && !input.trace) return { property: name, ok: null, explanation: 'not checked: the run kept no trace' };
    const r = (fn as (x: unknown) => unknown)(name === 'ensemble' ? input.trace : input.history);
    const ok = interpret(r);
    const text = format ? safe(() => format(r)) : JSON.stringify(r)?.slice(0, 2000) ?? '';
    if (ok === null) return { property: name, ok: null, explanation: `not checked: unrecognised result from ${fnName}: ${text.slice(0, 200)}` };
    return { property: name, ok, explanation: ok ? `${fnName}: ok` : text };
  };
}

function safe(f: () => string): string {
  try {
    return f();
  } catch (e) {
    return String(e);
  }
}

/** true / false / null (unknown shape or gave up) from a checker result. */
function interpret(r: unknown): boolean | null {
  if (typeof r === 'boolean') return r;
  if (!r || typeof r !== 'object') return null;
  const o = r as Record<string, unknown>;
  if (typeof o.verdict === 'string') {
    if (['ok', 'pass', 'passed', 'linearizable', 'valid'].includes(o.verdict)) return true;
    if (['violation', 'fail', 'failed', 'not-linearizable', 'invalid'].includes(o.verdict)) return false;
    return null;
  }
  if (typeof o.ok === 'boolean') return o.ok;
  if (typeof o.valid === 'boolean') return o.valid;
  if (Array.isArray(o.violations)) return o.violations.length === 0;
  return null;
}

/** Whether a checker is loaded and usable (the runner records the trace only when a checker that reads it runs). */
export function checkerAvailable(name: string): boolean {
  return !!external[name]?.adapter;
}

/** The nodes the servers deleted by themselves, when the trace names every such delete (else undefined). */
function serverDeletedPaths(trace: readonly TraceEvent[] | undefined): Set<string> | undefined {
  const own = knownServerDeletes(trace);
  return own ? new Set(own.map((d) => d.path)) : undefined;
}

export function runAllChecks(input: CheckInput): Verdict[] {
  // The checkers below all read the history's operations: pair it once for all of them.
  if (input.operations === undefined) {
    try {
      input = { ...input, operations: pairOperations(input.history) };
    } catch {
      // a malformed history: each checker below pairs it, meets the error and reports it its own way, as alone
    }
  }
  const skip = new Set(input.skip ?? []);
  const skipped = (property: string): Verdict => ({ property, ok: null, explanation: 'not checked: skipped (--skip-check)' });
  const out: Verdict[] = [
    skip.has('linearizable') ? skipped('linearizable') : checkLinearizable(input),
    skip.has('unique-versions') ? skipped('unique-versions') : checkUniqueVersions(input.history, input.operations, serverDeletedPaths(input.trace)),
    skip.has('watch-at-most-once') ? skipped('watch-at-most-once') : checkWatchAtMostOnce(input.history),
  ];
  // ttl: only in runs that created TTL nodes (every other run's verdicts stay as they were)
  if (skip.has('ttl')) out.push(skipped('ttl'));
  else {
    const ttl = checkTtl(input.history, input.trace ? knownServerDeletes(input.trace) : undefined, input.operations);
    if (ttl !== NO_TTL_NODE) out.push(ttl);
  }
  for (const [name, entry] of Object.entries(external)) {
    if (skip.has(name)) {
      out.push(skipped(name));
      continue;
    }
    if (!entry.adapter) {
      out.push({ property: name, ok: null, explanation: `not checked: ${entry.why ?? 'checkers not loaded'}` });
      continue;
    }
    try {
      out.push(entry.adapter(input));
    } catch (e) {
      out.push({ property: name, ok: null, explanation: `not checked: the checker threw ${String(e)}` });
    }
  }
  return out;
}
