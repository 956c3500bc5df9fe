/**
 * ZooKeeper's own guarantee: ordered sequential consistency with A = all updates (Lev-Ari, Bortnikov, Keidar,
 * Shraer, USENIX ATC 2016; zookeeper-semantics.md §7). A history passes iff there is one legal sequential order S of
 * its operations such that
 *   1. S keeps each session's program order (the order of its invocations — also for requests a client pipelines,
 *      e.g. getData sent right behind a sync before its reply: the read follows the sync, so rule 3 covers it);
 *   2. updates (create, delete, setData, multi, closeSession — failed ones too, as their error results are
 *      linearization points) keep real-time order: if update a returned before update or sync b was invoked (in the
 *      history's order of events, history.ts `precedes`: also within one millisecond), a precedes b in S;
 *   3. a `sync` follows every update that returned before the sync was invoked, so a later read of the same session
 *      reflects those updates — except a sync that a leader change overlapped, seen in the zxids (ZOOKEEPER-1675: a
 *      deposed leader answers it from stale state), which counts as a plain read; `strictSync` true/false makes every
 *      sync strict / none;
 *   4. an update with unknown outcome (info) takes effect never, or at any point after its invocation (after the
 *      session's operations invoked before it), but before the session's next completed update or sync, its next
 *      unknown update and its end (zookeeper-semantics §6.7, §7.5: FIFO and the owner check at the leader); it may
 *      follow later reads of its session (served by a server that had not applied it yet).
 * Reads are not ordered in real time: a stale read is allowed (H1) as long as the session's reads move forward
 * (monotonic reads follow from 1 and the single order) and see the session's own writes.
 *
 * zxids: when operations carry the zxid of their reply (history.ts), the checker also uses them: updates with a
 * zxid are placed in zxid order, and a read with zxid z sees exactly the updates with zxid ≤ z (so the search is
 * linear). Without zxids (e.g. Porcupine's kv format: get = getData, put = setData −1, one process = one session)
 * the search finds the order: a depth-first search over (per-session positions, tree state) with memoisation;
 * reads and failed updates that are legal when reached are placed at once (placing an operation that changes
 * nothing as early as its constraints allow never hurts — except a failed update that carries a zxid, which moves
 * the zxid prefix and is therefore placed in zxid order like any update), so it branches only over concurrent updates.
 *
 * With zxids the search also looks ahead (many sessions, many unknown outcomes: 16-client naming seeds 50038, ...): a
 * state is a dead end as soon as some session's next read with a zxid can no longer be legal (a znode it listed is
 * missing and nothing that may still come before it can create it, or one it did not list exists and nothing can
 * delete it), or the next completed sequential create can no longer succeed; an unknown op that a later operation of
 * its session waits for is decided only when that operation could come but for it; and assignments of recovered
 * sequential names that a later read rules out are skipped without a search (vanishingNames). On the znodes that
 * updates of unknown outcome write (and ephemerals), the look-ahead also follows versions and data: a read with a
 * zxid, or a completed update with a zxid, that saw a version the updates which may still come before it can no
 * longer reach (or fall back to, with no delete left), or data nothing left can write, makes the state a dead end
 * (16-client registers seed 50044 with group commit: a wrong guess on /r1 was found only at a later write, after every
 * subset of the unknown writes of /r0 offered meanwhile: 791,812 configurations, now 711).
 *
 * Memoisation keys the per-session positions exactly and the tree by two independent 32-bit hashes; a hash
 * collision could only prune a branch, i.e. at worst report a violation that a re-run with another seed of the
 * hash would not (it can never pass a broken history).
 */
import { VisitedConfigurations } from './visited.js';
import { UNMODELLED_READS, ZkError, comparePoints, describeOperation, epochOf, pairOperations, precedes, withServerDeletes, type HistoryEvent, type Operation, type Process, type ServerDelete } from './history.js';
import { checkOperations } from './linearizability.js';
import { countBelow } from './sorted.js';
import { mix32 } from './models/model.js';
import { MutableTree, applyZk, authOf, forgetUnreadData, initialTree, looseCounts, parentOf, isReadOnly, isUpdate, prepareZk, sequentialNameResolver, znodeModel, type ZkStep } from './models/znode.js';

/** When a session's closeSession txn was first committed (applied), from the servers' trace. */
export interface SessionClose {
  zxid: number;
  t: number;
}

export interface OscOptions {
  /** Session id (as a string) → its committed close, from the trace; refines the end of expired sessions. */
  sessionCloses?: ReadonlyMap<string, SessionClose>;
  /** The deletes the servers made by themselves, from the trace: added to the history (history.ts withServerDeletes). */
  serverDeletes?: readonly ServerDelete[];
  timeoutMs?: number;
  /**
   * Give up (verdict 'unknown') after this many configurations, summed over everything the check tries: unlike a
   * timeout, the same verdict on every machine.
   */
  maxExplored?: number;
  /**
   * Assignments of sequential names to unknown creates searched at most (default 1,024). When every one searched
   * fails but more remain, the verdict is 'unknown' (with `assignmentsLeft`), not a violation: an untried one may pass.
   */
  maxAssignments?: number;
  /**
   * Give up (verdict 'unknown', with `memoryBudget`) once a search's visited configurations hold this many 32-bit
   * words of session positions (one per session per configuration): the search's memory, bounded the same on every
   * machine. With hundreds of sessions (long runs with many clients), maxExplored alone let a check fill the heap.
   */
  maxVisitedWords?: number;
  /**
   * Treat sync as in the contract: a read after sync sees every write completed before the sync. Default: strict,
   * except a sync that a leader change overlapped (ZOOKEEPER-1675: a deposed leader that does not know it yet answers
   * syncs from its stale state), seen in the zxids: the sync's reply is from an older epoch than a reply some
   * operation got before the sync returned. true: every sync strict; false: none.
   */
  strictSync?: boolean;
  /** Use zxids recorded in the history (default true). */
  useZxids?: boolean;
  /** Skip the linearizability shortcut (tests of the search itself). */
  noShortcut?: boolean;
}

export interface OscResult {
  verdict: 'ok' | 'violation' | 'unknown';
  operations: number;
  sessions: number;
  /** Configurations explored. */
  explored: number;
  usedZxids: boolean;
  /** True when the history was found linearizable (which implies OSC) without the OSC search. */
  linearizable?: boolean;
  /** On a violation: the longest prefix of a legal order found, and for each session its next operation and why it cannot come next. */
  prefix?: Operation[];
  blocked?: Array<{ op: Operation; reason: string }>;
  state?: string;
  /** 'unknown' because every assignment of sequential names searched (maxAssignments) failed and others were left. */
  assignmentsLeft?: boolean;
  /** 'unknown' because a search reached maxVisitedWords. */
  memoryBudget?: boolean;
}

type CreateSub = Extract<Extract<ZkStep, { k: 'write' }>['subs'][number], { k: 'create' }>;

interface Item {
  op: Operation;
  step: ZkStep;
  proc: number;
  update: boolean; // in A: real-time ordered
  sync: boolean;
  readOnly: boolean;
  unknown: boolean;
  zxid: number; // -1 when not used
  rtIndex: number; // index in the ret-sorted list of finite A-ops, or -1
  idx: number; // index in `items` (of the per-item arrays)
  z: number; // Zobrist word
  /** A floating unknown update: its session, and how many of the session's operations must be placed before it. */
  sess?: number;
  after?: number;
  /** Floating unknown updates of the session that must be decided (placed or dropped) before this one. */
  waitFor?: Item[];
}

/**
 * Checks a history for ordered sequential consistency. `operations`: pairOperations(history), when the caller has it
 * already (explore's runAllChecks pairs a run's history once for all its checkers, so this only reads it).
 */
export function checkOsc(history: readonly HistoryEvent[], opts: OscOptions = {}, operations?: readonly Operation[]): OscResult {
  return checkOscOperations(withServerDeletes(withSessionEnds(history, opts.sessionCloses, operations), opts.serverDeletes), opts);
}

/**
 * Adds a synthetic closeSession operation for every session that the client saw expire or close (a `session` event
 * with state 'expired' or 'closed'): from the session's last reply to the event. (The OSC check moves its start back
 * to the last invocation of a completed operation, see `earlierEnds`, and puts it after all of the session's
 * operations in its program order.) `operations` as in checkOsc; returned as is when no session ended (hence readonly).
 */
export function withSessionEnds(history: readonly HistoryEvent[], closes?: ReadonlyMap<string, SessionClose>, operations?: readonly Operation[]): readonly Operation[] {
  const ops = operations ?? pairOperations(history);
  // The session id of each process, from its session events (for the closes known from the servers' trace).
  const sessionOf = new Map<Process, string>();
  for (const e of history) if (e.kind === 'session' && e.sessionId !== undefined) sessionOf.set(e.process, String(e.sessionId));
  const ends: Operation[] = [];
  const closed = new Set<Process>(); // processes that have a closeSession of their own
  for (const o of ops) if (o.op === 'closeSession') closed.add(o.process);
  const lastDone = new Map<Process, number>();
  for (const o of ops) if (Number.isFinite(o.ret) && o.ret > (lastDone.get(o.process) ?? -Infinity)) lastDone.set(o.process, o.ret);
  let id = -1;
  const disconnected = new Map<Process, boolean>(); // is the client disconnected (its last state event)?
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    if (e.kind === 'session' && (e.state === 'connected' || e.state === 'disconnected')) disconnected.set(e.process, e.state === 'disconnected');
    if (e.kind !== 'session' || (e.state !== 'expired' && e.state !== 'closed')) continue;
    if (closed.has(e.process)) continue;
    const call = Math.min(lastDone.get(e.process) ?? e.time, e.time);
    // When the servers' trace says when and at which zxid the close was committed, use it: in ZooKeeper 3.8 a leader
    // answers the reattach of a session it is closing with Expired before its closeSession commits, and if that
    // leader is deposed the next one commits the close seconds later (explore seeds 720, 2124, ...).
    const sid = sessionOf.get(e.process);
    // The same for a session the client closed: close() ends the client even when its closeSession got no reply (the
    // connection was lost first), and the servers close the session later, when the request gets through or the
    // session times out (a discovery recipe: c3's ephemeral outlived its close by 1.4 s, seed 27).
    const close = sid !== undefined ? closes?.get(sid) : undefined;
    // The end then carries the close's zxid (the history stays in zxid order) and its interval contains the commit:
    // it starts by then, even when the client saw Expired much later (an update returning in between may have a
    // larger zxid: explore naming seeds 114, 469, ...); nothing is applied anywhere before a committed txn's first
    // apply with a larger zxid, so no update that returned before close.t follows the close in zxid order.
    // (the shape of pairOperations' operations; retIndex -1: times only, history.ts precedes, as its times come from a
    // session event and the servers' trace, not from events of this operation)
    if (close) ends.push({ id: id--, process: e.process, op: 'closeSession', args: null, call: Math.min(call, close.t), ret: Math.max(e.time, close.t), status: 'ok', index: i, retIndex: -1, result: undefined, error: undefined, zxid: close.zxid });
    // A close() whose reply never came (the client was disconnected when it ended: the connection was lost with the
    // closeSession in flight, or close() was called while disconnected) and whose commit the servers' trace never
    // shows: the servers closed the session later, when the request got through or it timed out, through a txn that
    // no record may name (loaded from a snapshot after a power loss). It ends at some time after its call, not
    // necessarily before the client's 'closed' (discovery recipe, 5 servers, seed 18). An acknowledged close, and
    // an expiry, keep their ends: a zoo bug that keeps an expired session's ephemerals stays caught.
    else if (e.state === 'closed' && closes !== undefined && disconnected.get(e.process) === true) ends.push({ id: id--, process: e.process, op: 'closeSession', args: null, call, ret: Infinity, status: 'ok', index: i, retIndex: -1, result: undefined, error: undefined, zxid: undefined });
    else ends.push({ id: id--, process: e.process, op: 'closeSession', args: null, call, ret: e.time, status: 'ok', index: i, retIndex: -1, result: undefined, error: undefined, zxid: undefined });
  }
  if (!ends.length) return ops;
  return [...ops, ...ends].sort((a, b) => a.call - b.call || a.index - b.index);
}

/** True for the synthetic closeSession that withSessionEnds adds (negative id). */
export function isSessionEnd(o: Operation): boolean {
  return o.op === 'closeSession' && o.id < 0;
}

/**
 * A session's end took effect after every completed operation of the session took effect, so after their
 * invocations — not necessarily after their replies: a paused client can receive a reply after the server expired
 * its session (seed 610). Moves the start of each synthetic session end back to the last such invocation.
 */
function earlierEnds(ops: readonly Operation[]): readonly Operation[] {
  if (!ops.some(isSessionEnd)) return ops;
  // (with no completed operation, it may come right after the session's first invocation: only its unknown
  // operations, which program order keeps before it, can precede it)
  const lastCall = new Map<Process, number>();
  for (const o of ops) if (!isSessionEnd(o) && !lastCall.has(o.process)) lastCall.set(o.process, o.call);
  const done = new Set<Process>();
  for (const o of ops) {
    if (isSessionEnd(o) || !Number.isFinite(o.ret)) continue;
    if (!done.has(o.process) || o.call > lastCall.get(o.process)!) lastCall.set(o.process, o.call);
    done.add(o.process);
  }
  return ops.map((o) => (isSessionEnd(o) && lastCall.has(o.process) && lastCall.get(o.process)! < o.call ? { ...o, call: lastCall.get(o.process)! } : o));
}

export function checkOscOperations(opsAsGiven: readonly Operation[], opts: OscOptions = {}): OscResult {
  // addWatch and removeWatches read and change no znode (only the session's watches, which the watch checker judges):
  // not operations of the OSC model. The 3.6+ reads are (READS_36: multiRead, getEphemerals, getAllChildrenNumber):
  // each is one read of the state at one point, like getData (a server answers the whole request at one point of its
  // log: ZooKeeper's FinalRequestProcessor runs a multiRead's reads in one loop, and its CommitProcessor drains the
  // reads in progress before it applies a commit).
  const leftOut = (o: Operation): boolean => o.op === 'removeWatches' || o.op === 'addWatch';
  const opsIn = earlierEnds(opsAsGiven.some(leftOut) ? opsAsGiven.filter((o) => !leftOut(o)) : opsAsGiven);
  // One deadline and one budget for everything below (the shortcut and every assignment tried).
  const limits: Limits = { deadline: opts.timeoutMs !== undefined ? performance.now() + opts.timeoutMs : Infinity, max: opts.maxExplored ?? Infinity, spent: 0 };
  // Shortcut: a linearizable history is OSC (a linearization keeps real time for every operation, hence program
  // order, the updates' real-time order and sync). Only when no unknown operation is followed by another operation of
  // its session (linearizability would let it take effect after them, OSC does not), and syncs are strict.
  if (opts.strictSync !== false && !opts.noShortcut) {
    // Each session's last invocation, in real-time order (history.ts: pipelined operations invoked in the same
    // millisecond are ordered by their positions). A synthetic session end counts as the session's last operation
    // (it follows the session's unknown writes): then no unknown operation of the session is last.
    const lastCall = new Map<Process, Operation | null>();
    for (const o of opsIn) {
      const last = lastCall.get(o.process);
      if (last === null) continue;
      if (isSessionEnd(o)) lastCall.set(o.process, null);
      else if (last === undefined || comparePoints(o, false, last, false) > 0) lastCall.set(o.process, o);
    }
    // With zxids on every completed update the OSC search is linear anyway.
    const zxids = opts.useZxids !== false && opsIn.some((o) => o.zxid !== undefined);
    // A session end must also follow its session's operations in real time (linearizability would otherwise let
    // an operation of the session take effect after its end).
    // (strictly, in real-time order: an operation that returned in the millisecond the end starts is concurrent with
    // it, and linearizability could place the end first)
    const endOf = new Map<Process, Operation>();
    for (const o of opsIn) if (isSessionEnd(o)) endOf.set(o.process, o);
    const endsAfter = opsIn.every((o) => isSessionEnd(o) || !endOf.has(o.process) || precedes(o, endOf.get(o.process)!));
    // (not with the 3.6+ reads, which the linearizability model does not take: UNMODELLED_READS)
    if (!zxids && endsAfter && opsIn.every((o) => (o.status !== 'unknown' || lastCall.get(o.process) === o) && !UNMODELLED_READS.has(o.op))) {
      // (half of the time and of the budget at most: the search below may still answer)
      const half: { timeoutMs?: number; maxExplored?: number; maxCacheWords?: number } = {};
      if (opts.timeoutMs !== undefined) half.timeoutMs = opts.timeoutMs / 2;
      if (opts.maxExplored !== undefined) half.maxExplored = Math.floor(opts.maxExplored / 2);
      if (opts.maxVisitedWords !== undefined) half.maxCacheWords = Math.floor(opts.maxVisitedWords / 2);
      const lin = checkOperations(znodeModel, opsIn, half);
      if (lin.verdict === 'linearizable') {
        return { verdict: 'ok', operations: opsIn.length, sessions: lastCall.size, explored: lin.explored, usedZxids: false, linearizable: true };
      }
      limits.spent += lin.explored;
    }
  }
  // Unknown sequential creates get the names seen later (resolveSequentialNames). When several creates could have
  // made a name, each assignment is one possible explanation: try up to MAX_ASSIGNMENTS of them (any that passes is a
  // legal order; the time and configuration limits hold over all of them).
  // The choices form a tree: a choice changes the candidates of the names after it, so the later choice points and
  // their counts depend on it. Each tried assignment `pick` (trailing defaults dropped) opens its children: one more
  // step at its last explicit choice or at any later choice point (each assignment has one parent: undo the last
  // step). They are tried fewest steps from the defaults first (each single change before any pair, ...).
  // An assignment that vanishingNames rules out would fail its search: it is skipped without one and is not counted
  // among the MAX_ASSIGNMENTS tried (up to MAX_SKIPPED of them), so the order of the assignments and every search
  // that is run stay as before. (16-client naming seed 50118: the first 1,903 assignments gave a name that a later
  // read no longer lists to a create whose session never ends; the 1,904th passes.)
  const vanishing = vanishingNames(opsIn, opts);
  const resolve = sequentialNameResolver(opsIn);
  let first: OscResult | undefined;
  const queue = new AssignmentQueue();
  queue.open([]);
  const maxAssignments = opts.maxAssignments ?? MAX_ASSIGNMENTS;
  let attempt = 0;
  for (let skipped = 0; attempt < maxAssignments; ) {
    const pick = queue.next();
    if (pick === undefined) break;
    const counts: number[] = [];
    const resolved = resolve(pick, counts);
    if (skipped < MAX_SKIPPED && vanishing(resolved)) skipped++;
    else {
      attempt++;
      const r = searchOsc(resolved, opts, limits);
      if (r.verdict === 'unknown') return { ...r, explored: limits.spent + r.explored };
      if (r.verdict === 'ok') return r;
      limits.spent += r.explored;
      first ??= r;
    }
    for (let i = Math.max(0, pick.length - 1); i < counts.length; i++) {
      const child = pick.slice(0, i + 1);
      while (child.length <= i) child.push(0);
      if (child[i]! + 1 < counts[i]!) {
        child[i]!++;
        queue.open(child);
      }
    }
  }
  if (first) {
    // Every assignment searched failed. With assignments left untried (the cap cut the enumeration) the history is
    // not proven wrong: one of them may be the right names (naming, 20 clients, 300 s, seed 5: 1,024 searched and
    // failed within 72,000 configurations, a false violation).
    if (attempt >= maxAssignments && queue.next() !== undefined) return { verdict: 'unknown', operations: first.operations, sessions: first.sessions, explored: limits.spent, usedZxids: first.usedZxids, assignmentsLeft: true };
    return first;
  }
  // (every assignment was ruled out: the search of the default one says why)
  const r = searchOsc(resolve(), opts, limits);
  return r.verdict === 'unknown' ? { ...r, explored: limits.spent + r.explored } : r;
}

/**
 * The assignments of sequential names waiting to be tried: fewest steps from the defaults (the sum of `pick`) first,
 * in the order they were opened among equals. One list per number of steps: a scan of all of them for the fewest
 * made a long check quadratic in the assignments opened (tens of thousands with 20 sessions).
 */
export class AssignmentQueue {
  private readonly bySteps: number[][][] = [];
  private lowest = 0;
  open(pick: number[]): void {
    const steps = pick.reduce((a, b) => a + b, 0);
    (this.bySteps[steps] ??= []).push(pick);
    if (steps < this.lowest) this.lowest = steps;
  }
  /** The next assignment to try, or undefined when none is left. */
  next(): number[] | undefined {
    while (this.lowest < this.bySteps.length && !this.bySteps[this.lowest]?.length) this.lowest++;
    return this.lowest < this.bySteps.length ? this.bySteps[this.lowest]!.shift() : undefined;
  }
}

/** An entry of a look-ahead list: an operation (item) of the search and, for a creator, its create. */
interface AheadEntry {
  it: Item;
  sub: CreateSub | null;
}
/**
 * A look-ahead list (a node's creators or removers, a session's closes, the writers of a value) split for the
 * question the search asks at every step — may one not placed yet still come before a read that saw zxid z? — the
 * entries without a zxid (all asked), and those with one in zxid order, with a cursor: byZxid[0..first) are placed.
 * The search places completed updates in zxid order, so the cursor skips the placed ones at once; a scan from the
 * start was most of the cost of long, busy histories (20-client inventory: 93% of the run in OSC).
 */
interface AheadList {
  free: AheadEntry[];
  byZxid: AheadEntry[];
  first: number;
}
function makeAheadList(entries: readonly AheadEntry[]): AheadList {
  const free = entries.filter((e) => e.it.zxid < 0);
  const byZxid = entries.filter((e) => e.it.zxid >= 0).sort((x, y) => x.it.zxid - y.it.zxid);
  return { free, byZxid, first: 0 };
}

/** How many assignments ruled out by vanishingNames a check skips at most (each costs one call of the resolver). */
const MAX_SKIPPED = 20_000;

/**
 * With zxids: a test of an assignment of sequential names (resolveSequentialNames) that needs no search. A name given
 * to a create of unknown outcome that a read (getChildren with a zxid) listed and a later read (separated from it by a
 * completed update's zxid, so placed after it) no longer lists must have been removed in between; when no operation
 * deletes it, only the close of its ephemeral owner can: the create must be ephemeral and its session must have a
 * close, without zxid or with a zxid up to the later read's. Returns a function that is true when an assignment
 * breaks this (its search would fail); always false when the history has no zxids to go by (the search would not use
 * them either).
 */
function vanishingNames(ops: readonly Operation[], opts: OscOptions): (resolved: readonly Operation[]) => boolean {
  // Built when first needed: only an assignment that names a create of unknown outcome can break it (most histories
  // have none), and an unknown create has a result only when resolveSequentialNames gave it a name.
  let test: ((resolved: readonly Operation[]) => boolean) | undefined | null = null;
  return (resolved) => {
    if (!resolved.some((o) => o.op === 'create' && o.status === 'unknown' && o.result !== undefined)) return false;
    if (test === null) test = buildVanishingNames(ops, opts);
    return test !== undefined && test(resolved);
  };
}

/** vanishingNames' test, or undefined when the history has no zxids to go by. */
function buildVanishingNames(ops: readonly Operation[], opts: OscOptions): ((resolved: readonly Operation[]) => boolean) | undefined {
  if (opts.useZxids === false) return undefined;
  const READS = new Set(['getData', 'exists', 'getChildren', 'sync', 'get', 'multiRead', 'getEphemerals', 'getAllChildrenNumber', 'getACL', 'whoAmI', 'addAuth']);
  const updateZxids: number[] = [];
  for (const o of ops) {
    if (READS.has(o.op) || o.status === 'unknown' || isSessionEnd(o)) continue;
    if (typeof o.zxid !== 'number') return undefined;
    if (o.status === 'ok') updateZxids.push(o.zxid); // (a failed one may be no update to the search)
  }
  for (const o of ops) if (isSessionEnd(o) && typeof o.zxid === 'number') updateZxids.push(o.zxid);
  if (!updateZxids.length) return undefined;
  updateZxids.sort((a, b) => a - b);
  /** The smallest zxid of a completed update above z (Infinity if none). */
  const updateAfter = (z: number): number => {
    const i = countBelow(updateZxids, z, true);
    return i < updateZxids.length ? updateZxids[i]! : Infinity;
  };
  // Paths that some operation deletes, or creates otherwise than by an unknown sequential create: not judged.
  const otherwise = new Set<string>();
  const arg = (a: unknown, k: string): unknown => (a && typeof a === 'object' ? (a as Record<string, unknown>)[k] : undefined);
  const note = (o: unknown, op: unknown, result: unknown): void => {
    const path = arg(o, 'path');
    if (typeof path !== 'string') return;
    if (op === 'delete' || (op === 'create' && !String(arg(o, 'mode') ?? '').includes('SEQUENTIAL'))) otherwise.add(path);
    const made = arg(result, 'path');
    if (op === 'create' && typeof made === 'string') otherwise.add(made);
  };
  for (const o of ops) {
    note(o.args, o.op, o.result);
    const subs = o.op === 'multi' ? arg(o.args, 'ops') : undefined;
    const results = arg(o.result, 'results');
    if (Array.isArray(subs)) subs.forEach((sub, i) => note(sub, arg(sub, 'op'), Array.isArray(results) ? results[i] : undefined));
  }
  // Closes per process: the smallest zxid, or any time when one has none.
  const closeZxid = new Map<Process, number>();
  const closeAnyTime = new Set<Process>();
  for (const o of ops) {
    if (o.op !== 'closeSession' || o.status === 'fail') continue;
    if (typeof o.zxid !== 'number') closeAnyTime.add(o.process);
    else closeZxid.set(o.process, Math.min(closeZxid.get(o.process) ?? Infinity, o.zxid));
  }
  const listings = new Map<string, Array<{ z: number; children: Set<string> }>>();
  for (const o of ops) {
    const path = arg(o.args, 'path');
    const children = arg(o.result, 'children');
    if (o.op !== 'getChildren' || o.status !== 'ok' || typeof o.zxid !== 'number' || typeof path !== 'string' || !Array.isArray(children)) continue;
    let l = listings.get(path);
    if (!l) listings.set(path, (l = []));
    l.push({ z: o.zxid, children: new Set(children.map(String)) });
  }
  /** Name → the zxid of the first read that no longer lists it, placed after the last one that does (or Infinity). */
  const goneAt = new Map<string, number>();
  const gone = (name: string): number => {
    let g = goneAt.get(name);
    if (g !== undefined) return g;
    g = Infinity;
    const i = name.lastIndexOf('/');
    const parent = i <= 0 ? '/' : name.slice(0, i);
    const base = name.slice(i + 1);
    const reads = listings.get(parent) ?? [];
    let last = -Infinity;
    for (const r of reads) if (r.children.has(base) && r.z > last) last = r.z;
    if (last > -Infinity) {
      const after = updateAfter(last);
      for (const r of reads) if (r.z >= after && !r.children.has(base) && r.z < g) g = r.z;
    }
    goneAt.set(name, g);
    return g;
  };
  return (resolved) => {
    for (const o of resolved) {
      if (o.op !== 'create' || o.status !== 'unknown') continue;
      const name = arg(o.result, 'path');
      if (typeof name !== 'string' || otherwise.has(name)) continue;
      const g = gone(name);
      if (g === Infinity) continue;
      if (!String(arg(o.args, 'mode') ?? '').startsWith('EPHEMERAL')) return true;
      if (closeAnyTime.has(o.process)) continue;
      if (!((closeZxid.get(o.process) ?? Infinity) <= g)) return true;
    }
    return false;
  };
}

/**
 * How many assignments of recovered sequential names a check tries at most. Each is a whole search, but most end
 * within a few hundred configurations; the budget bounds the rest (32 was too few with eight sessions: naming seed
 * 35963 needed an assignment five steps from the default).
 */
const MAX_ASSIGNMENTS = 1024;

/** The time and the configurations a check may use, and the configurations the searches before this one used. */
interface Limits {
  deadline: number;
  max: number;
  spent: number;
}

/**
 * Syncs that a leader change overlapped: the sync's reply carries a zxid of an older epoch than one some operation's
 * reply carried before the sync returned, so a newer leader was already serving while an old one (deposed, not yet
 * aware) answered the sync (ZOOKEEPER-1675). Every write that completed before the sync was invoked and that the sync
 * missed was committed by a newer leader, so it has a newer epoch and is seen by this test.
 */
export function syncsOverlappingLeaderChange(ops: readonly Operation[]): Set<Operation> {
  const out = new Set<Operation>();
  // (returned before: in real-time order, history.ts, so that every write that precedes a sync counts for it, also
  // one that completed in the millisecond the sync was invoked)
  const syncs = ops.filter((o) => o.op === 'sync' && o.zxid !== undefined && o.ret !== Infinity).sort((a, b) => comparePoints(a, true, b, true));
  if (syncs.length === 0) return out;
  /** The first sync that returned after `o` returned. */
  const firstSyncAfter = (o: Operation): number => {
    let lo = 0;
    let hi = syncs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (comparePoints(syncs[mid]!, true, o, true) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  // The newest epoch among the replies returned before each sync returned, without sorting the replies (far more
  // than the syncs): a reply counts for the syncs that returned after it, from the first of them on (binary search),
  // so newestFrom[j] collects each reply at its first sync, and a running maximum gives each sync's newest.
  const newestFrom = new Array<number>(syncs.length).fill(-1);
  for (const o of ops) {
    if (o.zxid === undefined || o.ret === Infinity) continue;
    const j = firstSyncAfter(o);
    if (j < syncs.length) newestFrom[j] = Math.max(newestFrom[j]!, epochOf(o.zxid));
  }
  let newest = -1;
  for (let j = 0; j < syncs.length; j++) {
    newest = Math.max(newest, newestFrom[j]!);
    if (newest > epochOf(syncs[j]!.zxid!)) out.add(syncs[j]!);
  }
  return out;
}

/** Why an operation cannot come next: a text, or a text around an operation written out only when shown. */
type Why = string | { pre: string; op: Operation; post: string };

function whyText(w: Why): string {
  return typeof w === 'string' ? w : `${w.pre}${describeOperation(w.op)}${w.post}`;
}

/**
 * Walks a listing (names `want`) and the children a node has now (`have`), both sorted in code-unit order (as the
 * model keeps children and as a listing is read), in one merge: `missing(ctx, i)` for each listed name not there
 * (`want[i]`), `extra(ctx, name)` for each name there not listed; true as soon as one of them returns true. The
 * look-ahead asks this of every listing at every configuration: a look-up of every listed child cost more than the
 * rest of the search in long histories, and most of them are there and listed.
 */
export function listingDiffers<C>(want: readonly string[], have: readonly string[], ctx: C, missing: (ctx: C, i: number) => boolean, extra: (ctx: C, name: string) => boolean): boolean {
  let i = 0;
  let j = 0;
  while (i < want.length || j < have.length) {
    if (j >= have.length || (i < want.length && want[i]! < have[j]!)) {
      if (missing(ctx, i)) return true;
      i++;
    } else if (i >= want.length || have[j]! < want[i]!) {
      if (extra(ctx, have[j]!)) return true;
      j++;
    } else {
      i++;
      j++;
    }
  }
  return false;
}

/**
 * a.map(f), always with packed elements: map() gives holey or packed arrays depending on whether its caller is
 * optimised. searchOsc's arrays have one elements kind so that it is not deoptimised and recompiled (its compiles are
 * the longest of an exploration) when the other kind arrives.
 */
function packedMap<T, U>(a: readonly T[], f: (x: T, i: number) => U): U[] {
  const out: U[] = [];
  for (let i = 0; i < a.length; i++) out.push(f(a[i]!, i));
  return out;
}

function searchOsc(resolved: Operation[], opts: OscOptions, limits: Limits): OscResult {
  const strictSync = opts.strictSync !== false;
  const ops = resolved.sort((a, b) => a.call - b.call || a.index - b.index);
  // by default, a sync a leader change overlapped is a plain read (see OscOptions.strictSync)
  const lenientSyncs = opts.strictSync === undefined && opts.useZxids !== false ? syncsOverlappingLeaderChange(ops) : new Set<Operation>();
  const auth = authOf(ops);
  const steps = packedMap(ops, (o) => prepareZk(o, auth));
  forgetUnreadData(steps);
  looseCounts(steps);
  const procIndex = new Map<Process, number>();
  const items: Item[] = packedMap(ops, (op, i): Item => {
    if (!procIndex.has(op.process)) procIndex.set(op.process, procIndex.size);
    const step = steps[i]!;
    return {
      op,
      step,
      proc: procIndex.get(op.process)!,
      update: isUpdate(step),
      sync: step.k === 'sync' && strictSync && !lenientSyncs.has(op),
      readOnly: isReadOnly(step),
      unknown: op.status === 'unknown',
      zxid: -1,
      rtIndex: -1,
      idx: i,
      z: 0,
    };
  });
  const sessions = procIndex.size;
  let P = sessions;
  const lists: Item[][] = Array.from({ length: P }, () => []);
  for (const it of items) lists[it.proc]!.push(it);
  // A session's end (synthetic closeSession of withSessionEnds) comes after everything the session invoked before the
  // client learned of it: an unknown write of the session may take effect at any time up to the end, never after it.
  for (const list of lists) {
    const k = list.findIndex((it) => isSessionEnd(it.op));
    if (k < 0) continue;
    const end = list[k]!;
    let j = k + 1;
    while (j < list.length && list[j]!.op.call <= end.op.ret) j++;
    list.splice(k, 1);
    list.splice(j - 1, 0, end);
  }
  // An update of unknown outcome may take effect at any time after its invocation — also after later reads of its
  // session (served by a server that has not applied it yet, e.g. a txn proposed before a leader change and committed
  // by the next leader) — but before the session's next request that went through the leader (a completed update or
  // sync: FIFO and the owner check, §6.7, §7.5), before its next unknown update, and before the session's end; or never.
  // Such an update floats: it gets a list of its own (`sess`: its session, `after`: how many of the session's
  // operations precede it), and the session's next leader-ordered operations wait for it (`waitFor`).
  for (let p = 0; p < sessions; p++) {
    const list = lists[p]!;
    const keep: Item[] = [];
    let open: Item[] = [];
    for (const it of list) {
      if (it.unknown && it.update) {
        it.sess = p;
        it.after = keep.length;
        if (open.length) it.waitFor = open;
        open = [...open, it];
        it.proc = P++;
        lists.push([it]);
        continue;
      }
      if (open.length && (it.update || it.sync || (it.op.op === 'sync' && !lenientSyncs.has(it.op)) || isSessionEnd(it.op))) {
        it.waitFor = open;
        open = [];
      }
      keep.push(it);
    }
    lists[p] = keep;
  }

  // zxids: use them when every completed update has one — except session ends (synthetic closes), whose zxid is known
  // only when the servers' trace gave it: an end without one is placed by its times alone, like in the search without
  // zxids (8-client naming seed 35963: closes committed through a new leader's sync left five ends without zxid, and
  // the whole history fell back to that weaker search).
  const completedUpdates = items.filter((it) => it.update && !it.unknown);
  const withZxid = completedUpdates.filter((it) => typeof it.op.zxid === 'number');
  const usedZxids = opts.useZxids !== false && withZxid.length > 0 && completedUpdates.every((it) => typeof it.op.zxid === 'number' || isSessionEnd(it.op));
  const zOrder: Item[] = [];
  if (usedZxids) {
    for (const it of withZxid) {
      it.zxid = it.op.zxid!;
      zOrder.push(it);
    }
    zOrder.sort((a, b) => a.zxid - b.zxid);
    for (let i = 1; i < zOrder.length; i++) {
      if (zOrder[i]!.zxid === zOrder[i - 1]!.zxid) {
        return { verdict: 'violation', operations: ops.length, sessions, explored: 0, usedZxids, prefix: [], blocked: [{ op: zOrder[i]!.op, reason: `zxid 0x${zOrder[i]!.zxid.toString(16)} also belongs to ${describeOperation(zOrder[i - 1]!.op)}` }] };
      }
    }
  }
  const zPos = new Map<Item, number>();
  zOrder.forEach((it, i) => zPos.set(it, i));

  // Finite updates sorted by return, in real-time order (history.ts: time, then position in the history), for the
  // real-time rule: an update or sync is blocked while the first of them not placed yet precedes it.
  const rt = items.filter((it) => it.update && Number.isFinite(it.op.ret)).sort((a, b) => comparePoints(a.op, true, b.op, true));
  rt.forEach((it, i) => (it.rtIndex = i));
  const rtDone = new Uint8Array(rt.length);
  let rtPtr = 0; // first not-yet-placed entry of rt

  // Zobrist words: position k of process p is identified by the item there (or an end word per process).
  let seed = 0x2545f491;
  const rnd = (): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return seed | 0;
  };
  for (const it of items) it.z = rnd();
  const endZ = Array.from({ length: P }, rnd);

  const tree = new MutableTree(initialTree(steps));
  const pos = new Int32Array(P);
  let posHash = 0;
  for (let p = 0; p < P; p++) posHash ^= lists[p]!.length ? lists[p]![0]!.z : endZ[p]!;
  let zNext = 0; // next zxid-ordered update to place
  let remaining = items.length;

  const zAt = (p: number, k: number): number => (k < lists[p]!.length ? lists[p]![k]!.z : endZ[p]!);

  // Visited configurations (the positions' hash and the tree's first hash as key, then the tree's second hash and the
  // positions compared in full).
  const visited = new VisitedConfigurations(P);
  let explored = 0;
  const seen = (): boolean => {
    if (visited.visit(posHash ^ mix32(tree.h1), tree.h2, pos)) return true;
    explored++;
    return false;
  };

  /** Fast form of blockedBy. */
  const waiting = (it: Item): Item | undefined => {
    if (it.sess !== undefined && pos[it.sess]! < it.after!) return lists[it.sess]![pos[it.sess]!];
    if (it.waitFor) for (const u of it.waitFor) if (pos[u.proc] === 0) return u;
    return undefined;
  };
  /** A completed read (or sync) that carries the zxid its server had reached: it sees exactly the updates up to it. */
  const zxidRead = (it: Item): boolean => !it.update && typeof it.op.zxid === 'number' && it.op.status !== 'unknown';
  /** True when the placed updates go past the zxid read `it` saw (the prefix only grows: it can never come). */
  const passed = (it: Item): boolean => zNext > 0 && zOrder[zNext - 1]!.zxid > it.op.zxid!;
  /** Whether `it` may come now by its constraints other than the unknown ops it waits for (constraints only, not legality). */
  const readyButWaits = (it: Item): boolean => {
    if (it.sess !== undefined && pos[it.sess]! < it.after!) return false;
    if ((it.update || it.sync) && rtPtr < rt.length && precedes(rt[rtPtr]!.op, it.op) && rt[rtPtr] !== it) return false;
    if (usedZxids) {
      if (it.update && !it.unknown && it.zxid >= 0) return zOrder[zNext] === it;
      if (zxidRead(it) && ((zNext < zOrder.length && zOrder[zNext]!.zxid <= it.op.zxid!) || passed(it))) return false;
    }
    return true;
  };
  const isBlocked = (it: Item): boolean => {
    if ((it.sess !== undefined || it.waitFor) && waiting(it)) return true;
    if ((it.update || it.sync) && rtPtr < rt.length && precedes(rt[rtPtr]!.op, it.op) && rt[rtPtr] !== it) return true;
    if (usedZxids) {
      if (it.update && !it.unknown && it.zxid >= 0) return zOrder[zNext] !== it;
      if (zxidRead(it)) {
        if (zNext < zOrder.length && zOrder[zNext]!.zxid <= it.op.zxid!) return true;
        if (passed(it)) return true;
      }
    }
    return false;
  };
  /**
   * Why item `it` (the next of its session) cannot be placed now, or '' if it is enabled (constraints only, not
   * legality). The operation a reason names is kept as it is and written out only for the verdict (whyText): the
   * search records a reason at every dead end deeper than any before, and most are never shown.
   */
  const blockedBy = (it: Item): Why => {
    const w = (it.sess !== undefined || it.waitFor) && waiting(it);
    if (w) return { pre: '', op: w.op, post: ' of its session comes first' };
    if ((it.update || it.sync) && rtPtr < rt.length && precedes(rt[rtPtr]!.op, it.op) && rt[rtPtr] !== it) {
      return { pre: 'update ', op: rt[rtPtr]!.op, post: ' returned before it was invoked and is not placed yet' };
    }
    if (usedZxids) {
      if (it.update && !it.unknown && it.zxid >= 0 && zOrder[zNext] !== it) {
        return zNext < zOrder.length ? { pre: 'its zxid comes after ', op: zOrder[zNext]!.op, post: ', not placed yet' } : 'zxid order';
      }
      if (zxidRead(it)) {
        if (zNext < zOrder.length && zOrder[zNext]!.zxid <= it.op.zxid!) return { pre: `it saw zxid 0x${it.op.zxid!.toString(16)}, which includes `, op: zOrder[zNext]!.op, post: ' (not placed yet)' };
        if (passed(it)) return { pre: `it saw only zxid 0x${it.op.zxid!.toString(16)}, but `, op: zOrder[zNext - 1]!.op, post: ' is already placed before it' };
      }
    }
    return '';
  };

  interface Frame {
    it: Item;
    applied: boolean; // whether its effect was applied (false = skipped unknown op)
    mark: number;
    rtPtr: number;
    forced: boolean;
    /** Remaining alternatives at a branch point: [item, apply?] pairs. */
    alts?: Array<[Item, boolean]>;
  }
  const stack: Frame[] = [];
  let bestDepth = -1;
  /**
   * The deepest dead end's order, kept up to date by `record` from the frames pushed since the last one: the frames
   * below `lowWater` (the lowest the stack went since) are those it already holds. Copying the whole stack at every
   * deeper dead end was quadratic in a long history's length.
   */
  const bestPrefix: Item[] = [];
  let lowWater = 0;
  let bestBlocked: Array<{ op: Operation; why: Why; readOnly: boolean }> = [];
  let bestState = '';

  // Dead-end detection: a session whose next operation reads data that the node does not hold and that no
  // unplaced write can produce any more can never go on (only for nodes never appended to).
  const producers = new Map<string, number>();
  const appendPaths = new Set<string>();
  const producedBy = (st: ZkStep): string[] => {
    const out: string[] = [];
    if (st.k !== 'write') return out;
    for (const sub of st.subs) {
      if (sub.k === 'setData') {
        if (sub.append) appendPaths.add(sub.path);
        else out.push(`${sub.path}\u0000${sub.data}`);
      } else if (sub.k === 'create' && sub.name !== undefined) out.push(`${sub.name}\u0000${sub.data}`);
    }
    return out;
  };
  const produces: string[][] = packedMap(items, (it) => (it.step.k === 'write' && it.step.expect.s !== 'free' && it.step.expect.s !== 'err' ? producedBy(it.step) : []));
  for (const keys of produces) for (const k of keys) producers.set(k, (producers.get(k) ?? 0) + 1);
  // Look-ahead (with zxids): a completed read with a zxid is placed after every update of a smaller or equal zxid and
  // before every update of a larger one, so what it saw (which znodes exist) can come only from operations not placed
  // yet that may precede it: updates of unknown outcome, updates without zxid, and those up to its zxid. When a znode
  // that such a read saw exists is missing now and none of them can create it, or one that it saw missing (or absent
  // from the children it listed) exists now and none of them can delete it (a delete, or the close of its ephemeral
  // owner), the read can never come: a dead end. Without this, a wrong guess about an unknown write (e.g. a delete
  // of unknown outcome taken as applied although a later read still lists the node) was found out only once the
  // placed updates reached the read's zxid, after every combination of the other guesses made meanwhile
  // (16-client naming seeds 50038, 50039, ...: the budget was spent). Checked for each session's next such read.
  const placedItem = new Uint8Array(items.length);
  /** Per item: the look-ahead lists it is in with a zxid, and its index there (unplace moves their cursors back). */
  const aheadOf: Array<Array<[AheadList, number]> | undefined> = new Array<Array<[AheadList, number]> | undefined>(items.length);
  /** An AheadList of `entries` (in their order), registered with aheadOf. */
  const aheadList = (entries: readonly AheadEntry[]): AheadList => {
    const l = makeAheadList(entries);
    l.byZxid.forEach((e, j) => (aheadOf[e.it.idx] ??= []).push([l, j]));
    return l;
  };
  const aheadLists = <K>(m: Map<K, AheadEntry[]>): Map<K, AheadList> => new Map([...m].map(([k, v]) => [k, aheadList(v)]));
  const addTo = <K, V>(m: Map<K, V[]>, k: K, v: V): void => {
    const l = m.get(k);
    if (l) l.push(v);
    else m.set(k, [v]);
  };
  const creatorEntries = new Map<string, AheadEntry[]>();
  const removerEntries = new Map<string, AheadEntry[]>();
  const closerEntries = new Map<Process, AheadEntry[]>();
  for (const it of items) {
    const st = it.step;
    if (st.expect.s !== 'ok' && st.expect.s !== 'unknown') continue;
    if (st.k === 'closeSession') addTo(closerEntries, st.owner, { it, sub: null });
    else if (st.k === 'write') {
      for (const sub of st.subs) {
        if (sub.k === 'create' && sub.name !== undefined) addTo(creatorEntries, sub.name, { it, sub });
        else if (sub.k === 'delete') addTo(removerEntries, sub.path, { it, sub: null });
      }
    }
  }
  const creators = aheadLists(creatorEntries);
  const removers = aheadLists(removerEntries);
  const closers = aheadLists(closerEntries);
  // Version and data look-ahead, for the znodes whose state the completed updates alone do not fix (`uncertain`: those
  // an update of unknown outcome writes, and ephemerals, which a session's end may delete at a time the search
  // chooses; on any other znode a wrong choice elsewhere cannot show, and the checks would only cost time): for each
  // one that some update sets data on (a slot), the zxid-order positions of the completed updates' setData on it (one
  // per sub-operation), and how many setData of updates of unknown outcome on it are not placed yet (kept by place and
  // unplace). Built by goDeep at the search's first dead end (see `deep`).
  const uncertain = new Set<string>();
  const slotOf = new Map<string, number>();
  const slotFor = (path: string): number => {
    let k = slotOf.get(path);
    if (k === undefined) slotOf.set(path, (k = slotOf.size));
    return k;
  };
  const knownSets: number[][] = [];
  const unknownSlots: Array<number[] | undefined> = new Array<number[] | undefined>(items.length);
  let unknownSets = new Int32Array(0);
  /** The items that write each (path, data) key of `produces`. */
  const producerItems = new Map<string, AheadEntry[]>();
  /** How many setData on the slot's znode the completed updates not placed yet and before zxid-order position kz do. */
  const knownSetsBefore = (slot: number, kz: number): number => {
    if (kz <= zNext) return 0;
    const a = knownSets[slot]!;
    return countBelow(a, kz, false) - countBelow(a, zNext, false);
  };
  /**
   * Whether an entry of `l` not placed yet may still come before a read that saw zxid `z` (and passes `pass`): its
   * entries without a zxid, then those with a zxid up to z from the first not placed (the cursor, moved on here).
   */
  const anyComing = (l: AheadList, z: number, pass: ((e: AheadEntry) => boolean) | null): boolean => {
    for (const e of l.free) if (!placedItem[e.it.idx] && (pass === null || pass(e))) return true;
    const a = l.byZxid;
    let i = l.first;
    while (i < a.length && placedItem[a[i]!.it.idx]) i++;
    l.first = i;
    for (; i < a.length && a[i]!.it.zxid <= z; i++) if (!placedItem[a[i]!.it.idx] && (pass === null || pass(a[i]!))) return true;
    return false;
  };
  const anyBefore = (list: AheadList | undefined, z: number): boolean => list !== undefined && anyComing(list, z, null);
  /** Whether znode `path` exists and some operation not placed yet may delete it (it or the close of its owner). */
  const removable = (path: string, z: number): boolean => {
    const n = tree.get(path);
    return !!n && (anyBefore(removers.get(path), z) || (n.owner !== null && anyBefore(closers.get(n.owner), z)));
  };
  /**
   * A sequential create whose number is below its parent's counter fails, and the counter only grows as long as the
   * parent stays: when nothing left can delete the parent, such a create can never succeed any more.
   */
  const seqPassed = (sub: CreateSub): boolean => {
    if (!sub.sequential || sub.name === undefined) return false;
    const parent = tree.get(sub.parent);
    return !!parent && sub.seqNo < parent.seq && !removable(sub.parent, Infinity);
  };
  const canSucceed = (e: AheadEntry): boolean => !seqPassed(e.sub!);
  const cannotAppear = (path: string, z: number): boolean => {
    if (tree.get(path)) return false;
    const l = creators.get(path);
    return l === undefined || !anyComing(l, z, canSucceed);
  };
  const cannotVanish = (path: string, z: number): boolean => !!tree.get(path) && !removable(path, z);
  /** A listing's look-ahead (see listingDiffers): a child it listed that is missing must still be able to appear... */
  const listedMissing = (s: Sight, i: number): boolean => cannotAppear(s.childPaths![i]!, s.z);
  /** ...and a child there that it did not list must still be able to vanish. */
  const unlistedThere = (s: Sight, name: string): boolean => cannotVanish(unlistedPath(s, name), s.z);
  /** Paths of unlisted children by parent prefix and name, each made once (a new string made and hashed at every look cost more). */
  const unlistedPaths = new Map<string, Map<string, string>>();
  const unlistedPath = (s: Sight, name: string): string => {
    let paths = unlistedPaths.get(s.prefix);
    if (paths === undefined) unlistedPaths.set(s.prefix, (paths = new Map<string, string>()));
    let path = paths.get(name);
    if (path === undefined) paths.set(name, (path = s.prefix + name));
    return path;
  };
  /** What a completed zxid read saw of the existence of znodes (reads that saw the same share one). */
  interface Sight {
    z: number;
    /** getChildren: the parent, and the full paths and names of the children it listed. */
    parent: string | undefined;
    childPaths: string[] | undefined;
    childNames: readonly string[] | undefined;
    /** The parent's path followed by '/' (a child's path is it and the name). */
    prefix: string;
    /** Paths it saw exist, and paths it saw missing. */
    present: string[];
    absent: string[];
    /** The version it saw `path` at (see ver), as a slot of the version counts (-1: none); the data it read there. */
    vslot: number;
    version: number;
    path: string | undefined;
    data: string | undefined;
    dh: number | undefined;
    /** The operations that write that data there (see produces). */
    producers: AheadList | undefined;
    /** How many updates of the zxid order come before it (those with a zxid up to z). */
    kz: number;
    stamp: number;
  }
  const sights = new Map<number, Sight[]>();
  const sameStrings = (a: readonly string[], b: readonly string[]): boolean => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  };
  /** Whether two sights of one zxid saw the same (the path they name aside: it matters only with a version or data). */
  const sameSight = (a: Sight, b: Sight): boolean =>
    a.version === b.version &&
    a.data === b.data &&
    a.parent === b.parent &&
    sameStrings(a.present, b.present) &&
    sameStrings(a.absent, b.absent) &&
    (a.parent === undefined || sameStrings(a.childNames!, b.childNames!));
  /** The number of updates in the zxid order with a zxid up to z. */
  const zOrderZxids = zOrder.map((it) => it.zxid);
  const zCount = (z: number): number => countBelow(zOrderZxids, z, true);
  /** A Sight with every field set (one object shape for all of them). */
  const newSight = (z: number, present: string[], absent: string[]): Sight => ({
    z,
    parent: undefined,
    childPaths: undefined,
    childNames: undefined,
    prefix: '',
    present,
    absent,
    vslot: -1,
    version: -1,
    path: undefined,
    data: undefined,
    dh: undefined,
    producers: undefined,
    kz: 0,
    stamp: 0,
  });
  const sightOf = (it: Item): Sight | undefined => {
    const st = it.step;
    const z = it.op.zxid!;
    let s: Sight | undefined;
    if (st.k === 'getChildren' && st.expect.s === 'ok' && st.children) {
      const prefix = st.path === '/' ? '/' : `${st.path}/`;
      s = newSight(z, [st.path], []);
      s.parent = st.path;
      s.prefix = prefix;
      s.childPaths = st.children.map((c) => prefix + c);
      s.childNames = st.children;
    } else if ((st.k === 'getChildren' || st.k === 'getData') && st.expect.s === 'err' && st.expect.code === ZkError.NONODE) {
      s = newSight(z, [], [st.path]);
    } else if (st.k === 'getData' && st.expect.s === 'ok') {
      s = newSight(z, [st.path], []);
      s.path = st.path;
      if (st.version !== undefined) s.version = st.version;
      if (st.data !== undefined && !appendPaths.has(st.path)) {
        s.data = st.data;
        s.dh = st.dh!;
      }
    } else if (st.k === 'exists' && st.expect.s === 'ok' && st.present !== undefined) {
      s = newSight(z, st.present ? [st.path] : [], st.present ? [] : [st.path]);
      s.path = st.path;
      if (st.present && st.version !== undefined) s.version = st.version;
    }
    if (!s) return undefined;
    s.kz = zCount(z);
    // (one Sight per distinct content: reads that saw the same share it; looked up by zxid, then compared, without
    // a text key of the content, which can be long)
    let bucket = sights.get(z);
    if (!bucket) sights.set(z, (bucket = []));
    for (const old of bucket) if (sameSight(old, s)) return old;
    bucket.push(s);
    return s;
  };
  /**
   * What a completed update with a zxid needs just before it takes effect (so after every update of a smaller zxid
   * and the unknown ones placed before it): a setData or a delete, that its znode exists, at the version it names (or,
   * for a setData, the one below the version of its reply); a create of a plain name, that it is missing.
   */
  const updateSightOf = (it: Item): Sight | undefined => {
    const st = it.step;
    if (st.k !== 'write' || st.multi || st.subs.length !== 1 || it.zxid < 0) return undefined;
    const sub = st.subs[0]!;
    if (!uncertain.has(sub.path)) return undefined;
    const s = newSight(it.zxid - 1, [], []);
    s.kz = zPos.get(it)!;
    if (st.expect.s === 'ok') {
      if (sub.k === 'setData' || sub.k === 'delete') {
        s.present.push(sub.path);
        s.path = sub.path;
        if (sub.version !== -1) s.version = sub.version;
        else if (sub.k === 'setData' && st.resultVersion !== undefined) s.version = st.resultVersion - 1;
      } else if (sub.k === 'create' && !sub.sequential) s.absent.push(sub.path);
    } else if (st.expect.s === 'err' && st.expect.code === ZkError.NONODE && (sub.k === 'setData' || sub.k === 'delete')) s.absent.push(sub.path);
    else if (st.expect.s === 'err' && st.expect.code === ZkError.NODEEXISTS && sub.k === 'create' && !sub.sequential) s.present.push(sub.path);
    if (s.version >= 0) s.vslot = slotOf.get(s.path!) ?? -1;
    return s.present.length || s.absent.length || s.vslot >= 0 ? s : undefined;
  };
  /**
   * Whether the version and data look-ahead is on: from the search's first dead end. A search that never backtracks
   * (most histories) would only pay for it; one that does needs it most (pruning is never required for a verdict).
   */
  let deep = false;
  /** True when a read that saw `s` (not placed yet) can never be legal: see above. */
  const unreachable = (s: Sight): boolean => {
    for (const x of s.present) if (cannotAppear(x, s.z)) return true;
    for (const x of s.absent) if (cannotVanish(x, s.z)) return true;
    if (deep && (s.vslot >= 0 || s.producers !== undefined)) {
      const n = tree.get(s.path!);
      if (s.vslot >= 0) {
        // Versions: the updates placed before it can raise the znode's version by one per setData at most (a delete
        // and a create start it again at 0, lower), and the completed ones with a zxid up to z will all be placed.
        const known = knownSetsBefore(s.vslot, s.kz);
        if ((n ? n.version : 0) + known + unknownSets[s.vslot]! < s.version) return true;
        if (n && n.version + known > s.version && !removable(s.path!, s.z)) return true;
      }
      // Data: when the znode does not hold what it read, something that may still come before it must write it.
      if (s.producers !== undefined && !(n && n.dh === s.dh && n.data === s.data) && !anyBefore(s.producers, s.z)) return true;
    }
    if (s.parent === undefined) return false;
    const n = tree.get(s.parent);
    if (!n) return false; // (then s.present says it all)
    return listingDiffers(s.childNames!, n.children, s, listedMissing, unlistedThere);
  };
  /** For each session and position: what the session's first completed zxid read at or after it saw (or undefined). */
  const nextSight: Array<Array<Sight | undefined>> = lists.map((list) => {
    const a: Array<Sight | undefined> = new Array<Sight | undefined>(list.length + 1).fill(undefined);
    if (!usedZxids) return a;
    for (let k = list.length - 1; k >= 0; k--) {
      const it = list[k]!;
      a[k] = (!it.update && typeof it.op.zxid === 'number' && it.op.status !== 'unknown' ? sightOf(it) : undefined) ?? a[k + 1];
    }
    return a;
  });
  /** Likewise with the session's first completed update with a zxid at or after it, for what it needs (updateSightOf). */
  let nextUpdateSight: Array<Array<Sight | undefined>> = [];
  /** Turns the version and data look-ahead on (see `deep`): builds what it needs, for the state reached. */
  const goDeep = (): void => {
    deep = true;
    if (!usedZxids) return;
    for (const it of items) {
      const st = it.step;
      if (st.k !== 'write' || st.expect.s === 'free') continue;
      for (const sub of st.subs) {
        if (st.expect.s === 'unknown') uncertain.add(sub.path);
        if (sub.k === 'create' && sub.name !== undefined && (st.expect.s === 'unknown' || sub.ephemeral)) uncertain.add(sub.name);
      }
    }
    zOrder.forEach((it, k) => {
      const st = it.step;
      if (st.k !== 'write' || st.expect.s !== 'ok') return;
      for (const sub of st.subs) if (sub.k === 'setData' && uncertain.has(sub.path)) (knownSets[slotFor(sub.path)] ??= []).push(k);
    });
    items.forEach((it, i) => {
      const st = it.step;
      if (st.k !== 'write' || st.expect.s !== 'unknown') return;
      for (const sub of st.subs) if (sub.k === 'setData') (unknownSlots[i] ??= []).push(slotFor(sub.path));
    });
    for (let k = 0; k < slotOf.size; k++) knownSets[k] ??= [];
    unknownSets = new Int32Array(slotOf.size);
    unknownSlots.forEach((l, i) => {
      if (l && !placedItem[i]) for (const k of l) unknownSets[k]!++;
    });
    items.forEach((it, i) => {
      for (const k of produces[i]!) addTo(producerItems, k, { it, sub: null });
    });
    const producerLists = new Map<string, AheadList>();
    const producersOf = (key: string): AheadList => {
      let l = producerLists.get(key);
      if (!l) producerLists.set(key, (l = aheadList(producerItems.get(key) ?? [])));
      return l;
    };
    for (const bucket of sights.values()) {
      for (const s of bucket) {
        if (s.path === undefined || !uncertain.has(s.path)) continue;
        if (s.version >= 0) s.vslot = slotOf.get(s.path) ?? -1;
        if (s.data !== undefined) s.producers = producersOf(`${s.path}\u0000${s.data}`);
      }
    }
    nextUpdateSight = lists.map((list) => {
      const a: Array<Sight | undefined> = new Array<Sight | undefined>(list.length + 1).fill(undefined);
      for (let k = list.length - 1; k >= 0; k--) {
        const it = list[k]!;
        a[k] = (it.update && !it.unknown && it.zxid >= 0 ? updateSightOf(it) : undefined) ?? a[k + 1];
      }
      return a;
    });
  };
  /** For each position in the zxid order: the first completed sequential create at or after it (or −1). */
  const nextSeqCreate = new Int32Array(zOrder.length + 1).fill(-1);
  for (let k = zOrder.length - 1; k >= 0; k--) {
    const st = zOrder[k]!.step;
    const seqCreate = st.k === 'write' && st.expect.s === 'ok' && st.subs.some((x) => x.k === 'create' && x.sequential);
    nextSeqCreate[k] = seqCreate ? k : nextSeqCreate[k + 1]!;
  }
  let stamp = 0;
  const deadAhead = (): boolean => {
    if (!usedZxids) return false;
    // The next completed sequential create in zxid order must still be able to succeed (an unknown create applied
    // with a larger number would make it fail for ever).
    const k = nextSeqCreate[zNext]!;
    if (k >= 0) {
      const st = zOrder[k]!.step;
      if (st.k === 'write') for (const sub of st.subs) if (sub.k === 'create' && seqPassed(sub)) return true;
    }
    stamp++;
    for (let p = 0; p < sessions; p++) {
      const s = nextSight[p]![pos[p]!];
      if (!s || s.stamp === stamp) continue;
      s.stamp = stamp;
      if (unreachable(s)) return true;
    }
    if (deep) {
      for (let p = 0; p < sessions; p++) {
        const s = nextUpdateSight[p]![pos[p]!];
        if (s && unreachable(s)) return true;
      }
    }
    return false;
  };
  const deadHead = (): boolean => {
    for (let p = 0; p < P; p++) {
      const it = lists[p]![pos[p]!];
      if (!it || it.unknown) continue;
      // A read whose zxid the placed updates have passed can never come (the zxid prefix only grows): without this,
      // the search found out only after placing everything else, and backtracked through every choice made meanwhile
      // (8-client naming seed 30468: 3 million configurations).
      if (usedZxids && zxidRead(it) && passed(it)) return true;
      const st = it.step;
      if (st.k !== 'getData' || st.expect.s !== 'ok' || st.data === undefined || appendPaths.has(st.path)) continue;
      const n = tree.get(st.path);
      if (n && n.data === st.data) continue;
      if ((producers.get(`${st.path}\u0000${st.data}`) ?? 0) === 0) return true;
    }
    return false;
  };

  const place = (it: Item, apply: boolean, forced: boolean, alts?: Array<[Item, boolean]>): boolean => {
    const mark = tree.mark();
    if (apply && !applyZk(tree, it.step)) return false;
    const idx = it.idx;
    for (const k of produces[idx]!) producers.set(k, producers.get(k)! - 1);
    const us = unknownSlots[idx];
    if (us) for (const k of us) unknownSets[k]!--;
    const f: Frame = { it, applied: apply, mark, rtPtr, forced };
    if (alts) f.alts = alts;
    stack.push(f);
    placedItem[idx] = 1;
    const p = it.proc;
    posHash ^= zAt(p, pos[p]!) ^ zAt(p, pos[p]! + 1);
    pos[p]!++;
    remaining--;
    if (it.rtIndex >= 0) {
      rtDone[it.rtIndex] = 1;
      while (rtPtr < rt.length && rtDone[rtPtr]) rtPtr++;
    }
    if (usedZxids && zOrder[zNext] === it) zNext++;
    return true;
  };
  const unplace = (): Frame => {
    const f = stack.pop()!;
    if (stack.length < lowWater) lowWater = stack.length;
    const it = f.it;
    const idx = it.idx;
    placedItem[idx] = 0;
    const ahead = aheadOf[idx];
    if (ahead !== undefined) for (const [l, j] of ahead) if (j < l.first) l.first = j;
    tree.rollback(f.mark);
    for (const k of produces[idx]!) producers.set(k, producers.get(k)! + 1);
    const us = unknownSlots[idx];
    if (us) for (const k of us) unknownSets[k]!++;
    const p = it.proc;
    pos[p]!--;
    posHash ^= zAt(p, pos[p]!) ^ zAt(p, pos[p]! + 1);
    remaining++;
    if (it.rtIndex >= 0) rtDone[it.rtIndex] = 0;
    rtPtr = f.rtPtr;
    if (usedZxids && zNext > 0 && zOrder[zNext - 1] === it) zNext--;
    return f;
  };

  /** The paths an item's operation names (prepareZk's), worked out once: a dead end's state shows those znodes. */
  const itemPaths: Array<readonly string[] | undefined> = new Array<readonly string[] | undefined>(items.length);
  const pathsOf = (it: Item): readonly string[] => (itemPaths[it.idx] ??= prepareZk(it.op).paths);

  const deadline = limits.deadline;
  // the configurations this search may visit: what is left of the check's budget, and what its memory allows
  const byMemory = opts.maxVisitedWords !== undefined ? Math.floor(opts.maxVisitedWords / Math.max(1, P)) : Infinity;
  const budget = Math.min(limits.max - limits.spent, byMemory);
  let iter = 0;

  const record = (): void => {
    if (stack.length <= bestDepth) return;
    bestDepth = stack.length;
    // (lowWater never exceeds bestPrefix.length: it is set to it here and only goes down in unplace)
    bestPrefix.length = lowWater;
    for (let i = lowWater; i < stack.length; i++) bestPrefix.push(stack[i]!.it);
    lowWater = stack.length;
    bestBlocked = [];
    const paths = new Set<string>();
    for (let p = 0; p < P; p++) {
      const it = lists[p]![pos[p]!];
      if (!it) continue;
      bestBlocked.push({ op: it.op, why: blockedBy(it), readOnly: it.readOnly });
      for (const x of pathsOf(it)) paths.add(x);
    }
    bestState = tree.describe(paths.size ? paths : undefined);
  };

  /** True when some session's next known operation may come now by the constraints but is illegal in this state. */
  const needsMore = (): boolean => {
    for (let p = 0; p < P; p++) {
      const it = lists[p]![pos[p]!];
      if (!it || it.unknown || isBlocked(it)) continue;
      const mark = tree.mark();
      const legal = applyZk(tree, it.step);
      tree.rollback(mark);
      if (!legal) return true;
    }
    return false;
  };
  /**
   * What a write changes, as keys that two writes which do not commute share: each znode it creates, deletes or sets,
   * and `<parent>#seq` for any create (the model's sequence counter of a parent grows with every create under it, and
   * sequential names must not fall below it). Child lists need no key: adding and removing different names commute.
   * A session's close deletes unknown ephemerals: it shares '*'. Whether a create or a delete takes effect also depends
   * on its node's parent (a create under a missing node, a delete of a node with children fail): such a write does not
   * commute with a write of the parent, which it reads (`parents`). (A known write whose order shows only in its
   * legality needs no more: an illegal next operation makes every unknown write a candidate. An unknown write is legal
   * in every state, its effect depends on it: an unknown create under a node that an unknown create makes was tried
   * only before that create, with no effect, and osc rejected a legal history: container buckets on one server, seed
   * 38 of 200 s runs.)
   */
  const touchedBy: Array<string[] | undefined> = new Array<string[] | undefined>(items.length);
  const parentsBy: Array<string[] | undefined> = new Array<string[] | undefined>(items.length);
  const touchKeys = (it: Item): string[] => {
    const st = it.step;
    if (st.k === 'closeSession') return ['*'];
    if (st.k !== 'write') return [];
    return st.subs.flatMap((sub) => (sub.k === 'create' ? [sub.name ?? sub.path, `${parentOf(sub.path)}#seq`] : [sub.path]));
  };
  const parentKeys = (it: Item): string[] => {
    const st = it.step;
    if (st.k !== 'write') return [];
    return st.subs.flatMap((sub) => (sub.k === 'create' || sub.k === 'delete' ? [parentOf(sub.path)] : []));
  };
  // (made when first asked: only searches with unknown writes to choose among ask, for those items)
  const touched = (it: Item): string[] => (touchedBy[it.idx] ??= touchKeys(it));
  const parents = (it: Item): string[] => (parentsBy[it.idx] ??= parentKeys(it));
  const conflict = (a: Item, b: Item): boolean => {
    const ka = touched(a);
    const kb = touched(b);
    if (kb.some((x) => x === '*' || ka.includes(x))) return true;
    return parents(a).some((x) => kb.includes(x)) || parents(b).some((x) => ka.includes(x));
  };
  /**
   * Which of the unknown writes that may take effect now (`applicable`) are tried now: all of them when some next
   * operation needs an effect (or only unknown ops are left); otherwise those waited for or not commuting with a
   * known update that may come now, and then every one that does not commute with one already chosen (an unknown
   * write chosen now may have to come after another one: a setData conditioned on the version the other leaves).
   */
  const applyHere = (applicable: Set<Item>, waitedOn: Set<Item>, onlyUnknownLeft: boolean): Set<Item> => {
    if (onlyUnknownLeft || needsMore()) return applicable;
    const known: Item[] = [];
    for (let p = 0; p < P; p++) {
      const it = lists[p]![pos[p]!];
      if (it && !it.unknown && it.update && !it.readOnly && !isBlocked(it)) known.push(it);
    }
    const chosen = new Set<Item>();
    for (const u of applicable) if (waitedOn.has(u) || known.some((k) => conflict(u, k))) chosen.add(u);
    for (let grew = chosen.size > 0; grew; ) {
      grew = false;
      for (const u of applicable) {
        if (chosen.has(u) || ![...chosen].some((c) => conflict(u, c))) continue;
        chosen.add(u);
        grew = true;
      }
    }
    return chosen;
  };

  // Main loop: forced placements, then a branch point.
  let backtracking = false;
  for (;;) {
    if (explored > budget || ((++iter & 0x3ff) === 0 && performance.now() > deadline)) {
      const r: OscResult = { verdict: 'unknown', operations: ops.length, sessions, explored, usedZxids };
      if (explored > byMemory) r.memoryBudget = true;
      return r;
    }
    if (!backtracking) {
      // Place every enabled, legal operation that changes nothing (reads, failed updates, syncs).
      let progress = true;
      while (progress) {
        progress = false;
        for (let p = 0; p < P; p++) {
          for (;;) {
            const it = lists[p]![pos[p]!];
            if (!it || !it.readOnly) break;
            // A failed update with a zxid moves the zxid prefix: placing it early could strand reads of an older
            // prefix, so it is placed as a branch (it is then the only zxid-order candidate anyway).
            if (usedZxids && it.zxid >= 0) break;
            if (it.unknown) {
              place(it, false, true); // a read with unknown outcome observed nothing
              progress = true;
              continue;
            }
            if (isBlocked(it)) break;
            if (!place(it, true, true)) break;
            progress = true;
          }
        }
      }
      if (remaining === 0) return { verdict: 'ok', operations: ops.length, sessions, explored, usedZxids };
      if (!deadHead() && !deadAhead() && !seen()) {
        // Branch over enabled updates (and unknown ops: take effect now, or never).
        // Dropping an unknown op changes nothing but what waits for it: an order that drops it early stays legal with
        // the drop moved to just before its first waiter, or to the end. So a drop is tried only for an op that some
        // next operation waits for, or once only unknown ops are left: otherwise the search would visit every subset
        // of dropped ops (eight open unknown writes: 2^8 times each state).
        const waitedOn = new Set<Item>();
        const applicable = new Set<Item>();
        let onlyUnknownLeft = true;
        for (let p = 0; p < P; p++) {
          const it = lists[p]![pos[p]!];
          if (!it) continue;
          if (!it.unknown) onlyUnknownLeft = false;
          else if (!it.readOnly && !isBlocked(it)) applicable.add(it);
          // (only when `it` could come now but for the unknown ops it waits for: an order that decides such an op
          // early stays legal with the decision moved to just before its first waiter, where the waiter is ready;
          // offering it whenever it is waited for made the search visit each such op decided now and decided later,
          // 16-client naming seed 50118)
          if (it.waitFor && readyButWaits(it)) {
            for (const u of it.waitFor) {
              if (pos[u.proc] === 0) {
                waitedOn.add(u);
                break;
              }
            }
          }
        }
        // Likewise an unknown write that takes effect can take effect as late as possible: up to the first operation
        // that needs its effect (one whose turn it is but that is illegal in the state reached), that waits for it,
        // or that does not commute with it (a known update of the same znode, or a create under the same parent). So
        // unknown writes are applied only at a branch point where one of these holds (applyHere); elsewhere the search
        // would visit every subset of them applied at every point.
        const applyNow = applicable.size > 0 ? applyHere(applicable, waitedOn, onlyUnknownLeft) : applicable;
        const alts: Array<[Item, boolean]> = [];
        for (let p = 0; p < P; p++) {
          const it = lists[p]![pos[p]!];
          if (!it) continue;
          if (it.unknown) {
            if (applyNow.has(it)) alts.push([it, true]);
            if (onlyUnknownLeft || waitedOn.has(it)) alts.push([it, false]);
            continue;
          }
          if (it.readOnly && !(usedZxids && it.zxid >= 0)) continue; // blocked or illegal: waits for other sessions' updates
          if (!isBlocked(it)) alts.push([it, true]);
        }
        alts.sort(ALT_ORDER);
        let placed = false;
        while (alts.length) {
          const [it, apply] = alts.shift()!;
          if (place(it, apply, false, alts)) {
            placed = true;
            break;
          }
        }
        if (placed) continue;
      }
      record(); // a dead end: the deepest one is the counterexample
      if (!deep) goDeep();
      backtracking = true;
    }
    // Backtrack: undo forced frames; at a branch frame try the next alternative.
    let resumed = false;
    while (stack.length) {
      const f = unplace();
      if (f.forced || !f.alts) continue;
      const alts = f.alts;
      while (alts.length) {
        const [it, apply] = alts.shift()!;
        if (place(it, apply, false, alts)) {
          resumed = true;
          break;
        }
      }
      if (resumed) break;
    }
    if (!resumed) {
      return {
        verdict: 'violation',
        operations: ops.length,
        sessions,
        explored,
        usedZxids,
        prefix: bestPrefix.map((it) => it.op),
        blocked: bestBlocked.map((b) => ({ op: b.op, reason: whyText(b.why) || (b.readOnly ? `its result is impossible in the state reached` : 'every order tried after it failed') })),
        state: bestState,
      };
    }
    backtracking = false;
  }
}

export function formatOsc(r: OscResult, maxPrefix = 20): string {
  if (r.verdict === 'ok') return `ordered-sequentially consistent: ${r.operations} operations, ${r.sessions} session(s)${r.usedZxids ? ' (zxids used)' : ''}${r.linearizable ? ' (even linearizable)' : ''}`;
  if (r.verdict === 'unknown' && r.memoryBudget) return `unknown: the search reached its memory budget (${r.operations} operations, ${r.sessions} sessions, ${r.explored} configurations)`;
  if (r.verdict === 'unknown' && r.assignmentsLeft) return `unknown: every assignment of sequential names to unknown creates searched failed, and others were left untried (${r.operations} operations, ${r.explored} configurations)`;
  if (r.verdict === 'unknown') return `unknown: the search gave up (time or configuration budget spent: ${r.operations} operations, ${r.explored} configurations)`;
  const lines = [`NOT ordered-sequentially consistent (${r.operations} operations, ${r.sessions} session(s)${r.usedZxids ? ', zxids used' : ''})`];
  const pre = r.prefix ?? [];
  lines.push(`longest legal order found has ${pre.length} operation(s):`);
  const shown = pre.slice(Math.max(0, pre.length - maxPrefix));
  if (shown.length < pre.length) lines.push(`  ... ${pre.length - shown.length} earlier operation(s)`);
  for (const o of shown) lines.push(`  ${describeOperation(o)}`);
  if (r.state) lines.push(`  state then: ${r.state}`);
  lines.push('no session can go on:');
  for (const b of r.blocked ?? []) lines.push(`  ${describeOperation(b.op)}\n      ${b.reason}`);
  return lines.join('\n');
}

/**
 * Order of the alternatives at a branch point: earliest invocation first (ZooKeeper orders writes as they reach the
 * leader, roughly in invocation order), then known outcomes before unknown ones, applying before skipping.
 */
function ALT_ORDER(a: [{ op: Operation; unknown: boolean }, boolean], b: [{ op: Operation; unknown: boolean }, boolean]): number {
  if (a[0].unknown !== b[0].unknown) return a[0].unknown ? 1 : -1;
  if (a[0].op.call !== b[0].op.call) return a[0].op.call - b[0].op.call;
  if (a[0].op.ret !== b[0].op.ret) return a[0].op.ret < b[0].op.ret ? -1 : 1;
  return a[1] === b[1] ? 0 : a[1] ? -1 : 1;
}
