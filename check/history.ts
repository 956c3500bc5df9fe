/**
 * THE history format of zksim: what clients record, what every checker reads, what the codecs import and export.
 *
 * A history is a plain JSON array of `HistoryEvent`s in the order they happened (non-decreasing `time`). Files use
 * JSON lines (one event per line; see codecs.ts), or a JSON array. Everything is plain data: no classes, no
 * Infinity, no undefined inside values.
 *
 * ## Operations: `invoke` then exactly one completion
 * - `invoke`  {kind, id, process, time, op, args}: the client called `op(args)`. `id` is unique in the history and
 *   links the completion; `process` is the caller (a ZooKeeper session handle: one process = one session; a new
 *   handle after expiry is a new process).
 * - `ok`      {kind, id, process, time, result?, zxid?}: completed successfully with `result`.
 * - `fail`    {kind, id, process, time, error, zxid?, notApplied?}: completed with a definite error.
 *   * ZooKeeper errors that are results of a transaction or a read (NONODE −101, NODEEXISTS −110, BADVERSION −103,
 *     NOTEMPTY −111, NOCHILDRENFOREPHEMERALS −108, RUNTIMEINCONSISTENCY −2 …) took effect at one point in time:
 *     checkers verify them against the model like a result (a failed write consumed a zxid: record it).
 *   * `notApplied: true` means the operation certainly did not take effect and observed nothing (a client-side
 *     SESSIONEXPIRED on a CLOSED handle, a Jepsen `:fail :read :timed-out`): checkers drop it.
 * - `info`    {kind, id, process, time, error?}: the outcome is unknown (CONNECTIONLOSS, a timeout). The operation
 *   may take effect at any time after its invocation, or never; its result is unconstrained. A process may go on
 *   after an `info` (ZooKeeper sessions do); checkers that need program order treat the unknown op as concurrent
 *   with everything after its invocation.
 * An invoke without completion at the end of the history is treated as `info`.
 *
 * Pipelining: a ZooKeeper session may have several operations in flight (async API). That is allowed; program
 * order is the order of the `invoke` events of a process (ZooKeeper answers a session's requests in that order).
 *
 * ## zxids (what the ZooKeeper client must record)
 * `zxid` on `ok`/`fail` is the zxid of the reply header: for a write (create, delete, setData, multi, including a
 * failed one) the zxid of its transaction; for a read or sync the last zxid the serving server had applied when it
 * answered (so the read reflects exactly the writes with zxid ≤ it). Leave it out when unknown (imported histories).
 *
 * ## Time and real-time order
 * `time` is virtual milliseconds in simulated runs, or what the imported format gives (a line index, Jepsen's :time,
 * Porcupine's timestamps). Events are listed in the order they happened, with non-decreasing times, and that order is
 * the real-time order: a completes before b is invoked iff a's completion event comes before b's invoke event in the
 * history (`precedes`). So two events of the same millisecond are ordered by their positions (a simulated run records
 * them in the order they happened: an operation completed, then user code invoked the next one). Where a hand-written
 * history's times decrease, time decides first, then position. An importer that must keep equal times concurrent
 * (Porcupine's Operation list) lists, at each time, every invoke before every completion.
 * Operations that are not events of the history (osc.ts's synthetic session ends, the servers' own deletes of
 * withServerDeletes) carry times only: they are ordered by time, and concurrent with everything at the same time.
 *
 * ## Operation names, arguments and results
 * Register (Jepsen etcd): `read` args null, result V|null (nil = never written); `write` args V; `cas` args [A, B],
 * ok = swapped, `fail` (error {code: 1, name: 'CASMISMATCH'}) = the compare failed.
 * Key-value (Porcupine kv): `get` args {key}, result string; `put` args {key, value}; `append` args {key, value}.
 * ZooKeeper (data are UTF-8 strings or null; `stat` optional everywhere, but record it when known):
 *   create      args {path, data?, mode?: 'PERSISTENT'|'EPHEMERAL'|'PERSISTENT_SEQUENTIAL'|'EPHEMERAL_SEQUENTIAL'|
 *                     'CONTAINER', acl?: ACL}   result {path: the created name, stat?}
 *               (ACL = Array<{perms, scheme, id}> as passed, before the server's fixup; absent = OPEN_ACL_UNSAFE)
 *   delete      args {path, version}       (version −1 = any) result {}
 *   setData     args {path, data, version} result {stat?}
 *   getData     args {path, watch?}        result {data, stat?}          (missing: fail NONODE)
 *   exists      args {path, watch?}        result {stat: Stat | null}    (missing: ok with stat null, or fail NONODE)
 *   getChildren args {path, watch?}        result {children: string[]}   (any order)
 *   sync        args {path}                result {}
 *   multi       args {ops: Array<{op: 'create'|'delete'|'setData'|'check', path, data?, version?, mode?}>}
 *               result {results: per sub-op result}; on failure: fail with the first error (and `result.results`
 *               per-sub-op codes may be given in `error.results`).
 *   multiRead   args {ops: Array<{op: 'getData'|'getChildren', path}>}  result {results: Array<{op: 'getData', data,
 *               stat} | {op: 'getChildren', children} | {op: 'error', err}>}  (ops independent: an op's error is its
 *               result, the call still ok; never a watch)
 *   getEphemerals        args {prefix}  result {paths: string[]}  (the caller session's ephemerals, any order)
 *   getAllChildrenNumber args {path}    result {count}            (all descendants; missing: fail NONODE)
 *   (these three reads are in UNMODELLED_READS: the linearizability models leave them out, OSC checks them, see below)
 *   getACL      args {path}                result {acl: ACL, stat: {aversion, version, ...}}  (missing: fail NONODE)
 *   setACL      args {path, acl: ACL, version}  (version = the expected aversion, −1 any)  result {stat}
 *               (never inside a multi; a write: record its zxid)
 *   addAuth     args {scheme, auth: the text, e.g. "alice:secret"}  result {id?: the digest id "alice:<base64 sha1>"}
 *               recorded as invoked and ok at the moment of the call (addAuthInfo returns nothing; the client sends
 *               it ahead of every request made after it, on every connection): the caller's process has that id from
 *               its next operation on (check/models/znode.ts authOf; without result.id the checker derives it with
 *               core/acl.ts digestOf). Every process also has ip:127.0.0.1. A NOAUTH (−102) or INVALIDACL (−114)
 *               failure is a modelled error result, judged from the ACLs and those ids.
 *   whoAmI      args {}   result {clientInfo: Array<{authScheme, user}>}  (the connection's ids; reads no znode: the
 *               models take it, like addAuth, as a step that changes and checks nothing)
 *   `watch: true` on exists/getData/getChildren registers a one-shot watch when the read completes ok (exists also
 *   when the node is missing); `addWatch` args {path, mode: 'PERSISTENT'|'PERSISTENT_RECURSIVE'} registers a
 *   persistent one. `removeWatches` args {path, watcherType: 'CHILDREN'|'DATA'|'ANY', all, local} result {}:
 *   `all` false = removeWatches with one watcher (opcode checkWatches, the server keeps its watch), true =
 *   removeAllWatches (opcode removeWatches, the server drops the session's watches of that type on the path).
 *
 * ## Watch events and session states (for the watch checker)
 * - `event`   {kind, process, time, type, path}: a watch notification delivered to the session's client, with
 *   type 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged' (one record per notification
 *   frame received, i.e. per (session, path, type), before fan-out to local watcher objects).
 * - `session` {kind, process, time, state, server?, sessionId?}: the client handle's state changed:
 *   'connected' (SyncConnected, after the handshake, `server` = which one), 'disconnected', 'expired' (the client
 *   learned it on reconnect), 'closed' (after close()).
 */

export type Process = number | string;

export interface ErrorInfo {
  code: number;
  name: string;
  /** Optional extra detail, e.g. per-sub-op results of a failed multi. */
  results?: unknown;
}

export interface InvokeEvent {
  kind: 'invoke';
  id: number;
  process: Process;
  time: number;
  op: string;
  args: unknown;
}
export interface OkEvent {
  kind: 'ok';
  id: number;
  process: Process;
  time: number;
  result?: unknown;
  zxid?: number;
}
export interface FailEvent {
  kind: 'fail';
  id: number;
  process: Process;
  time: number;
  error: ErrorInfo;
  zxid?: number;
  /** The operation certainly did not take effect and observed nothing: checkers drop it. */
  notApplied?: boolean;
}
export interface InfoEvent {
  kind: 'info';
  id: number;
  process: Process;
  time: number;
  error?: ErrorInfo;
}
export type WatchEventType = 'NodeCreated' | 'NodeDeleted' | 'NodeDataChanged' | 'NodeChildrenChanged';
export interface WatchNotification {
  kind: 'event';
  process: Process;
  time: number;
  type: WatchEventType;
  path: string;
}
export type SessionState = 'connected' | 'disconnected' | 'expired' | 'closed';
export interface SessionStateEvent {
  kind: 'session';
  process: Process;
  time: number;
  state: SessionState;
  server?: string | number;
  sessionId?: number | string;
}

export type CompletionEvent = OkEvent | FailEvent | InfoEvent;
export type HistoryEvent = InvokeEvent | CompletionEvent | WatchNotification | SessionStateEvent;
export type History = HistoryEvent[];

/** ZooKeeper error codes used by the models (KeeperException.Code). */
export const ZkError = {
  OK: 0,
  RUNTIMEINCONSISTENCY: -2,
  CONNECTIONLOSS: -4,
  BADARGUMENTS: -8,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDACL: -114,
} as const;
export type ZkErrorName = keyof typeof ZkError;
export function zkError(name: ZkErrorName): ErrorInfo {
  return { code: ZkError[name], name };
}
/** The error of a failed compare-and-set in the register model. */
/**
 * The 3.6+ reads, which change nothing: multiRead (several nodes at one point), getEphemerals (the session's
 * ephemerals) and getAllChildrenNumber (a whole subtree). The linearizability models (check/models/znode.ts's
 * znodeModel, explore's znode model) do not follow them and leave them out, which is sound (a legal order of a history
 * stays legal without some of its reads) but checks less. The OSC model does follow them (each is one read of the
 * state at one point, see check/models/znode.ts), and unique-versions uses multiRead's getData results.
 */
export const UNMODELLED_READS: ReadonlySet<string> = new Set(['multiRead', 'getEphemerals', 'getAllChildrenNumber']);

export const CAS_MISMATCH: ErrorInfo = { code: 1, name: 'CASMISMATCH' };

/** One operation: an invoke paired with its completion. */
export type OpStatus = 'ok' | 'fail' | 'unknown';
/** The epoch of a zxid: its high 32 bits (the leader's epoch that made it). */
/**
 * Whether a persistent watch that an addWatch of the history armed ({path, mode}) covers an event at `path`: the path
 * itself, or, for a PERSISTENT_RECURSIVE one, any path below it. (A recursive watch gets no NodeChildrenChanged:
 * callers that know the event's type exclude it.)
 */
/** A create's `mode` as the history gives it ('PERSISTENT', 'EPHEMERAL_SEQUENTIAL', 'CONTAINER', 'PERSISTENT_WITH_TTL'...). */
export const isSequentialMode = (mode: unknown): boolean => typeof mode === 'string' && mode.includes('SEQUENTIAL');
export const isEphemeralMode = (mode: unknown): boolean => typeof mode === 'string' && mode.includes('EPHEMERAL');
export const isContainerOrTtlMode = (mode: unknown): boolean => mode === 'CONTAINER' || (typeof mode === 'string' && mode.includes('TTL'));

/**
 * True for a create mode whose node the servers may delete with no delete in the history: ephemerals (at their
 * session's close), and containers (once empty) and TTL nodes (once expired, by the leader's container manager)
 * unless `serverDeletesKnown`: the history has the container manager's deletes (withServerDeletes).
 */
export function serverDeletable(mode: unknown, serverDeletesKnown = false): boolean {
  return isEphemeralMode(mode) || (!serverDeletesKnown && isContainerOrTtlMode(mode));
}

export function persistentWatchCovers(w: { path: string; recursive: boolean }, path: string): boolean {
  return w.path === path || (w.recursive && path.startsWith(w.path === '/' ? '/' : `${w.path}/`));
}

/**
 * Whether a persistent watch fires an event of `type` on `path` (3.8's server tables). Either mode sits in both
 * tables (3.8.0 DataTree.addWatch); a data-table entry fires NodeCreated, NodeDataChanged and NodeDeleted, a
 * child-table entry NodeChildrenChanged (never for a recursive one) and NodeDeleted (a delete triggers both tables).
 * `noData` / `noChild`: that table's entry was dropped (removeAllWatches, see check/watches.ts).
 */
export function persistentWatchFires(w: { path: string; recursive: boolean; noData?: boolean; noChild?: boolean }, type: string, path: string): boolean {
  if (!persistentWatchCovers(w, path)) return false;
  if (type === 'NodeChildrenChanged') return !w.recursive && !w.noChild;
  if (type === 'NodeDeleted') return !w.noData || !w.noChild;
  return !w.noData;
}

export function epochOf(zxid: number): number {
  return Math.floor(zxid / 2 ** 32);
}

export interface Operation {
  /** The id of the invoke event. */
  id: number;
  process: Process;
  op: string;
  args: unknown;
  /** Invocation time. */
  call: number;
  /** Completion time; Infinity when the outcome is unknown (info or never completed). */
  ret: number;
  status: OpStatus;
  result?: unknown;
  error?: ErrorInfo;
  zxid?: number;
  /** Position of the invoke event in the history (a tie-breaker and a name for reports). */
  index: number;
  /**
   * Position of the completion event in the history: Infinity when the outcome is unknown; -1 (or absent) when the
   * operation is not made of the history's events (a synthetic session end, an operation built by hand), whose `call`
   * and `ret` are then all there is to order it by (see `precedes`).
   */
  retIndex?: number;
}

/** Whether `o`'s invocation and completion are events of the history at positions `index` and `retIndex`. */
function positioned(o: Operation): boolean {
  return o.retIndex !== undefined && o.retIndex >= 0;
}

/**
 * Real-time order: whether `a` completed before `b` was invoked. Earlier time first; at the same time, history order
 * when both are events of the history (a's completion listed before b's invoke), otherwise concurrent (an operation
 * with times only, such as a synthetic session end, is never ordered against another event of its millisecond).
 */
export function precedes(a: Operation, b: Operation): boolean {
  const r = a.ret;
  const c = b.call;
  if (r !== c) return r < c;
  return positioned(a) && positioned(b) && a.retIndex! < b.index;
}

/**
 * The real-time order of invocations and completions as one sort order, consistent with `precedes`: a point is
 * (time, tier, position), compared in that order, where an event of the history has tier 1 and its position, and an
 * operation with times only has its invocation at tier 0 (before every event of its millisecond) and its completion
 * at tier 2 (after every one). Then `precedes(a, b)` iff a's completion point is below b's invocation point.
 * `ret` true: the completion point of `o`, else its invocation point. Negative when the first point comes first.
 */
export function comparePoints(a: Operation, aRet: boolean, b: Operation, bRet: boolean): number {
  const ta = aRet ? a.ret : a.call;
  const tb = bRet ? b.ret : b.call;
  if (ta !== tb) return ta < tb ? -1 : 1;
  const pa = positioned(a);
  const pb = positioned(b);
  const ka = pa ? 1 : aRet ? 2 : 0;
  const kb = pb ? 1 : bRet ? 2 : 0;
  if (ka !== kb) return ka - kb;
  if (ka !== 1) return 0;
  const ia = aRet ? a.retIndex! : a.index;
  const ib = bRet ? b.retIndex! : b.index;
  return ia === ib ? 0 : ia < ib ? -1 : 1;
}

export function isOperationEvent(e: HistoryEvent): e is InvokeEvent | CompletionEvent {
  return e.kind === 'invoke' || e.kind === 'ok' || e.kind === 'fail' || e.kind === 'info';
}

/** A problem with a history's structure (not a consistency violation). */
export class HistoryError extends Error {
  override name = 'HistoryError';
}

export interface PairOptions {
  /** Keep operations that failed with notApplied (default false: they are dropped). */
  keepNotApplied?: boolean;
}

/**
 * A delete the servers made by themselves (ZooKeeper's container manager, run by the leader: an empty container or an
 * expired TTL node; a txn of session 0), from their trace: the deleted node, the zxid, when the leader proposed it and
 * when a server first applied it (it was committed by then). `applied` is absent when no server applied it in the
 * trace: the txn was never committed (its leader was deposed first), or it was, through a new leader's log, applied
 * only from disk.
 */
export interface ServerDelete {
  path: string;
  zxid: number;
  proposed: number;
  applied?: number;
  /** When the container manager's check chose the node (its delete is proposed up to a few ms later, one at a time). */
  checked?: number;
}

/** The process of the synthetic deletes of withServerDeletes (the servers' own session 0, as a client process). */
export const SERVERS_PROCESS = '(servers)';

/**
 * Adds the deletes the servers made by themselves (the container manager's: no client invoked them, so the history
 * has no operation for them) as operations of one more process, SERVERS_PROCESS: a `delete` of the node with version
 * −1, with what the trace shows and nothing more. One that a server applied completed ok with its zxid: it took effect
 * at its commit, after the leader proposed it and before the first apply (`call` and `ret`). One that no server
 * applied has an unknown outcome: from its proposal on, it took effect never or at any time (a new leader may have
 * committed it from its log). Their ids are negative, below every other id
 * (osc.ts's session ends, when added first).
 *
 * The process keeps them in the order of their proposals, which is their zxid order: the container manager runs on
 * the leader, and a txn that a deposed leader proposed after its successor's first proposal can never commit. (A
 * `call` is raised to the previous committed delete's when needed to keep that order: each one commits after the
 * previous one, so the interval still holds its commit.) `ops` are returned as is when there is nothing to add.
 */
export function withServerDeletes(ops: readonly Operation[], deletes: readonly ServerDelete[] | undefined): readonly Operation[] {
  if (!deletes?.length) return ops;
  let id = ops.reduce((m, o) => Math.min(m, o.id), 0) - 1;
  // (after every position of the history: a tie-breaker only, as for the session ends)
  let index = ops.reduce((m, o) => Math.max(m, o.index, Number.isFinite(o.retIndex) ? (o.retIndex ?? -1) : -1), -1) + 1;
  const added: Operation[] = [];
  let floor = -Infinity; // the call of the previous committed delete
  for (const d of [...deletes].sort((a, b) => a.zxid - b.zxid)) {
    const args = { path: d.path, version: -1 };
    if (d.applied === undefined) {
      added.push({ id: id--, process: SERVERS_PROCESS, op: 'delete', args, call: d.proposed, ret: Infinity, status: 'unknown', index: index++, retIndex: -1, result: undefined, error: undefined, zxid: undefined });
      continue;
    }
    const call = Math.max(d.proposed, floor);
    floor = call;
    added.push({ id: id--, process: SERVERS_PROCESS, op: 'delete', args, call, ret: Math.max(call, d.applied), status: 'ok', index: index++, retIndex: -1, result: {}, error: undefined, zxid: d.zxid });
  }
  return [...ops, ...added].sort((a, b) => a.call - b.call || a.index - b.index);
}

/**
 * Pairs invokes with completions into operations, ordered by invocation. Throws HistoryError for a completion
 * without invoke, a duplicate id or a second completion.
 */
export function pairOperations(history: readonly HistoryEvent[], opts: PairOptions = {}): Operation[] {
  const open = new Map<number, Operation>();
  const out: Operation[] = [];
  const done = new Set<number>();
  const dropped = new Set<Operation>();
  for (let i = 0; i < history.length; i++) {
    const e = history[i]!;
    switch (e.kind) {
      case 'invoke': {
        if (open.has(e.id) || done.has(e.id)) throw new HistoryError(`event ${i}: duplicate operation id ${e.id}`);
        // result, error and zxid present (undefined) from the start, as in withSessionEnds' synthetic closes: one shape
        // for every operation, so that the checkers reading them are not deoptimised by up to five shapes.
        const op: Operation = { id: e.id, process: e.process, op: e.op, args: e.args, call: e.time, ret: Infinity, status: 'unknown', index: i, retIndex: Infinity, result: undefined, error: undefined, zxid: undefined };
        open.set(e.id, op);
        out.push(op);
        break;
      }
      case 'ok':
      case 'fail':
      case 'info': {
        const op = open.get(e.id);
        if (!op) throw new HistoryError(`event ${i}: ${e.kind} for operation ${e.id} that is not in progress`);
        open.delete(e.id);
        done.add(e.id);
        if (e.kind === 'ok') {
          op.status = 'ok';
          op.ret = e.time;
          op.retIndex = i;
          op.result = e.result;
          if (e.zxid !== undefined) op.zxid = e.zxid;
        } else if (e.kind === 'fail') {
          op.status = 'fail';
          op.ret = e.time;
          op.retIndex = i;
          op.error = e.error;
          if (e.zxid !== undefined) op.zxid = e.zxid;
          if (e.notApplied && !opts.keepNotApplied) dropped.add(op);
        } else {
          if (e.error) op.error = e.error;
        }
        break;
      }
      default:
        break;
    }
  }
  return dropped.size ? out.filter((o) => !dropped.has(o)) : out;
}

/** Records a history as it happens. Ids are assigned in invocation order from 0. */
export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  private nextId = 0;
  private readonly inFlight = new Map<number, Process>();

  invoke(process: Process, op: string, args: unknown, time: number): number {
    const id = this.nextId++;
    this.inFlight.set(id, process);
    this.events.push({ kind: 'invoke', id, process, time, op, args: args === undefined ? null : args });
    return id;
  }
  ok(id: number, result: unknown, time: number, zxid?: number): void {
    const process = this.complete(id);
    if (result !== undefined && zxid !== undefined) {
      // The usual case in one literal (same keys, same order as below).
      this.events.push({ kind: 'ok', id, process, time, result, zxid });
      return;
    }
    const e: OkEvent = { kind: 'ok', id, process, time };
    if (result !== undefined) e.result = result;
    if (zxid !== undefined) e.zxid = zxid;
    this.events.push(e);
  }
  fail(id: number, error: ErrorInfo, time: number, zxid?: number, notApplied?: boolean): void {
    const process = this.complete(id);
    const e: FailEvent = { kind: 'fail', id, process, time, error };
    if (zxid !== undefined) e.zxid = zxid;
    if (notApplied) e.notApplied = true;
    this.events.push(e);
  }
  info(id: number, time: number, error?: ErrorInfo): void {
    const process = this.complete(id);
    const e: InfoEvent = { kind: 'info', id, process, time };
    if (error) e.error = error;
    this.events.push(e);
  }
  event(process: Process, type: WatchEventType, path: string, time: number): void {
    this.events.push({ kind: 'event', process, time, type, path });
  }
  session(process: Process, state: SessionState, time: number, extra: { server?: string | number; sessionId?: number | string } = {}): void {
    this.events.push({ kind: 'session', process, time, state, ...extra });
  }
  /** Operations still in flight (their ids). */
  pending(): number[] {
    return [...this.inFlight.keys()];
  }
  operations(): Operation[] {
    return pairOperations(this.events);
  }
  private complete(id: number): Process {
    const p = this.inFlight.get(id);
    if (p === undefined) throw new HistoryError(`operation ${id} is not in progress`);
    this.inFlight.delete(id);
    return p;
  }
}

/** A short text for one operation, for counterexamples: `p3 #12 setData {"path":"/a",...} -> ok {...}`. */
export function describeOperation(o: Operation): string {
  const args = o.args === null || o.args === undefined ? '' : ` ${short(o.args)}`;
  let outcome: string;
  if (o.status === 'ok') outcome = o.result === undefined ? 'ok' : `ok ${short(o.result)}`;
  else if (o.status === 'fail') outcome = `fail ${o.error ? `${o.error.name}(${o.error.code})` : ''}`.trimEnd();
  else outcome = 'unknown';
  const when = `[${o.call}, ${o.ret === Infinity ? '∞' : o.ret}]`;
  const z = o.zxid !== undefined ? ` zxid=0x${o.zxid.toString(16)}` : '';
  return `p${o.process} #${o.id} ${when} ${o.op}${args} -> ${outcome}${z}`;
}

function short(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 120 ? `${s.slice(0, 117)}...` : s;
}
