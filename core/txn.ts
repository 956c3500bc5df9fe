/**
 * Transactions: the replicated state machine's input, and `prepare`, which turns a client request into one.
 *
 * ZooKeeper splits a write in two (src: `PrepRequestProcessor`, `DataTree.processTxn`):
 *  - prepare (leader only): every check, in ZooKeeper's exact order, against the *proposed* state (all txns proposed
 *    so far applied); sequential names; the list of ephemerals a closeSession removes. A failing request still
 *    becomes a txn (an error txn) that consumes its zxid.
 *  - apply (every replica, `DataTree.apply`): mechanical, no decisions left except ZooKeeper's own replay guards.
 *
 * Txns are logged to disk, recorded in traces and sent between servers by reference, and never mutated. Their data
 * is a TxnBytes: the bytes themselves (every replica's node shares them), written out as base64 (its toJSON), the
 * form txns had when they carried base64 text. The caller (server/leader) assigns zxid and time; prepare never
 * reads a clock.
 */
import type { CreateMode, Data, MultiOp, MultiResult, ReadResult, ReplyBody, Request, WriteRequest } from './protocol.js';
import { CreateMode as CM, MAX_FRAME_BYTES } from './protocol.js';
import { Code } from './errors.js';
import { isSpecialPath, isValidPath, rawParent, sequenceSuffix } from './paths.js';
import type { DataTree, NodeView } from './datatree.js';
import type { ACL, Id } from './acl.js';
import { decodeBase64, encodeBase64 } from './base64.js';
import { DEFAULT_AUTH, OPEN_ACL_UNSAFE, Perms, aclAllows, fixupAcl } from './acl.js';

// ---------------------------------------------------------------------------------------------------------------
// Txn types

/** TxnHeader: who, when, which zxid. `sessionId` 0 is the server itself (e.g. the ContainerManager). */
export interface TxnHeader {
  zxid: number;
  /** Leader wall-clock (virtual) ms when the txn was prepared; becomes ctime/mtime. */
  time: number;
  sessionId: number;
  /** The client's request xid (ZooKeeper's cxid), so any replica can match a committed txn to its request. */
  cxid: number;
}

/**
 * A txn's data (null for null data: ZooKeeper distinguishes null from empty): the request's bytes. Every replica's
 * node (and the leader's proposed tree) takes `bytes` itself, so nobody may mutate it: the client library never
 * does once it sent them, trees never do, and readers get copies.
 *
 * Txns carried base64 text before: encoding it at prepare and decoding it at every apply cost about 4% of a
 * fault-free run. Written out (repros' traces, reports, divergence texts: JSON.stringify, which calls toJSON before
 * any replacer) it is still that base64 text, so nothing written changes form.
 */
export class TxnBytes {
  constructor(readonly bytes: Uint8Array) {}
  toJSON(): string {
    return encodeBase64(this.bytes);
  }
}

/** A txn's data: its bytes, or, in a txn read back from its JSON form, their base64 text (apply takes both). */
export type TxnData = TxnBytes | string | null;

export type CreateTxn = {
  type: 'create';
  /** Final path (sequential suffix already appended). */
  path: string;
  data: TxnData;
  mode: CreateMode;
  /** TTL in ms for TTL modes, else absent. */
  ttl?: number;
  /** The parent's new internal cversion (creation counter); apply's replay guard compares against it. */
  parentCversion: number;
  /** The node's ACL after fixupACL; absent for OPEN_ACL_UNSAFE (what nearly every create carries). */
  acl?: readonly ACL[];
};
export type DeleteTxn = { type: 'delete'; path: string };
/** `version` is the node's new version, computed at prepare time (src: `SetDataTxn`). */
export type SetDataTxn = { type: 'setData'; path: string; data: TxnData; version: number };
export type CheckTxn = { type: 'check'; path: string; version: number };
/** SetACLTxn: the fixed-up ACL and the node's new aversion (computed at prepare time). Never inside a multi. */
export type SetACLTxn = { type: 'setACL'; path: string; acl: readonly ACL[]; version: number };
export type ErrorTxn = { type: 'error'; err: number };

/** What a multi is made of. A failed multi holds only error sub-txns: 0 before, err at, -2 after the failure. */
export type SubTxn = CreateTxn | DeleteTxn | SetDataTxn | CheckTxn | ErrorTxn;

export type TxnBody =
  | SubTxn
  | SetACLTxn
  | { type: 'multi'; ops: SubTxn[] }
  | { type: 'createSession'; timeoutMs: number }
  /** `paths`: the session's ephemerals at prepare time (pending creates/deletes included), sorted. */
  | { type: 'closeSession'; paths: string[] };

export type Txn = TxnHeader & TxnBody;
export type TxnType = Txn['type'];

/** Requests `prepare` understands: client writes plus the server-internal ones. */
export type PrepRequest =
  | WriteRequest
  | { op: 'createSession'; timeoutMs: number }
  /** ContainerManager's deletion of an empty container / expired TTL node (session 0). */
  | { op: 'deleteContainer'; path: string };

export interface PrepContext {
  sessionId: number;
  zxid: number;
  time: number;
  cxid?: number;
  /**
   * What the server's session tracker says about this session for this request (src: `checkSession`): 0/undefined
   * when fine, else SESSIONEXPIRED (closing/expired), SESSIONMOVED, UNKNOWNSESSION. Raised at ZooKeeper's point in
   * the check order (after the TTL checks for create; first for delete/setData/check; per sub-op in a multi).
   */
  sessionError?: number;
  /** zookeeper.extendedTypesEnabled (TTL nodes); default false → TTL create is UNIMPLEMENTED. */
  extendedTypesEnabled?: boolean;
  /** Server bug switch seq-from-child-count: a sequential suffix from the parent's number of children. */
  seqFromChildCount?: boolean;
  /** The ids the request's connection was authenticated as when it was read (absent: only ip:127.0.0.1). */
  auth?: readonly Id[];
}

/** ZooDefs.Perms bits (core/acl.ts). */
export { Perms };

/** The ids a request is checked against: its connection's, or the unauthenticated loopback client's. */
function idsOf(ctx: PrepContext): readonly Id[] {
  return ctx.auth ?? DEFAULT_AUTH;
}

/** Largest TTL (src: `EphemeralType.MAX_EXTENDED_SERVER_ID` layout: 40 bits of ms). */
export const MAX_TTL_MS = 2 ** 40 - 1;

export function isSequentialMode(mode: number): boolean {
  return mode === CM.PERSISTENT_SEQUENTIAL || mode === CM.EPHEMERAL_SEQUENTIAL || mode === CM.PERSISTENT_SEQUENTIAL_WITH_TTL;
}
export function isEphemeralMode(mode: number): boolean {
  return mode === CM.EPHEMERAL || mode === CM.EPHEMERAL_SEQUENTIAL;
}
export function isTtlMode(mode: number): boolean {
  return mode === CM.PERSISTENT_WITH_TTL || mode === CM.PERSISTENT_SEQUENTIAL_WITH_TTL;
}
/**
 * A create's ttl refused (BADARGUMENTS; src EphemeralType.validateTTL, on the client and again on the server): a TTL
 * mode needs a ttl in (0, MAX_TTL_MS], any other mode takes none (absent, or negative as the wire's -1).
 */
export function ttlRefused(mode: number, ttl: number | undefined): boolean {
  const t = ttl ?? -1;
  return isTtlMode(mode) ? !(t > 0 && t <= MAX_TTL_MS) : t >= 0;
}

// ---------------------------------------------------------------------------------------------------------------
// prepare

/**
 * PrepRequestProcessor: validate `req` against `tree` (the proposed state) and produce its txn. Never throws for a
 * bad request: failures become `{type:'error'}` (or a multi of error sub-txns) carrying the same header, because
 * ZooKeeper consumes a zxid for them too. Does not modify `tree`; the caller applies the txn to its proposed tree.
 */
export function prepare(tree: DataTree, req: PrepRequest, ctx: PrepContext): Txn {
  if (req.op === 'setData') return prepareSetData(tree, req.path, req.data, req.version, ctx);
  const hdr: TxnHeader = { zxid: ctx.zxid, time: ctx.time, sessionId: ctx.sessionId, cxid: ctx.cxid ?? 0 };
  switch (req.op) {
    case 'createSession':
      return { ...hdr, type: 'createSession', timeoutMs: req.timeoutMs };
    case 'closeSession':
      // No session check (the expirer sends it without owning the session); the proposed tree already reflects
      // pending creates/deletes of this session, which is what ZooKeeper's outstandingChanges walk computes.
      return { ...hdr, type: 'closeSession', paths: tree.ephemeralsOf(ctx.sessionId) };
    case 'deleteContainer': {
      const r = prepDeleteContainer(tree, req.path);
      return typeof r === 'number' ? { ...hdr, type: 'error', err: r } : { ...hdr, ...r };
    }
    case 'multi':
      return { ...hdr, type: 'multi', ops: prepMulti(tree, req.ops, ctx) };
    case 'setACL': {
      const r = prepSetACL(tree, req.path, req.acl, req.version, ctx);
      return typeof r === 'number' ? { ...hdr, type: 'error', err: r } : { ...hdr, ...r };
    }
    default: {
      const r = prepOp(tree, req, ctx);
      return typeof r === 'number' ? { ...hdr, type: 'error', err: r } : withHeader(hdr, r);
    }
  }
}

/** `{ ...hdr, ...r }` (same keys, same order) as literals: this runs for every write and spreads are slow. */
function withHeader(hdr: TxnHeader, r: SubTxn): Txn {
  const { zxid, time, sessionId, cxid } = hdr;
  switch (r.type) {
    case 'setData':
      return { zxid, time, sessionId, cxid, type: 'setData', path: r.path, data: r.data, version: r.version };
    case 'create': {
      const t: Txn = { zxid, time, sessionId, cxid, type: 'create', path: r.path, data: r.data, mode: r.mode, parentCversion: r.parentCversion };
      if ('ttl' in r) t.ttl = r.ttl;
      if (r.acl !== undefined) t.acl = r.acl;
      return t;
    }
    case 'delete':
      return { zxid, time, sessionId, cxid, type: 'delete', path: r.path };
    default:
      return { ...hdr, ...r };
  }
}

/** What prepare reads: the proposed tree, or a multi's pending view over it. */
interface TreeView {
  lookup(path: string): NodeView | undefined;
  hasSession(sessionId: number): boolean;
}

/**
 * A multi's pending state (ZooKeeper's ChangeRecords in outstandingChanges): the base tree plus the effects of the
 * sub-ops prepared so far, only as far as prepare can see them (existence, version, creation counter, child count).
 * Keys are normalised ("" → "/"). Cost is O(sub-ops), independent of the tree size.
 */
class PendingView implements TreeView {
  private readonly changed = new Map<string, NodeView | null>();
  constructor(private readonly base: DataTree) {}
  private key(path: string): string {
    return path === '' ? '/' : path;
  }
  lookup(path: string): NodeView | undefined {
    const k = this.key(path);
    const c = this.changed.get(k);
    return c === null ? undefined : c ?? this.base.lookup(k);
  }
  hasSession(sessionId: number): boolean {
    return this.base.hasSession(sessionId);
  }
  record(txn: SubTxn, sessionId: number): void {
    switch (txn.type) {
      case 'create': {
        const pk = this.key(rawParent(txn.path)!);
        const p = this.lookup(pk)!;
        this.changed.set(pk, { ...p, cversion: txn.parentCversion, numChildren: p.numChildren + 1 });
        const kind = isEphemeralMode(txn.mode) ? 'ephemeral' : txn.mode === CM.CONTAINER ? 'container' : isTtlMode(txn.mode) ? 'ttl' : 'persistent';
        this.changed.set(txn.path, { kind, owner: kind === 'ephemeral' ? sessionId : 0, version: 0, cversion: 0, numChildren: 0, acl: txn.acl ?? OPEN_ACL_UNSAFE, aversion: 0 });
        break;
      }
      case 'delete': {
        const pk = this.key(rawParent(txn.path)!);
        const p = this.lookup(pk)!;
        this.changed.set(pk, { ...p, numChildren: p.numChildren - 1 });
        this.changed.set(txn.path, null);
        break;
      }
      case 'setData':
        this.changed.set(txn.path, { ...this.lookup(txn.path)!, version: txn.version });
        break;
      case 'check': case 'error':
        break;
    }
  }
}

/**
 * Sub-ops are checked in order against the pending state including earlier sub-ops' effects (create /a then /a/b
 * works). On the first failure everything becomes error sub-txns 0…, err, -2… and nothing will be applied.
 */
function prepMulti(tree: DataTree, ops: readonly MultiOp[], ctx: PrepContext): SubTxn[] {
  const pending = new PendingView(tree);
  const out: SubTxn[] = [];
  for (let i = 0; i < ops.length; i++) {
    const r = prepOp(pending, ops[i]!, ctx);
    if (typeof r === 'number') {
      return ops.map((_, j): SubTxn => ({ type: 'error', err: j < i ? Code.OK : j === i ? r : Code.RUNTIMEINCONSISTENCY }));
    }
    out.push(r);
    pending.record(r, ctx.sessionId);
  }
  return out;
}

type OneOp = MultiOp | Exclude<WriteRequest, { op: 'multi' } | { op: 'closeSession' } | { op: 'setACL' }>;

function prepOp(tree: TreeView, op: OneOp, ctx: PrepContext): SubTxn | number {
  switch (op.op) {
    case 'create': return prepCreate(tree, op.path, op.data, op.mode, op.ttl, op.acl, ctx);
    case 'delete': return prepDelete(tree, op.path, op.version, ctx);
    case 'setData': return prepSetData(tree, op.path, op.data, op.version, ctx);
    case 'check': return prepCheck(tree, op.path, op.version, ctx);
  }
}

/** src: `pRequest2TxnCreate`, `validateCreateRequest`, `validatePathForCreate`. */
function prepCreate(
  tree: TreeView, path: string, data: Data, mode: number, ttl: number | undefined, acl: readonly ACL[] | undefined, ctx: PrepContext,
): CreateTxn | number {
  // CreateMode.fromFlag rejects unknown flags with BADARGUMENTS.
  if (!Number.isInteger(mode) || mode < 0 || mode > 6) return Code.BADARGUMENTS;
  // 1. TTL modes need extended types.
  if (isTtlMode(mode) && !ctx.extendedTypesEnabled) return Code.UNIMPLEMENTED;
  // 2. TTL range (non-TTL requests carry ttl -1; a non-negative one is refused).
  if (ttlRefused(mode, ttl)) return Code.BADARGUMENTS;
  // 3. Session check; ephemerals need a global session the tree knows (unknown → SESSIONEXPIRED).
  if (ctx.sessionError) return ctx.sessionError;
  if (isEphemeralMode(mode) && !tree.hasSession(ctx.sessionId)) return Code.SESSIONEXPIRED;
  // 4. Only "no /" and NUL are rejected before the parent lookup.
  const parent = rawParent(path);
  if (parent === null || path.includes('\0')) return Code.BADARGUMENTS;
  // 5. ACL fixup: empty, unknown scheme, invalid id, `auth` without an authenticated id → INVALIDACL.
  const ids = idsOf(ctx);
  const fixed = acl === undefined ? OPEN_ACL_UNSAFE : fixupAcl(acl, ids);
  if (fixed === null) return Code.INVALIDACL;
  // 6. Textual parent must exist ("" is the root).
  const p = tree.lookup(parent);
  if (!p) return Code.NONODE;
  // 7. CREATE permission on the parent (/zookeeper/config is READ-only).
  if (!aclAllows(p.acl, Perms.CREATE, ids)) return Code.NOAUTH;
  // 8. Sequential suffix from the parent's creation counter (pending state).
  // BUG SWITCH seq-from-child-count: the suffix from the parent's current number of children (a name reused after a delete)
  const finalPath = isSequentialMode(mode) ? path + sequenceSuffix(ctx.seqFromChildCount ? p.numChildren : p.cversion) : path;
  // 9. Only now the full validation, of the final name.
  if (!isValidPath(finalPath)) return Code.BADARGUMENTS;
  // 10. Existing name.
  if (tree.lookup(finalPath)) return Code.NODEEXISTS;
  // 11. Normal ephemerals cannot have children (containers and TTL nodes can).
  if (p.kind === 'ephemeral') return Code.NOCHILDRENFOREPHEMERALS;
  // 12. (Quota: not enforced by default in 3.8; not modelled.)
  const txn: CreateTxn = {
    type: 'create', path: finalPath, data: txnData(data), mode: mode as CreateMode,
    parentCversion: (p.cversion + 1) | 0,
  };
  if (isTtlMode(mode)) txn.ttl = ttl as number; // a TTL mode has its ttl (ttlRefused above)
  if (fixed !== OPEN_ACL_UNSAFE) txn.acl = fixed;
  return txn;
}

/** "no /", NUL, or one of the four special paths → BADARGUMENTS; returns the textual parent otherwise. */
function parentForDelete(path: string): string | number {
  const parent = rawParent(path);
  if (parent === null || path.includes('\0') || isSpecialPath(path)) return Code.BADARGUMENTS;
  return parent;
}

/** src: `pRequest2Txn` case delete. Note BADVERSION is checked before NOTEMPTY. */
function prepDelete(tree: TreeView, path: string, version: number, ctx: PrepContext): DeleteTxn | number {
  if (ctx.sessionError) return ctx.sessionError;
  const parent = parentForDelete(path);
  if (typeof parent === 'number') return parent;
  const p = tree.lookup(parent);
  if (!p) return Code.NONODE;
  if (!aclAllows(p.acl, Perms.DELETE, idsOf(ctx))) return Code.NOAUTH;
  const n = tree.lookup(path);
  if (!n) return Code.NONODE;
  if (!versionMatches(n.version, version)) return Code.BADVERSION;
  if (n.numChildren > 0) return Code.NOTEMPTY;
  return { type: 'delete', path };
}

/** src: `pRequest2Txn` case deleteContainer: only still-empty containers / TTL nodes. */
function prepDeleteContainer(tree: TreeView, path: string): DeleteTxn | number {
  const parent = parentForDelete(path);
  if (typeof parent === 'number') return parent;
  const n = tree.lookup(path);
  if (!n) return Code.NONODE;
  if (n.numChildren > 0) return Code.NOTEMPTY;
  if (n.kind === 'ephemeral') return Code.BADVERSION;
  if (!tree.lookup(parent)) return Code.NONODE;
  return { type: 'delete', path };
}

/** src: `pRequest2Txn` case setData: the node's current version, or the error. */
function checkSetData(tree: TreeView, path: string, version: number, ctx: PrepContext): number | NodeView {
  if (ctx.sessionError) return ctx.sessionError;
  if (!isValidPath(path)) return Code.BADARGUMENTS;
  const n = tree.lookup(path);
  if (!n) return Code.NONODE;
  if (!aclAllows(n.acl, Perms.WRITE, idsOf(ctx))) return Code.NOAUTH;
  if (!versionMatches(n.version, version)) return Code.BADVERSION;
  return n;
}

function prepSetData(tree: TreeView, path: string, data: Data, version: number, ctx: PrepContext): SetDataTxn | number {
  const n = checkSetData(tree, path, version, ctx);
  if (typeof n === 'number') return n;
  return { type: 'setData', path, data: txnData(data), version: (n.version + 1) | 0 };
}

/**
 * `prepare` of a setData, the common write: its txn (or error txn) built at once, with the keys in the order the
 * generic path gives them, without the header and sub-txn objects in between.
 */
function prepareSetData(tree: DataTree, path: string, data: Data, version: number, ctx: PrepContext): Txn {
  // checkSetData's checks, in its order, on the live node (no NodeView object; looking up a bad path is harmless)
  const n = tree.writeTarget(path);
  // A path that names a node needs no character scan: every node was created through a validated path (only "",
  // the root's alias, names a node without being valid).
  const err = ctx.sessionError ? ctx.sessionError
    : (n === undefined || path === '') && !isValidPath(path) ? Code.BADARGUMENTS
    : n === undefined ? Code.NONODE
    : !aclAllows(n.acl, Perms.WRITE, idsOf(ctx)) ? Code.NOAUTH
    : !versionMatches(n.version, version) ? Code.BADVERSION
    : 0;
  const cxid = ctx.cxid ?? 0;
  if (err !== 0 || n === undefined) return { zxid: ctx.zxid, time: ctx.time, sessionId: ctx.sessionId, cxid, type: 'error', err };
  // the tree's own string for the path (equal content: a valid path is not the root's alias "")
  return { zxid: ctx.zxid, time: ctx.time, sessionId: ctx.sessionId, cxid, type: 'setData', path: n.key, data: txnData(data), version: (n.version + 1) | 0 };
}

/** src: `pRequest2Txn` case check. */
function prepCheck(tree: TreeView, path: string, version: number, ctx: PrepContext): CheckTxn | number {
  if (ctx.sessionError) return ctx.sessionError;
  if (!isValidPath(path)) return Code.BADARGUMENTS;
  const n = tree.lookup(path);
  if (!n) return Code.NONODE;
  if (!aclAllows(n.acl, Perms.READ, idsOf(ctx))) return Code.NOAUTH;
  if (!versionMatches(n.version, version)) return Code.BADVERSION;
  return { type: 'check', path, version: (n.version + 1) | 0 };
}

/**
 * src: `pRequest2Txn` case setACL: session → validatePath (BADARGUMENTS) → fixupACL (INVALIDACL) → NONODE → ADMIN
 * on the node (NOAUTH) → aversion check (BADVERSION). The txn carries the new aversion.
 */
function prepSetACL(tree: TreeView, path: string, acl: readonly ACL[], version: number, ctx: PrepContext): SetACLTxn | number {
  if (ctx.sessionError) return ctx.sessionError;
  if (!isValidPath(path)) return Code.BADARGUMENTS;
  const ids = idsOf(ctx);
  const fixed = fixupAcl(acl, ids);
  if (fixed === null) return Code.INVALIDACL;
  const n = tree.lookup(path);
  if (!n) return Code.NONODE;
  if (!aclAllows(n.acl, Perms.ADMIN, ids)) return Code.NOAUTH;
  if (!versionMatches(n.aversion, version)) return Code.BADVERSION;
  return { type: 'setACL', path, acl: fixed, version: (n.aversion + 1) | 0 };
}

/** src: `checkAndIncVersion`: -1 matches anything; any other value (even -2) must be equal. */
function versionMatches(current: number, expected: number): boolean {
  return expected === -1 || expected === current;
}

// ---------------------------------------------------------------------------------------------------------------
// Data: in txns (TxnBytes), and in snapshots (base64: core/base64.ts)

/**
 * A txn's data: the request's bytes themselves, see TxnBytes. Not a copy: wire data is never mutated (the client
 * library makes it, copying any bytes its caller passed, core/client toData), and a Uint8Array costs more to make
 * than base64 text of 16 bytes did.
 */
export function txnData(data: Data): TxnData {
  return data === null ? null : new TxnBytes(data);
}

/** Base64 of the bytes, or null: a snapshot node's data (plain JSON). */
export function encodeData(data: Data): string | null {
  return data === null ? null : encodeBase64(data);
}

export function decodeData(s: string | null): Data {
  return s === null ? null : decodeBase64(s);
}

// ---------------------------------------------------------------------------------------------------------------
// Frame size (jute.maxbuffer)

/** UTF-8 length as Java's String.getBytes(UTF_8) computes it (a lone surrogate becomes "?": 1 byte). */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) { n += 4; i++; }
    else if (c >= 0xd800 && c <= 0xdfff) n += 1;
    else n += 3;
  }
  return n;
}

const str = (s: string) => 4 + utf8Length(s);
const buf = (d: Data) => 4 + (d === null ? 0 : d.length);
/** Vector<ACL> holding OPEN_ACL_UNSAFE: count + perms + "world" + "anyone". */
const OPEN_ACL_BYTES = 4 + 4 + str('world') + str('anyone');
/** A Vector<ACL>: count, then per entry perms + scheme + id. */
function aclBytes(acl: readonly ACL[] | undefined): number {
  if (acl === undefined || acl === OPEN_ACL_UNSAFE) return OPEN_ACL_BYTES;
  return acl.reduce((s, a) => s + 4 + str(a.scheme) + str(a.id), 4);
}
const REQUEST_HEADER_BYTES = 8; // xid:int, type:int
const MULTI_HEADER_BYTES = 9; // type:int, done:boolean, err:int

function createBytes(op: { path: string; data: Data; mode: number; acl?: readonly ACL[] }): number {
  return str(op.path) + buf(op.data) + aclBytes(op.acl) + 4 + (isTtlMode(op.mode) ? 8 : 0);
}

function multiOpBytes(op: MultiOp): number {
  switch (op.op) {
    case 'create': return createBytes(op);
    case 'delete': return str(op.path) + 4;
    case 'setData': return str(op.path) + buf(op.data) + 4;
    case 'check': return str(op.path) + 4;
  }
}

/**
 * The jute frame length the Java client would send for `req` (RequestHeader + record, without the 4-byte length
 * prefix), per §1.5: setData "/big" with 1 048 551 bytes → 1 048 575. The server closes the connection when this
 * exceeds MAX_FRAME_BYTES: the client sees CONNECTIONLOSS and no zxid is consumed.
 */
export function requestFrameBytes(req: Request): number {
  let body: number;
  switch (req.op) {
    case 'create': body = createBytes(req); break;
    case 'delete': body = str(req.path) + 4; break;
    case 'setData': body = str(req.path) + buf(req.data) + 4; break;
    case 'multi': body = req.ops.reduce((s, op) => s + MULTI_HEADER_BYTES + multiOpBytes(op), MULTI_HEADER_BYTES); break;
    case 'closeSession': body = 0; break;
    case 'setACL': body = str(req.path) + aclBytes(req.acl) + 4; break;
    case 'getACL': body = str(req.path); break;
    case 'auth': body = 4 + str(req.scheme) + buf(req.auth); break;
    case 'exists': case 'getData': case 'getChildren': body = str(req.path) + 1; break;
    case 'sync': body = str(req.path); break;
    // MultiOperationRecord of GetDataRequest / GetChildrenRequest (path, watch) records
    case 'multiRead': body = req.ops.reduce((s, op) => s + MULTI_HEADER_BYTES + str(op.path) + 1, MULTI_HEADER_BYTES); break;
    case 'getEphemerals': body = str(req.prefix); break;
    case 'getAllChildrenNumber': body = str(req.path); break;
    case 'whoAmI': body = 0; break; // a RequestHeader only
    case 'addWatch': case 'checkWatches': case 'removeWatches': body = str(req.path) + 4; break;
    case 'setWatches': {
      const vec = (v: string[]) => v.reduce((s, p) => s + str(p), 4);
      body = 8 + vec(req.dataWatches) + vec(req.existWatches) + vec(req.childWatches);
      break;
    }
  }
  return REQUEST_HEADER_BYTES + body;
}

const REPLY_HEADER_BYTES = 16; // xid:int, zxid:long, err:int
const STAT_BYTES = 68;

function multiResultBytes(r: MultiResult): number {
  switch (r.op) {
    case 'create': return str(r.path) + (r.stat ? STAT_BYTES : 0);
    case 'setData': return STAT_BYTES;
    case 'delete': case 'check': return 0;
    case 'error': return 4;
  }
}

function readResultBytes(r: ReadResult): number {
  switch (r.op) {
    case 'getData': return buf(r.data) + STAT_BYTES;
    case 'getChildren': return r.children.reduce((s, c) => s + str(c), 4);
    case 'error': return 4;
  }
}

/**
 * The jute frame length of a reply (ReplyHeader + body; create/getChildren as create2/getChildren2, with Stat).
 * The Java client applies jute.maxbuffer to replies too (§1.5): reading a node whose reply exceeds MAX_FRAME_BYTES
 * fails with CONNECTIONLOSS, so the largest readable data is 1 048 487 bytes.
 */
export function replyFrameBytes(body?: ReplyBody): number {
  if (body === undefined) return REPLY_HEADER_BYTES;
  let n: number;
  // getData first: the client sizes every getData reply (a switch compares case by case)
  switch (body.op) {
    case 'getData': n = buf(body.data) + STAT_BYTES; break;
    case 'create': n = str(body.path) + STAT_BYTES; break;
    case 'delete': case 'closeSession': case 'addWatch': case 'checkWatches': case 'removeWatches': case 'setWatches': n = 0; break;
    case 'setData': case 'exists': case 'setACL': n = STAT_BYTES; break;
    case 'getACL': n = aclBytes(body.acl) + STAT_BYTES; break;
    case 'getChildren': n = body.children.reduce((s, c) => s + str(c), 4) + STAT_BYTES; break;
    case 'multi': n = body.results.reduce((s, r) => s + MULTI_HEADER_BYTES + multiResultBytes(r), MULTI_HEADER_BYTES); break;
    case 'multiRead': n = body.results.reduce((s, r) => s + MULTI_HEADER_BYTES + readResultBytes(r), MULTI_HEADER_BYTES); break;
    case 'getEphemerals': n = body.paths.reduce((s, p) => s + str(p), 4); break;
    case 'getAllChildrenNumber': n = 4; break;
    case 'whoAmI': n = body.clientInfo.reduce((s, c) => s + str(c.authScheme) + str(c.user), 4); break;
    case 'sync': n = str(body.path); break;
  }
  return REPLY_HEADER_BYTES + n;
}

/** True when the server would drop the connection instead of reading `req`. */
export function exceedsFrameLimit(req: Request): boolean {
  return frameBound(req) > MAX_FRAME_BYTES && requestFrameBytes(req) > MAX_FRAME_BYTES;
}

/**
 * A cheap upper bound of requestFrameBytes for the one-path requests (a UTF-16 unit is at most 3 UTF-8 bytes, a
 * surrogate pair 4; 64 covers header, lengths, ACL, flags and TTL), so that only requests near the limit pay for the
 * exact UTF-8 length; Infinity when there is no cheap bound.
 */
function frameBound(req: Request): number {
  switch (req.op) {
    case 'create': return req.acl !== undefined ? Infinity : 64 + 3 * req.path.length + (req.data === null ? 0 : req.data.length);
    case 'setData': return 64 + 3 * req.path.length + (req.data === null ? 0 : req.data.length);
    case 'delete': case 'exists': case 'getData': case 'getChildren': case 'sync': case 'addWatch': case 'checkWatches': case 'removeWatches': case 'getAllChildrenNumber': return 64 + 3 * req.path.length;
    case 'getEphemerals': return 64 + 3 * req.prefix.length;
    default: return Infinity;
  }
}
