/**
 * ZooKeeper's data tree as a sequential specification, shared by the linearizability model (`znodeModel`,
 * immutable states, partitioned by path) and the ordered-sequential-consistency checker (osc.ts, one mutable store
 * with undo).
 *
 * Operations (history.ts lists their arguments and results): create, delete, setData, check (in multi), getData,
 * exists, getChildren, getACL, setACL, sync, multi, closeSession, addAuth and whoAmI (no-ops); and the key-value ops
 * get/put/append (Porcupine's kv: get = getData, put = setData with version −1, append = setData of data + value) on
 * nodes that always exist ("" initially).
 * Checked: existence, data, version (when the result carries `stat.version`), children (sorted), ZooKeeper's error
 * results NONODE −101, NODEEXISTS −110, BADVERSION −103, NOTEMPTY −111, NOCHILDRENFOREPHEMERALS −108, NOAUTH −102,
 * INVALIDACL −114 in ZooKeeper's check order (core/txn.ts, FinalRequestProcessor: see exec), sequential names (unique
 * and increasing under a parent: the suffix is at least the parent's creation count), multi all-or-nothing with the
 * first failing sub-op's error.
 * ACLs: a node holds its ACL (as the server fixed it up: `auth` → the creator's digest ids) and its aversion.
 * Permissions are judged from the node's (create, delete: the parent's) ACL and the caller's ids (authOf: ip:127.0.0.1
 * and the digest ids of its process's earlier addAuth operations; one invoked while the operation was in flight may or
 * may not count, and then either outcome passes). setACL: INVALIDACL, NONODE, ADMIN, BADVERSION on the aversion,
 * aversion + 1, the version unchanged. getACL: READ or ADMIN, the list (digests masked as "user:x" without ADMIN;
 * entries compared as a set) and the Stat's aversion and version. exists and sync need no permission.
 * A multiRead's reads: each NONODE, then READ (NOAUTH), as getData and getChildren.
 * Not modelled (the operation is then unconstrained and has no effect): other error codes (BADARGUMENTS, …), stat
 * fields other than version and aversion, sequential creates whose outcome is unknown.
 *
 * Initial tree: `/` and `/zookeeper` (OPEN_ACL_UNSAFE, aversion 0); every proper ancestor of a path on which some
 * operation succeeded (or failed with an error other than NONODE and INVALIDACL), and every node a read found (or that
 * a NOAUTH of its own ACL names), that is itself never created or deleted in the history is assumed to exist (the
 * test set it up beforehand), with data "" and version 0, and an unknown ACL and aversion (its permission checks
 * pass either way; setACL's reply gives its aversion); other paths are missing.
 * An operation of unknown outcome is no evidence (it may have failed with NONODE).
 */
import { ZkError, comparePoints, precedes, type Operation, type Process } from '../history.js';
import { ILLEGAL, ModelError, hashString, mix32, type Illegal, type Model } from './model.js';
import { DEFAULT_AUTH, OPEN_ACL_UNSAFE, Perms, aclAllows, digestOf, fixupAcl, maskDigests, type ACL, type Id } from '../../core/acl.js';

export interface ZNode {
  data: string;
  /** Rolling hash of data (so that appends and comparisons never walk long strings). */
  dh: number;
  version: number;
  /** Owning process of an ephemeral node, or null. */
  owner: Process | null;
  children: readonly string[]; // child names, sorted
  /** Lower bound of the next sequence number under this node (its creation count as far as known). */
  seq: number;
  /**
   * The node's ACL after the server's fixup (OPEN_ACL_UNSAFE itself when it is world:anyone ALL), or null when
   * unknown (a node assumed to exist before the history, a create or setACL whose `auth` entries depend on ids the
   * caller may or may not have had): every permission check on it is then unconstrained.
   */
  acl: readonly ACL[] | null;
  /** The ACL's version (Stat.aversion), or null when unknown (a node assumed to exist before the history). */
  aversion: number | null;
}

/**
 * The ids a caller had when the server checked an operation: `ids` certainly (ip:127.0.0.1 and the digest ids of
 * the addAuth calls of its process invoked before it), `more` possibly (also those of addAuth calls invoked while it
 * was in flight: queued behind it on a connection, or sent first on the next one), null when that is the same.
 */
export interface StepAuth {
  ids: readonly Id[];
  more: readonly Id[] | null;
}
export const DEFAULT_STEP_AUTH: StepAuth = Object.freeze({ ids: DEFAULT_AUTH, more: null });
/** The ids of each operation's caller (see authOf). */
export type AuthOf = (op: Operation) => StepAuth;
const defaultAuthOf: AuthOf = () => DEFAULT_STEP_AUTH;

/**
 * The ids of each operation's caller, from the `addAuth` operations of its process (history.ts): ip:127.0.0.1 (every
 * simulated client's address, as core/acl.ts's CLIENT_IP), plus `digest:` + result.id (or, without one,
 * core/acl.ts's digestOf(args.auth)) of each digest addAuth that completed ok (or has an unknown outcome: then only
 * possibly) and was invoked before the operation; possibly also those invoked while it was in flight (the zksim and
 * Java clients send the auth packets first on every new connection, ahead of requests queued before them). Other
 * schemes give no id (the server refuses them: AUTHFAILED closes the session, whose later results are unmodelled
 * errors). Without any addAuth: DEFAULT_STEP_AUTH for every operation.
 */
export function authOf(ops: readonly Operation[]): AuthOf {
  const auths = new Map<Process, Array<{ op: Operation; id: Id }>>();
  for (const o of ops) {
    if (o.op !== 'addAuth' || o.status === 'fail') continue;
    const a = (o.args ?? {}) as { scheme?: unknown; auth?: unknown };
    if (a.scheme !== 'digest') continue;
    const rid = (o.result as { id?: unknown } | null | undefined)?.id;
    const id = typeof rid === 'string' ? rid : typeof a.auth === 'string' ? digestOf(a.auth) : undefined;
    if (id === undefined) continue;
    let l = auths.get(o.process);
    if (!l) auths.set(o.process, (l = []));
    l.push({ op: o, id: { scheme: 'digest', id } });
  }
  if (!auths.size) return defaultAuthOf;
  const memo = new Map<string, StepAuth>();
  return (o) => {
    const l = auths.get(o.process);
    if (!l || o.op === 'addAuth') return DEFAULT_STEP_AUTH;
    const ids: Id[] = [...DEFAULT_AUTH];
    const more: Id[] = [];
    const has = (list: readonly Id[], id: Id): boolean => list.some((x) => x.scheme === id.scheme && x.id === id.id);
    for (const { op: a, id } of l) {
      if (comparePoints(a, false, o, false) < 0 && a.status === 'ok') {
        if (!has(ids, id)) ids.push(id);
      } else if (comparePoints(a, false, o, true) < 0 || (a.status !== 'ok' && comparePoints(a, false, o, false) < 0)) {
        if (!has(more, id)) more.push(id);
      }
    }
    const extra = more.filter((x) => !has(ids, x));
    const key = `${ids.map((x) => x.id).join('\u0000')}\u0001${extra.map((x) => x.id).join('\u0000')}`;
    let r = memo.get(key);
    if (!r) memo.set(key, (r = { ids, more: extra.length ? [...ids, ...extra] : null }));
    return r;
  };
}

/** Whether a permission is granted: 1 yes, 0 no, 2 maybe (unknown ACL, or only with the ids the caller may have had). */
type Permit = 0 | 1 | 2;
function permit(acl: readonly ACL[] | null, perm: number, a: StepAuth): Permit {
  if (acl === null) return 2;
  if (acl === OPEN_ACL_UNSAFE || aclAllows(acl, perm, a.ids)) return 1;
  return a.more !== null && aclAllows(acl, perm, a.more) ? 2 : 0;
}
/** Whether a create's or setACL's ACL argument is refused (INVALIDACL), given `want`: a maybe is decided as for `denied`. */
function refusedAcl(s: { invalid: 0 | 1 | 2 }, want: number): boolean {
  return s.invalid === 1 || (s.invalid === 2 && want === INVALIDACL);
}
/** Whether a check that `p` says denies the operation, given the code the history expects (`want`): a maybe is decided the way the result went. */
function denied(p: Permit, want: number): boolean {
  return p === 0 || (p === 2 && want === ZkError.NOAUTH);
}

/** An ACL as a sorted list of "perms/scheme/id" keys (the server's order of entries is not judged: see fixedAcl). */
export function aclKeys(acl: readonly ACL[]): string[] {
  return acl.map((a) => `${a.perms}/${a.scheme}/${a.id}`).sort();
}
function sameAcl(a: readonly ACL[], b: readonly ACL[]): boolean {
  return a === b || (a.length === b.length && sameKeys(aclKeys(a), aclKeys(b)));
}
const aclHashes = new WeakMap<readonly ACL[], number>();
function aclHash(acl: readonly ACL[] | null): number {
  if (acl === null) return 0x3c6ef372;
  let h = aclHashes.get(acl);
  if (h === undefined) aclHashes.set(acl, (h = hashString(aclKeys(acl).join('\n'))));
  return h;
}

/**
 * An ACL argument as the server fixes it up (core/acl.ts fixupAcl, PrepRequestProcessor.fixupACL) for a caller with
 * `auth`: the list and whether it is INVALIDACL (0 no, 1 yes, 2 maybe: only with the ids the caller may have had, or
 * a list that depends on them: then `acl` is null, unknown). `auth` entries become one entry per digest id of the
 * caller; the order the server lists them in depends on the order its ids arrived (after a reconnect the client
 * re-sends them last-added first), which is why ACLs are compared as sorted lists. Missing argument: OPEN_ACL_UNSAFE.
 */
function fixedAcl(op: Operation, raw: unknown, auth: StepAuth): { acl: readonly ACL[] | null; invalid: 0 | 1 | 2 } {
  if (raw === undefined || raw === null) return { acl: OPEN_ACL_UNSAFE, invalid: 0 };
  if (!Array.isArray(raw)) throw new ModelError(op, 'an "acl" list of {perms, scheme, id}');
  const list: ACL[] = raw.map((e) => {
    const x = (e ?? {}) as Record<string, unknown>;
    if (typeof x.perms !== 'number' || typeof x.scheme !== 'string' || typeof x.id !== 'string') throw new ModelError(op, 'an "acl" list of {perms, scheme, id}');
    return { perms: x.perms, scheme: x.scheme, id: x.id };
  });
  const open = list.length === 1 && list[0]!.perms === Perms.ALL && list[0]!.scheme === 'world' && list[0]!.id === 'anyone';
  const a = fixupAcl(open ? OPEN_ACL_UNSAFE : list, auth.ids);
  if (auth.more === null) return a === null ? { acl: null, invalid: 1 } : { acl: a, invalid: 0 };
  const b = fixupAcl(open ? OPEN_ACL_UNSAFE : list, auth.more);
  if (a === null && b === null) return { acl: null, invalid: 1 };
  if (a !== null && b !== null && sameAcl(a, b)) return { acl: a, invalid: 0 };
  return { acl: null, invalid: a === null || b === null ? 2 : 0 };
}

type Sub =
  | {
      k: 'create';
      path: string;
      name: string | undefined;
      /**
       * The parent of the node it creates (of its name, when known); for a sequential create with a name, that name's
       * sequence number (else -1).
       */
      parent: string;
      seqNo: number;
      data: string;
      dh: number;
      ephemeral: boolean;
      sequential: boolean;
      acl: readonly ACL[] | null;
      invalid: 0 | 1 | 2;
    }
  | { k: 'delete'; path: string; version: number }
  | { k: 'setData'; path: string; data: string; dh: number; pw: number; version: number; append?: boolean }
  | { k: 'check'; path: string; version: number }
  /** setACL (never inside a multi): the fixed-up list (see fixedAcl) and the aversion it expects (−1 any). */
  | { k: 'setACL'; path: string; acl: readonly ACL[] | null; invalid: 0 | 1 | 2; version: number };

/** What the history says happened: ok (with checks on the result), a modelled error code, unknown, or unconstrained. */
export type Expect =
  | { s: 'ok' }
  | { s: 'err'; code: number }
  | { s: 'unknown' }
  | { s: 'free' };

export type ZkStep =
  | { k: 'write'; subs: Sub[]; multi: boolean; expect: Expect; resultVersion?: number; resultAversion?: number; paths: string[]; process: Process; auth: StepAuth }
  | { k: 'getData'; path: string; expect: Expect; data?: string; dh?: number; version?: number; paths: string[]; kv: boolean; auth: StepAuth }
  | { k: 'exists'; path: string; expect: Expect; present?: boolean; version?: number; paths: string[] }
  | { k: 'getChildren'; path: string; expect: Expect; children?: string[]; paths: string[]; auth: StepAuth }
  /** getACL: READ or ADMIN needed; the list (sorted keys, aclKeys), masked unless the caller has ADMIN; the Stat's aversion and version. */
  | { k: 'getACL'; path: string; expect: Expect; acl?: string[]; aversion?: number; version?: number; paths: string[]; auth: StepAuth }
  | { k: 'sync'; paths: string[]; expect: Expect }
  /** addAuth, whoAmI: read and change no znode (addAuth's effect is in the ids of later steps, authOf). */
  | { k: 'noop'; paths: string[]; expect: Expect }
  | { k: 'closeSession'; owner: Process; paths: string[]; expect: Expect }
  /** multiRead: its sub-reads, all of one state (a server answers the whole request at one point of its log). */
  | { k: 'multiRead'; reads: ReadStep[]; paths: string[]; expect: Expect }
  /** getEphemerals: the nodes that `owner` (the caller's session) owns whose path starts with `prefix` ('' = all). */
  | { k: 'getEphemerals'; owner: Process; prefix: string; ephemerals?: string[]; paths: string[]; expect: Expect }
  /** getAllChildrenNumber: how many nodes are below `path` (at every depth). */
  | { k: 'getAllChildrenNumber'; path: string; count?: number; paths: string[]; expect: Expect; auth: StepAuth };

/**
 * One read of a multiRead: the getData or getChildren step it is, with its own result as the expectation (ok, NONODE,
 * NOAUTH; another error, or none, unconstrained), judged as that read on its own would be.
 */
export type ReadStep = Extract<ZkStep, { k: 'getData' | 'getChildren' }>;

/** INVALIDACL (−114): an ACL argument the server refuses. */
const INVALIDACL = ZkError.INVALIDACL;
const MODELLED = new Set<number>([ZkError.NONODE, ZkError.NODEEXISTS, ZkError.BADVERSION, ZkError.NOTEMPTY, ZkError.NOCHILDRENFOREPHEMERALS, ZkError.RUNTIMEINCONSISTENCY, ZkError.NOAUTH, INVALIDACL]);

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}
function nameIn(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
function str(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
function num(v: unknown, dflt: number): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : dflt;
}
function statVersion(r: unknown): number | undefined {
  const st = (r as { stat?: { version?: unknown } } | null)?.stat;
  return st && typeof st.version === 'number' ? st.version : undefined;
}

const RP = 0x01000193;
/** Rolling hash of a string and RP^len (mod 2^32): h(a + b) = h(a) * pw(b) + h(b). */
export function rolling(v: string): { h: number; pw: number } {
  let h = 0;
  let pw = 1;
  for (let i = 0; i < v.length; i++) {
    h = (Math.imul(h, RP) + v.charCodeAt(i)) | 0;
    pw = Math.imul(pw, RP);
  }
  return { h, pw };
}

function expectOf(op: Operation): Expect {
  if (op.status === 'ok') return { s: 'ok' };
  if (op.status === 'unknown') return { s: 'unknown' };
  const code = op.error?.code ?? 0;
  return MODELLED.has(code) ? { s: 'err', code } : { s: 'free' };
}

const KV_PREFIX = '\u0000kv/';

function parseSub(op: Operation, a: Record<string, unknown>, kind: string, result: unknown, auth: StepAuth): Sub {
  const path = a.path;
  if (typeof path !== 'string' || !path.startsWith('/')) throw new ModelError(op, `a "path" starting with "/" in ${kind}`);
  switch (kind) {
    case 'create': {
      const mode = typeof a.mode === 'string' ? a.mode : 'PERSISTENT';
      const sequential = mode.includes('SEQUENTIAL');
      const rp = (result as { path?: unknown } | null)?.path;
      const name = sequential ? (typeof rp === 'string' ? rp : undefined) : path;
      const data = str(a.data);
      const { acl, invalid } = fixedAcl(op, a.acl, auth);
      // (parent and number worked out here, once: the OSC search asks for them at every step, in exec and seqPassed)
      const seqNo = sequential && name !== undefined ? Number(name.slice(path.length)) : -1;
      return { k: 'create', path, name, parent: parentOf(name ?? path), seqNo, data, dh: rolling(data).h, ephemeral: mode.startsWith('EPHEMERAL'), sequential, acl, invalid };
    }
    case 'delete':
      return { k: 'delete', path, version: num(a.version, -1) };
    case 'setData': {
      const data = str(a.data);
      const r = rolling(data);
      return { k: 'setData', path, data, dh: r.h, pw: r.pw, version: num(a.version, -1) };
    }
    case 'check':
      return { k: 'check', path, version: num(a.version, -1) };
    case 'setACL': {
      const { acl, invalid } = fixedAcl(op, a.acl ?? [], auth);
      return { k: 'setACL', path, acl, invalid, version: num(a.version, -1) };
    }
    default:
      throw new ModelError(op, 'a multi sub-op create, delete, setData or check');
  }
}

/**
 * Data that no read returned can change no verdict: the model compares data only with what reads returned (it does
 * not model dataLength), so two writes of different unread data leave states that every later check treats alike.
 * Rewrites the data of such writes (in place) to one placeholder that no read returned, so that orders differing only
 * in which of them came last reach the same state, which a search's memo then recognises (eight concurrent setData
 * of unknown outcome on one register, none read: the OSC search gave up after 20 s; see test/check-osc-reductions.test.ts).
 * Paths that are appended to keep their data (an append's result contains what came before). Returns how many
 * writes were rewritten.
 */
export function forgetUnreadData(steps: ZkStep[]): number {
  const read = new Map<string, Set<string>>();
  const appended = new Set<string>();
  for (const s of steps) {
    if (s.k === 'getData' && s.data !== undefined) {
      let set = read.get(s.path);
      if (!set) read.set(s.path, (set = new Set()));
      set.add(s.data);
    } else if (s.k === 'multiRead') {
      for (const r of s.reads) {
        if (r.k !== 'getData' || r.data === undefined) continue;
        let set = read.get(r.path);
        if (!set) read.set(r.path, (set = new Set()));
        set.add(r.data);
      }
    } else if (s.k === 'write') for (const sub of s.subs) if (sub.k === 'setData' && sub.append) appended.add(sub.path);
  }
  let placeholder = '(data that no read returned)';
  for (const set of read.values()) while (set.has(placeholder)) placeholder += '.';
  const r = rolling(placeholder);
  let n = 0;
  for (const s of steps) {
    if (s.k !== 'write') continue;
    for (const sub of s.subs) {
      if (sub.k !== 'setData' && sub.k !== 'create') continue;
      // a sequential create's node is read under its name
      const path = sub.k === 'create' ? sub.name : sub.path;
      if (path === undefined || appended.has(path) || read.get(path)?.has(sub.data)) continue;
      sub.data = placeholder;
      sub.dh = r.h;
      if (sub.k === 'setData') sub.pw = r.pw;
      n++;
    }
  }
  return n;
}

/**
 * Turns an operation into a step. Throws ModelError for an operation the model does not know. `auth`: the ids of
 * each caller (authOf of the whole history; default: ip:127.0.0.1 only, as for a history without addAuth).
 */
export function prepareZk(op: Operation, auth: AuthOf = defaultAuthOf): ZkStep {
  const a = (op.args ?? {}) as Record<string, unknown>;
  const expect = expectOf(op);
  const r = op.result as Record<string, unknown> | undefined;
  switch (op.op) {
    case 'create':
    case 'delete':
    case 'setData':
    case 'setACL': {
      const au = auth(op);
      const sub = parseSub(op, a, op.op, r, au);
      const paths = [sub.path];
      if (sub.k === 'create' && sub.name && sub.name !== sub.path) paths.push(sub.name);
      const s: ZkStep = { k: 'write', subs: [sub], multi: false, expect, paths, process: op.process, auth: au };
      if ((op.op === 'setData' || op.op === 'setACL') && op.status === 'ok') {
        // (setACL: its Stat's version is the node's, unchanged; its aversion the new one)
        const v = statVersion(r);
        if (v !== undefined) s.resultVersion = v;
        const av = (r?.stat as { aversion?: unknown } | undefined)?.aversion;
        if (op.op === 'setACL' && typeof av === 'number') s.resultAversion = av;
      }
      if (sub.k === 'create' && sub.sequential && op.status === 'ok' && sub.name === undefined) throw new ModelError(op, 'the created name in result.path of a sequential create');
      // an unknown sequential create whose name was not recovered (resolveSequentialNames): not modelled
      if (sub.k === 'create' && sub.sequential && op.status === 'unknown' && sub.name === undefined) s.expect = { s: 'free' };
      return s;
    }
    case 'multi': {
      const list = a.ops;
      if (!Array.isArray(list)) throw new ModelError(op, 'args.ops, the list of sub-operations of a multi');
      const results = Array.isArray(r?.results) ? (r!.results as unknown[]) : [];
      const au = auth(op);
      const subs = list.map((x, i) => {
        const o = x as Record<string, unknown>;
        if (o?.op === 'setACL') throw new ModelError(op, 'a multi sub-op create, delete, setData or check');
        return parseSub(op, o, String(o?.op), results[i], au);
      });
      const paths: string[] = [];
      for (const s of subs) {
        paths.push(s.path);
        if (s.k === 'create' && s.name && s.name !== s.path) paths.push(s.name);
      }
      const s: ZkStep = { k: 'write', subs, multi: true, expect, paths, process: op.process, auth: au };
      if (subs.some((x) => x.k === 'create' && x.sequential && x.name === undefined)) s.expect = { s: 'free' };
      return s;
    }
    case 'put':
    case 'append':
    case 'get': {
      if (a.key === undefined || a.key === null) throw new ModelError(op, 'arguments {key, value?}');
      const path = KV_PREFIX + String(a.key);
      if (op.op === 'get') {
        const s: ZkStep = { k: 'getData', path, expect, paths: [path], kv: true, auth: DEFAULT_STEP_AUTH };
        if (op.status === 'ok') {
          s.data = str(op.result);
          s.dh = rolling(s.data).h;
        }
        return s;
      }
      const data = str(a.value);
      const r = rolling(data);
      return { k: 'write', subs: [{ k: 'setData', path, data, dh: r.h, pw: r.pw, version: -1, append: op.op === 'append' }], multi: false, expect, paths: [path], process: op.process, auth: DEFAULT_STEP_AUTH };
    }
    case 'getData': {
      const path = a.path;
      if (typeof path !== 'string') throw new ModelError(op, 'a "path" in getData');
      const s: ZkStep = { k: 'getData', path, expect, paths: [path], kv: false, auth: auth(op) };
      if (op.status === 'ok') {
        s.data = str(r?.data);
        s.dh = rolling(s.data).h;
        const v = statVersion(r);
        if (v !== undefined) s.version = v;
      }
      return s;
    }
    case 'exists': {
      const path = a.path;
      if (typeof path !== 'string') throw new ModelError(op, 'a "path" in exists');
      const s: ZkStep = { k: 'exists', path, expect, paths: [path] };
      if (op.status === 'ok') {
        const st = r?.stat;
        s.present = st !== null && st !== undefined;
        const v = statVersion(r);
        if (v !== undefined) s.version = v;
      } else if (op.status === 'fail' && op.error?.code === ZkError.NONODE) {
        s.expect = { s: 'ok' };
        s.present = false;
      }
      return s;
    }
    case 'getChildren': {
      const path = a.path;
      if (typeof path !== 'string') throw new ModelError(op, 'a "path" in getChildren');
      const s: ZkStep = { k: 'getChildren', path, expect, paths: [path], auth: auth(op) };
      if (op.status === 'ok') {
        const c = r?.children;
        if (!Array.isArray(c)) throw new ModelError(op, 'result.children, a list of names');
        s.children = c.map(String).sort();
      }
      return s;
    }
    case 'sync':
      return { k: 'sync', paths: [], expect };
    case 'multiRead': {
      const list = a.ops;
      if (!Array.isArray(list)) throw new ModelError(op, 'args.ops, the list of reads of a multiRead');
      const results = op.status === 'ok' ? (r?.results as unknown) : undefined;
      if (op.status === 'ok' && (!Array.isArray(results) || results.length !== list.length)) throw new ModelError(op, 'result.results, one result per read of the multiRead');
      const au = auth(op);
      const reads = list.map((x, i): ReadStep => {
        const o = (x ?? {}) as Record<string, unknown>;
        const path = o.path;
        if (typeof path !== 'string' || (o.op !== 'getData' && o.op !== 'getChildren')) throw new ModelError(op, 'multiRead ops {op: "getData" | "getChildren", path}');
        const res = (Array.isArray(results) ? results[i] : undefined) as Record<string, unknown> | undefined;
        const err = res?.op === 'error' ? num(res.err, 0) : undefined;
        const sub: Expect = res === undefined ? { s: 'free' } : err === undefined ? { s: 'ok' } : err === ZkError.NONODE || err === ZkError.NOAUTH ? { s: 'err', code: err } : { s: 'free' };
        if (o.op === 'getData') {
          const step: ReadStep = { k: 'getData', path, expect: sub, paths: [path], kv: false, auth: au };
          if (sub.s === 'ok') {
            step.data = str(res!.data);
            step.dh = rolling(step.data).h;
            const v = statVersion(res);
            if (v !== undefined) step.version = v;
          }
          return step;
        }
        const step: ReadStep = { k: 'getChildren', path, expect: sub, paths: [path], auth: au };
        if (sub.s === 'ok') {
          const c = res!.children;
          if (!Array.isArray(c)) throw new ModelError(op, 'result.results[i].children, a list of names, for a getChildren of a multiRead');
          step.children = c.map(String).sort();
        }
        return step;
      });
      // (paths: the nodes it found, evidence that they and their ancestors exist, see initialTree; NOAUTH too: the
      // server looks for the node first)
      const paths = reads.filter((x) => x.expect.s === 'ok' || (x.expect.s === 'err' && x.expect.code === ZkError.NOAUTH)).map((x) => x.path);
      return { k: 'multiRead', reads, paths, expect: op.status === 'fail' ? { s: 'free' } : expect };
    }
    case 'getEphemerals': {
      const prefix = a.prefix === undefined || a.prefix === null ? '/' : a.prefix;
      if (typeof prefix !== 'string') throw new ModelError(op, 'a "prefix" in getEphemerals');
      const t = javaTrim(prefix);
      const s: ZkStep = { k: 'getEphemerals', owner: op.process, prefix: t === '' || t === '/' ? '' : prefix, paths: [], expect: op.status === 'fail' ? { s: 'free' } : expect };
      if (op.status === 'ok') {
        const p = (r?.paths as unknown) ?? op.result;
        if (!Array.isArray(p)) throw new ModelError(op, 'result.paths, a list of paths');
        s.ephemerals = p.map(String).sort();
        s.paths = s.ephemerals.slice();
      }
      return s;
    }
    case 'getAllChildrenNumber': {
      const path = a.path;
      if (typeof path !== 'string') throw new ModelError(op, 'a "path" in getAllChildrenNumber');
      const s: ZkStep = { k: 'getAllChildrenNumber', path, paths: [path], expect, auth: auth(op) };
      // the model does not hold the servers' own nodes below /zookeeper (quota, config): not constrained there
      if (path === '/' || path === '' || path === '/zookeeper' || path.startsWith('/zookeeper/')) s.expect = { s: 'free' };
      else if (op.status === 'ok') {
        const c = (r?.count as unknown) ?? op.result;
        if (typeof c !== 'number') throw new ModelError(op, 'result.count, a number');
        s.count = c;
      } else if (op.status === 'fail' && op.error?.code !== ZkError.NONODE) s.expect = { s: 'free' };
      return s;
    }
    case 'closeSession':
      return { k: 'closeSession', owner: op.process, paths: [], expect: op.status === 'fail' ? { s: 'free' } : expect };
    case 'getACL': {
      const path = a.path;
      if (typeof path !== 'string') throw new ModelError(op, 'a "path" in getACL');
      const s: ZkStep = { k: 'getACL', path, expect, paths: [path], auth: auth(op) };
      if (op.status === 'ok') {
        const acl = r?.acl;
        if (!Array.isArray(acl)) throw new ModelError(op, 'result.acl, a list of {perms, scheme, id}');
        s.acl = aclKeys(acl.map((e) => ({ perms: Number((e as ACL)?.perms), scheme: String((e as ACL)?.scheme), id: String((e as ACL)?.id) })));
        const st = r?.stat as { aversion?: unknown; version?: unknown } | undefined;
        if (typeof st?.aversion === 'number') s.aversion = st.aversion;
        if (typeof st?.version === 'number') s.version = st.version;
      }
      return s;
    }
    case 'addAuth':
    case 'whoAmI':
      // a connection's ids change no znode and read none (addAuth's take effect through authOf)
      return { k: 'noop', paths: [], expect: { s: 'free' } };
    default:
      throw new ModelError(op, 'a ZooKeeper operation (create, delete, setData, getData, exists, getChildren, sync, multi, multiRead, getEphemerals, getAllChildrenNumber, getACL, setACL, addAuth, whoAmI, closeSession) or get/put/append');
  }
}

/** Java's String.trim: characters up to U+0020 off both ends (as the server trims getEphemerals' prefix). */
function javaTrim(v: string): string {
  let i = 0;
  let j = v.length;
  while (i < j && v.charCodeAt(i) <= 0x20) i++;
  while (j > i && v.charCodeAt(j - 1) <= 0x20) j--;
  return v.slice(i, j);
}

/**
 * A getAllChildrenNumber counts every node below its path, also one that a sequential create of unknown outcome made
 * and that no read named (resolveSequentialNames could not give it its name: the model does not hold it). Such a count
 * is left unconstrained (in place) when such a create's parent is at or below its path. Returns how many.
 */
export function looseCounts(steps: ZkStep[]): number {
  const unnamed: string[] = [];
  for (const s of steps) {
    if (s.k !== 'write' || s.expect.s !== 'free') continue;
    for (const sub of s.subs) if (sub.k === 'create' && sub.sequential && sub.name === undefined) unnamed.push(parentOf(sub.path));
  }
  if (!unnamed.length) return 0;
  let n = 0;
  for (const s of steps) {
    if (s.k !== 'getAllChildrenNumber' || s.expect.s === 'free') continue;
    const below = `${s.path}/`;
    if (unnamed.some((p) => p === s.path || p.startsWith(below))) {
      s.expect = { s: 'free' };
      n++;
    }
  }
  return n;
}

/**
 * Recovers the names of sequential creates whose outcome is unknown — plain creates and the create sub-ops of a
 * multi: a name later observed under the parent (in a getChildren result or as the path of an operation) that no
 * successful create produced is given to the earliest unknown create with the same prefix invoked before the name
 * was first seen and whose place in the order allows that sequence number (see `possible`; names in sequence order).
 * When several creates qualify, `pick[j]` chooses among them for the j-th such name (default the earliest invoked)
 * and `counts` receives how many qualified; any choice is one possible explanation, so a checker may try several.
 * The returned list has copies of those operations with `result.path` (a multi: `result.results[i].path`) set (their
 * status stays unknown).
 */
export function resolveSequentialNames(ops: readonly Operation[], pick: readonly number[] = [], counts?: number[]): Operation[] {
  return sequentialNameResolver(ops)(pick, counts);
}

/**
 * resolveSequentialNames for one history and many assignments: what does not depend on `pick` (when each name was
 * first seen, which creates could have made it) is worked out once, here, and each call only makes the choices. A
 * check may try thousands of assignments (checkOscOperations), and working all of it out per assignment made long
 * histories take minutes (20-client naming on 7 servers, 160 s: 43 ms an assignment).
 */
export function sequentialNameResolver(ops: readonly Operation[]): (pick?: readonly number[], counts?: number[]) => Operation[] {
  const pending = sequentialCreates(ops, 'unknown');
  if (!pending.length) return () => ops.slice();
  const prefixes = new Set(pending.map((c) => c.path));
  const known = sequentialCreates(ops, 'ok');
  const created = new Set<string>();
  for (const o of ops) if (o.op === 'create' && o.status === 'ok') created.add(String((o.args as { path?: unknown }).path));
  for (const k of known) if (k.name !== undefined) created.add(k.name);
  // When each name was first seen: the invocation of an operation that used it, or the return of a read that listed it
  // (an operation and which of its points, ordered in real time as in history.ts).
  const firstSeen = new Map<string, { op: Operation; ret: boolean }>();
  /** The largest zxid of a read that listed the name (reads that carry their zxid). */
  const listedAt = new Map<string, number>();
  const see = (name: string, op: Operation, ret: boolean): void => {
    const m = /^(.*?)(\d{10})$/.exec(name);
    if (!m || !prefixes.has(m[1]!) || created.has(name)) return;
    const f = firstSeen.get(name);
    if (!f || comparePoints(op, ret, f.op, f.ret) < 0) firstSeen.set(name, { op, ret });
  };
  for (const o of ops) {
    const a = (o.args ?? {}) as { path?: unknown; ops?: unknown };
    if (typeof a.path === 'string' && o.op !== 'create') see(a.path, o, false);
    const listed = (parent: string, c: unknown): void => {
      if (!Array.isArray(c)) return;
      for (const n of c) {
        const name = `${parent === '/' ? '' : parent}/${String(n)}`;
        see(name, o, true);
        if (o.zxid !== undefined && o.zxid > (listedAt.get(name) ?? -Infinity)) listedAt.set(name, o.zxid);
      }
    };
    if (o.op === 'getChildren' && o.status === 'ok' && typeof a.path === 'string') listed(a.path, (o.result as { children?: unknown } | null)?.children);
    else if (o.op === 'multiRead' && o.status === 'ok' && Array.isArray(a.ops)) {
      // its getChildren results list names, its getData ok results name nodes (that were there)
      const results = (o.result as { results?: unknown } | null)?.results;
      (a.ops as Array<{ op?: unknown; path?: unknown } | null>).forEach((sub, i) => {
        const res = Array.isArray(results) ? (results[i] as { op?: unknown; children?: unknown } | undefined) : undefined;
        if (typeof sub?.path !== 'string' || !res) return;
        if (sub.op === 'getChildren' && res.op === 'getChildren') listed(sub.path, res.children);
        else if (sub.op === 'getData' && res.op === 'getData') see(sub.path, o, true);
      });
    } else if (o.op === 'getEphemerals' && o.status === 'ok') {
      const p = (o.result as { paths?: unknown } | null)?.paths;
      if (Array.isArray(p)) for (const x of p) if (typeof x === 'string') see(x, o, true);
    }
  }
  // Sequence numbers grow along the zxid order, so a candidate cannot take a number (a) below that of a known
  // sequential name created (completed) before it was invoked, nor (b) above that of a known sequential name created
  // by a later operation of its own session (which takes effect after it, FIFO order, §7.5). (Before and after in
  // real-time order, history.ts.)
  const knownSeq: Array<{ prefix: string; n: number; op: Operation; process: Process }> = [];
  for (const k of known) {
    const m = k.name !== undefined ? /^(.*?)(\d{10})$/.exec(k.name) : null;
    if (m) knownSeq.push({ prefix: m[1]!, n: Number(m[2]), op: k.op, process: k.op.process });
  }
  // (c) Nor can it take a number above that of a known name whose create was invoked after its session ended (a
  // closeSession, e.g. the synthetic one for an expiry the client saw): nothing of a session takes effect after it.
  const endOf = new Map<Process, Operation>();
  for (const o of ops) {
    if (o.op !== 'closeSession' || o.status !== 'ok') continue;
    const e = endOf.get(o.process);
    if (!e || comparePoints(o, true, e, true) < 0) endOf.set(o.process, o);
  }
  // (d) Nor can an ephemeral create take a name that a read at or after its session's close (by zxid) still listed:
  // the close deleted the session's ephemerals, and a sequential name is never made twice.
  const endZxid = new Map<Process, number>();
  for (const o of ops) if (o.op === 'closeSession' && o.status === 'ok' && o.zxid !== undefined && o.zxid < (endZxid.get(o.process) ?? Infinity)) endZxid.set(o.process, o.zxid);
  const outlived = (c: SequentialCreate, name: string): boolean =>
    c.ephemeral && (listedAt.get(name) ?? -Infinity) >= (endZxid.get(c.op.process) ?? Infinity);
  const possible = (o: Operation, prefix: string, n: number): boolean =>
    knownSeq.every(
      (k) =>
        k.prefix !== prefix ||
        !((k.n >= n && precedes(k.op, o)) ||
          (k.process === o.process && k.n <= n && comparePoints(k.op, false, o, false) > 0) ||
          (k.n < n && endOf.has(o.process) && precedes(endOf.get(o.process)!, k.op))),
    );
  const names = [...firstSeen.keys()].sort();
  // Each name's candidates before any choice, earliest invoked first: a choice for an earlier name only takes some away.
  const candidates = names.map((name) => {
    const [, prefix, digits] = /^(.*?)(\d{10})$/.exec(name)!;
    const seen = firstSeen.get(name)!;
    return pending
      .filter((c) => c.path === prefix && comparePoints(c.op, false, seen.op, seen.ret) < 0 && possible(c.op, prefix!, Number(digits)) && !outlived(c, name))
      .sort((x, y) => x.op.call - y.op.call);
  });
  return (pick = [], counts) => {
    const assigned = new Map<SequentialCreate, string>();
    let choice = 0;
    names.forEach((name, j) => {
      const cand = candidates[j]!.filter((c) => !assigned.has(c));
      if (!cand.length) return;
      let k = 0;
      if (cand.length > 1) {
        k = Math.min(pick[choice++] ?? 0, cand.length - 1);
        counts?.push(cand.length);
      }
      assigned.set(cand[k]!, name);
    });
    return withNames(ops, assigned);
  };
}

/** `ops` with the names of `assigned` given to their creates (copies of those operations; the others as they are). */
function withNames(ops: readonly Operation[], assigned: ReadonlyMap<SequentialCreate, string>): Operation[] {
  if (!assigned.size) return ops.slice();
  const byOp = new Map<Operation, Array<[number, string]>>();
  for (const [c, name] of assigned) {
    const list = byOp.get(c.op) ?? [];
    list.push([c.sub, name]);
    byOp.set(c.op, list);
  }
  return ops.map((o) => {
    const names = byOp.get(o);
    if (!names) return o;
    if (o.op === 'create') return { ...o, result: { path: names[0]![1] } };
    const results: Array<Record<string, unknown>> = ((o.args as { ops: unknown[] }).ops).map(() => ({}));
    for (const [i, name] of names) results[i] = { path: name };
    return { ...o, result: { results } };
  });
}

/** A sequential create: a plain create (`sub` -1) or the `sub`-th op of a multi. */
interface SequentialCreate {
  op: Operation;
  sub: number;
  /** The path asked for (the prefix of the name). */
  path: string;
  ephemeral: boolean;
  /** The name created, when the result says it. */
  name: string | undefined;
}

/** The sequential creates of operations with the given status, in history order. */
function sequentialCreates(ops: readonly Operation[], status: 'ok' | 'unknown'): SequentialCreate[] {
  const out: SequentialCreate[] = [];
  const sequential = (a: unknown): a is { path: string; mode: string } =>
    !!a && typeof (a as { path?: unknown }).path === 'string' && String((a as { mode?: unknown }).mode ?? '').includes('SEQUENTIAL');
  const nameOf = (r: unknown): string | undefined => {
    const p = (r as { path?: unknown } | null | undefined)?.path;
    return typeof p === 'string' ? p : undefined;
  };
  for (const o of ops) {
    if (o.status !== status) continue;
    if (o.op === 'create' && sequential(o.args)) {
      out.push({ op: o, sub: -1, path: o.args.path, ephemeral: o.args.mode.startsWith('EPHEMERAL'), name: nameOf(o.result) });
    } else if (o.op === 'multi') {
      const list = (o.args as { ops?: unknown } | null)?.ops;
      if (!Array.isArray(list)) continue;
      const results = (o.result as { results?: unknown } | null)?.results;
      list.forEach((x, i) => {
        if ((x as { op?: unknown } | null)?.op !== 'create' || !sequential(x)) return;
        out.push({ op: o, sub: i, path: x.path, ephemeral: x.mode.startsWith('EPHEMERAL'), name: Array.isArray(results) ? nameOf(results[i]) : undefined });
      });
    }
  }
  return out;
}

/** True when the step never changes the tree. */
export function isReadOnly(p: ZkStep): boolean {
  if (p.k === 'write') return p.expect.s === 'err' || p.expect.s === 'free';
  if (p.k === 'closeSession') return p.expect.s === 'free';
  return true;
}
/** True for operations in ZooKeeper's linearizable set (writes, including failed ones; closeSession). */
export function isUpdate(p: ZkStep): boolean {
  return (p.k === 'write' || p.k === 'closeSession') && p.expect.s !== 'free';
}

/** A tree store the semantics run against. */
export interface TreeStore {
  get(path: string): ZNode | undefined;
  put(path: string, node: ZNode | undefined): void;
  mark(): number;
  rollback(mark: number): void;
  /** Paths of ephemeral nodes owned by `owner` (closeSession). */
  ephemeralsOf(owner: Process): string[];
}

const EMPTY: readonly string[] = [];

function insertSorted(list: readonly string[], name: string): string[] {
  const out = list.slice();
  let i = out.length;
  while (i > 0 && out[i - 1]! > name) i--;
  out.splice(i, 0, name);
  return out;
}

/**
 * Executes one sub-op: 0 and its effect, or an error code and no effect. The checks come in the server's order
 * (core/txn.ts, from PrepRequestProcessor 3.8.0): create INVALIDACL, parent NONODE, CREATE on the parent (NOAUTH),
 * NODEEXISTS, NOCHILDRENFOREPHEMERALS; delete parent NONODE, DELETE on the parent, NONODE, BADVERSION, NOTEMPTY;
 * setData NONODE, WRITE, BADVERSION; check NONODE, READ, BADVERSION; setACL INVALIDACL, NONODE, ADMIN, BADVERSION
 * (of the aversion). `auth`: the caller's ids; `want`: the code the history says it got (0 for ok or unknown), which
 * decides the checks the model cannot (a permission the caller may or may not have had, an unknown ACL or aversion).
 */
function exec(store: TreeStore, s: Sub, process: Process, auth: StepAuth, want: number): number {
  switch (s.k) {
    case 'create': {
      if (refusedAcl(s, want)) return INVALIDACL;
      const name = s.name!;
      const parentPath = s.parent;
      const parent = store.get(parentPath);
      if (!parent) return ZkError.NONODE;
      if (denied(permit(parent.acl, Perms.CREATE, auth), want)) return ZkError.NOAUTH;
      if (store.get(name)) return ZkError.NODEEXISTS;
      if (parent.owner !== null) return ZkError.NOCHILDRENFOREPHEMERALS;
      let seq = parent.seq + 1;
      if (s.sequential) {
        if (!name.startsWith(s.path) || !/^\d{10}$/.test(name.slice(s.path.length)) || s.seqNo < parent.seq) return ILLEGAL_SEQ;
        seq = s.seqNo + 1;
      }
      store.put(parentPath, { ...parent, children: insertSorted(parent.children, nameIn(name)), seq });
      store.put(name, { data: s.data, dh: s.dh, version: 0, owner: s.ephemeral ? process : null, children: EMPTY, seq: 0, acl: s.acl, aversion: 0 });
      return 0;
    }
    case 'delete': {
      const parentPath = parentOf(s.path);
      const parent = store.get(parentPath);
      if (!parent) return ZkError.NONODE;
      if (denied(permit(parent.acl, Perms.DELETE, auth), want)) return ZkError.NOAUTH;
      const node = store.get(s.path);
      if (!node) return ZkError.NONODE;
      if (s.version !== -1 && s.version !== node.version) return ZkError.BADVERSION;
      if (node.children.length > 0) return ZkError.NOTEMPTY;
      store.put(parentPath, { ...parent, children: parent.children.filter((c) => c !== nameIn(s.path)) });
      store.put(s.path, undefined);
      return 0;
    }
    case 'setData': {
      const node = store.get(s.path);
      if (!node) return ZkError.NONODE;
      if (denied(permit(node.acl, Perms.WRITE, auth), want)) return ZkError.NOAUTH;
      if (s.version !== -1 && s.version !== node.version) return ZkError.BADVERSION;
      store.put(s.path, {
        ...node,
        data: s.append ? node.data + s.data : s.data,
        dh: s.append ? (Math.imul(node.dh, s.pw) + s.dh) | 0 : s.dh,
        version: node.version + 1,
      });
      return 0;
    }
    case 'check': {
      const node = store.get(s.path);
      if (!node) return ZkError.NONODE;
      if (denied(permit(node.acl, Perms.READ, auth), want)) return ZkError.NOAUTH;
      if (s.version !== -1 && s.version !== node.version) return ZkError.BADVERSION;
      return 0;
    }
    case 'setACL': {
      if (refusedAcl(s, want)) return INVALIDACL;
      const node = store.get(s.path);
      if (!node) return ZkError.NONODE;
      if (denied(permit(node.acl, Perms.ADMIN, auth), want)) return ZkError.NOAUTH;
      // (an unknown aversion matches unless the history says BADVERSION)
      if (s.version !== -1 && (node.aversion === null ? want === ZkError.BADVERSION : s.version !== node.aversion)) return ZkError.BADVERSION;
      store.put(s.path, { ...node, acl: s.acl, aversion: node.aversion === null ? null : (node.aversion + 1) | 0 });
      return 0;
    }
  }
}
/** A sequential name that cannot be right (not unique-and-increasing): never legal. */
const ILLEGAL_SEQ = -999999;

/**
 * Runs a step against the store. Returns false when the recorded outcome is impossible in this state (the store is
 * then unchanged); true otherwise (the store holds the effect).
 */
export function applyZk(store: TreeStore, p: ZkStep): boolean {
  switch (p.k) {
    case 'write': {
      if (p.expect.s === 'free') return true;
      const m = store.mark();
      let code = 0;
      const want = p.expect.s === 'err' ? p.expect.code : 0;
      for (const s of p.subs) {
        if (s.k === 'create' && s.name === undefined) {
          // A sequential create whose name is not known (it failed): only its failure modes can be checked.
          const parent = store.get(parentOf(s.path));
          code = refusedAcl(s, want) ? INVALIDACL
            : !parent ? ZkError.NONODE
            : denied(permit(parent.acl, Perms.CREATE, p.auth), want) ? ZkError.NOAUTH
            : parent.owner !== null ? ZkError.NOCHILDRENFOREPHEMERALS : ILLEGAL_SEQ;
          break;
        }
        code = exec(store, s, p.process, p.auth, want);
        if (code !== 0) break;
      }
      if (code !== 0) store.rollback(m);
      if (p.expect.s === 'unknown') return true; // took effect if it could, else no effect
      if (p.expect.s === 'ok') {
        if (code !== 0) return false;
        if (p.resultVersion !== undefined || p.resultAversion !== undefined) {
          const path = p.subs[0]!.path;
          const n = store.get(path);
          if (!n || (p.resultVersion !== undefined && n.version !== p.resultVersion) || (p.resultAversion !== undefined && n.aversion !== null && n.aversion !== p.resultAversion)) {
            store.rollback(m);
            return false;
          }
          // a node whose aversion was unknown (assumed to exist before the history) has the one setACL's reply gave
          if (p.resultAversion !== undefined && n.aversion === null) store.put(path, { ...n, aversion: p.resultAversion });
        }
        return true;
      }
      if (code !== p.expect.code) {
        store.rollback(m); // it would have succeeded (or failed otherwise): impossible here, leave no effect
        return false;
      }
      return true;
    }
    case 'getData': {
      if (p.expect.s === 'unknown' || p.expect.s === 'free') return true;
      // NONODE, then READ (FinalRequestProcessor)
      const n = readGate(p, store.get(p.path), Perms.READ);
      if (typeof n === 'boolean') return n;
      return n.dh === p.dh && n.data.length === p.data!.length && (p.version === undefined || p.version === n.version) && n.data === p.data;
    }
    case 'exists': {
      if (p.expect.s !== 'ok') return true;
      const n = store.get(p.path);
      if (!p.present) return !n;
      return !!n && (p.version === undefined || p.version === n.version);
    }
    case 'getChildren': {
      if (p.expect.s === 'unknown' || p.expect.s === 'free') return true;
      const n = readGate(p, store.get(p.path), Perms.READ);
      if (typeof n === 'boolean') return n;
      const c = p.children!;
      if (c.length !== n.children.length) return false;
      for (let i = 0; i < c.length; i++) if (c[i] !== n.children[i]) return false;
      return true;
    }
    case 'getACL': {
      if (p.expect.s === 'unknown' || p.expect.s === 'free') return true;
      // NONODE, then READ or ADMIN; digests masked ("user:x") without ADMIN
      const n = readGate(p, store.get(p.path), Perms.READ | Perms.ADMIN);
      if (typeof n === 'boolean') return n;
      if ((p.aversion !== undefined && n.aversion !== null && p.aversion !== n.aversion) || (p.version !== undefined && p.version !== n.version)) return false;
      if (n.acl === null) return true;
      const admin = permit(n.acl, Perms.ADMIN, p.auth);
      return (admin !== 0 && sameKeys(aclKeys(n.acl), p.acl!)) || (admin !== 1 && sameKeys(aclKeys(maskDigests(n.acl)), p.acl!));
    }
    case 'sync':
    case 'noop':
      return true;
    case 'multiRead': {
      if (p.expect.s !== 'ok') return true;
      // each read as that getData or getChildren alone (src 3.8.0 FinalRequestProcessor, multiRead: NONODE, then READ);
      // reads change nothing, so all are judged on this one state
      for (const r of p.reads) if (!applyZk(store, r)) return false;
      return true;
    }
    case 'getEphemerals': {
      if (p.expect.s !== 'ok') return true;
      const want = p.ephemerals!;
      const have = store.ephemeralsOf(p.owner).filter((x) => x.startsWith(p.prefix));
      if (have.length !== want.length) return false;
      have.sort();
      for (let i = 0; i < have.length; i++) if (have[i] !== want[i]) return false;
      return true;
    }
    case 'getAllChildrenNumber': {
      if (p.expect.s === 'unknown' || p.expect.s === 'free') return true;
      const n = readGate(p, store.get(p.path), Perms.READ);
      if (typeof n === 'boolean') return n;
      return countBelow(store, p.path, n, p.count! + 1) === p.count;
    }
    case 'closeSession': {
      if (p.expect.s === 'free') return true;
      // Delete the owner's ephemerals, deepest first (ephemerals have no children).
      for (const path of store.ephemeralsOf(p.owner)) {
        const parentPath = parentOf(path);
        const parent = store.get(parentPath);
        if (parent) store.put(parentPath, { ...parent, children: parent.children.filter((c) => c !== nameIn(path)) });
        store.put(path, undefined);
      }
      return true;
    }
  }
}

/**
 * A read's checks before its result is compared, in the server's order (FinalRequestProcessor: NONODE, then `perm`),
 * on the node `n` (undefined: missing): the verdict when they decide it (an error result, or an ok one the node's
 * absence or ACL rules out), else n itself (it exists and `perm` may be granted: the caller compares the result).
 */
function readGate(p: { expect: Expect; auth: StepAuth }, n: ZNode | undefined, perm: number): boolean | ZNode {
  if (p.expect.s === 'err') return p.expect.code === ZkError.NONODE ? !n : p.expect.code === ZkError.NOAUTH && !!n && permit(n.acl, perm, p.auth) !== 1;
  if (!n || permit(n.acl, perm, p.auth) === 0) return false;
  return n;
}

/** " acl=[...]@av1" for a node whose ACL or aversion is known and not a plain create's (else "", as before ACLs were modelled). */
function aclText(n: ZNode): string {
  // (nor for one assumed to exist before the history, whose ACL is unknown: texts of histories without ACLs stay as they were)
  if ((n.acl === OPEN_ACL_UNSAFE || n.acl === null) && (n.aversion === 0 || n.aversion === null)) return '';
  return ` acl=${n.acl === null ? '?' : `[${aclKeys(n.acl).join(' ')}]`}@av${n.aversion ?? '?'}`;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** How many nodes are below `path` (node `n`) in the store, counting up to `limit` at most (then it stops). */
function countBelow(store: TreeStore, path: string, n: ZNode, limit: number): number {
  let count = 0;
  const walk = (p: string, node: ZNode): void => {
    const prefix = p === '/' ? '/' : `${p}/`;
    for (const c of node.children) {
      if (++count >= limit) return;
      const cn = store.get(prefix + c);
      if (cn && cn.children.length) walk(prefix + c, cn);
      if (count >= limit) return;
    }
  };
  walk(path, n);
  return count;
}

const pathHashes = new Map<string, number>();
export function nodeHash(path: string, n: ZNode | undefined, seed: number): number {
  if (!n) return 0;
  let ph = pathHashes.get(path);
  if (ph === undefined) {
    if (pathHashes.size > 1 << 20) pathHashes.clear();
    pathHashes.set(path, (ph = hashString(path)));
  }
  let h = mix32(ph ^ seed);
  h = mix32(h ^ n.dh ^ n.data.length ^ Math.imul(n.version, 0x9e3779b1));
  h = mix32(h ^ n.seq ^ (n.owner === null ? 0 : hashString(String(n.owner))) ^ n.children.length * 0x632be5ab);
  // (only a node with another ACL or aversion than a plain create's: histories without ACLs hash as before)
  if (n.acl !== OPEN_ACL_UNSAFE || n.aversion !== 0) h = mix32(h ^ aclHash(n.acl) ^ Math.imul(n.aversion ?? -7, 0x85ebca6b));
  return h;
}

/** The initial tree for a set of operations (see the header). */
export function initialTree(steps: readonly ZkStep[]): Map<string, ZNode> {
  const t = new Map<string, ZNode>();
  const changed = new Set<string>();
  const all = new Set<string>();
  const read = new Set<string>();
  for (const p of steps) {
    // evidence that the ancestors of a path exist: an operation on it that succeeded, or failed with an error other
    // than NONODE. Not an operation of unknown outcome: it may have failed with NONODE (a create under a parent that
    // was never made), so it proves nothing.
    // (nor INVALIDACL: the server refuses the ACL before it looks at the tree)
    const evidence = p.expect.s === 'ok' || (p.expect.s === 'err' && p.expect.code !== ZkError.NONODE && p.expect.code !== INVALIDACL);
    if (evidence && !(p.k === 'exists' && p.present === false)) for (const x of p.paths) all.add(x);
    // a read that found the node: it exists too (ensure leaves out the nodes the history creates or deletes)
    if (p.expect.s === 'ok' && (p.k === 'getData' || p.k === 'getChildren' || p.k === 'getAllChildrenNumber' || (p.k === 'exists' && p.present === true))) read.add(p.path);
    // (a multiRead's found nodes, the ephemerals a getEphemerals listed: its paths)
    if (p.expect.s === 'ok' && (p.k === 'multiRead' || p.k === 'getEphemerals')) for (const x of p.paths) read.add(x);
    // NOAUTH on a node's own ACL (a read, setData, setACL) comes after the server found the node: it exists too
    if (p.expect.s === 'err' && p.expect.code === ZkError.NOAUTH) {
      if (p.k === 'getData' || p.k === 'getChildren' || p.k === 'getACL' || p.k === 'getAllChildrenNumber') read.add(p.path);
      else if (p.k === 'write' && !p.multi && (p.subs[0]!.k === 'setData' || p.subs[0]!.k === 'setACL')) read.add(p.subs[0]!.path);
    }
    for (const x of p.paths) if (x.startsWith(KV_PREFIX)) all.add(x);
    if (p.k === 'write') for (const s of p.subs) if (s.k === 'create' || s.k === 'delete') changed.add(s.k === 'create' ? (s.name ?? s.path) : s.path);
  }
  const root: ZNode = { data: '', dh: 0, version: 0, owner: null, children: EMPTY, seq: 0, acl: OPEN_ACL_UNSAFE, aversion: 0 };
  // a node assumed to exist before the history: its ACL and aversion are not known
  const assumed: ZNode = { ...root, acl: null, aversion: null };
  t.set('/', root);
  t.set('/zookeeper', { ...root });
  const ensure = (path: string): void => {
    if (t.has(path) || changed.has(path) || path.startsWith(KV_PREFIX)) return;
    const parent = parentOf(path);
    ensure(parent);
    t.set(path, { ...assumed });
    const pn = t.get(parent);
    if (pn) t.set(parent, { ...pn, children: insertSorted(pn.children, nameIn(path)) });
  };
  for (const x of all) {
    if (x.startsWith(KV_PREFIX)) {
      t.set(x, { ...root });
      continue;
    }
    let p = parentOf(x);
    while (p !== '/') {
      ensure(p);
      p = parentOf(p);
    }
  }
  for (const x of read) if (!x.startsWith(KV_PREFIX)) ensure(x);
  // '/zookeeper' is a child of '/'
  const r = t.get('/')!;
  t.set('/', { ...r, children: insertSorted(r.children, 'zookeeper') });
  return t;
}

// ---------------------------------------------------------------------------------------------------------------
// The linearizability model: immutable partition states, partitioned by path with union-find.

export interface ZState {
  nodes: Map<string, ZNode>;
  hash: number;
}

/**
 * A tree with an undo log: mark() and rollback() undo every put() since the mark. Subclasses keep their hashes in
 * step in set(), the one place where a node changes (a put, or a rollback's undo).
 */
abstract class UndoTree implements TreeStore {
  private log: Array<[string, ZNode | undefined]> = [];
  constructor(public nodes: Map<string, ZNode>) {}
  abstract get(path: string): ZNode | undefined;
  /** `path` goes from `old` (its node now) to `node` (undefined: deleted), in the map and the hashes. */
  protected abstract set(path: string, old: ZNode | undefined, node: ZNode | undefined): void;
  put(path: string, node: ZNode | undefined): void {
    const old = this.nodes.get(path);
    this.log.push([path, old]);
    this.set(path, old, node);
  }
  mark(): number {
    return this.log.length;
  }
  rollback(m: number): void {
    while (this.log.length > m) {
      const [path, old] = this.log.pop()!;
      this.set(path, this.nodes.get(path), old);
    }
  }
  ephemeralsOf(owner: Process): string[] {
    const out: string[] = [];
    for (const [p, n] of this.nodes) if (n.owner === owner) out.push(p);
    return out.sort().reverse();
  }
}

/** A partition's state for the linearizability search: copied on its first write, one hash. */
class CowStore extends UndoTree {
  hash: number;
  private copied = false;
  constructor(readonly base: ZState, readonly owned: ReadonlySet<string> | null, readonly constant: ReadonlyMap<string, ZNode>) {
    super(base.nodes);
    this.hash = base.hash;
  }
  get(path: string): ZNode | undefined {
    if (this.owned && !this.owned.has(path)) return this.constant.get(path);
    return this.nodes.get(path);
  }
  override put(path: string, node: ZNode | undefined): void {
    if (this.owned && !this.owned.has(path)) return; // a parent outside the partition: its changes are not observed
    if (!this.copied) {
      this.nodes = new Map(this.nodes);
      this.copied = true;
    }
    super.put(path, node);
  }
  protected set(path: string, old: ZNode | undefined, node: ZNode | undefined): void {
    this.hash ^= nodeHash(path, old, 0) ^ nodeHash(path, node, 0);
    if (node) this.nodes.set(path, node);
    else this.nodes.delete(path);
  }
}

interface PartitionInfo {
  owned: Set<string> | null;
  constant: Map<string, ZNode>;
}

/** The znode model; partitions keep every operation with every path it can observe or change. */
export function makeZnodeModel(): Model<ZState, ZkStep> {
  const infoOf = new WeakMap<readonly Operation[], PartitionInfo>();
  const stepCache = new WeakMap<Operation, ZkStep>();
  /** The callers' ids, from the addAuth operations of the history being checked (set by partition). */
  let auth: AuthOf = defaultAuthOf;
  const prep = (o: Operation): ZkStep => {
    let s = stepCache.get(o);
    if (!s) stepCache.set(o, (s = prepareZk(o, auth)));
    return s;
  };
  let constantTree = new Map<string, ZNode>();
  return {
    name: 'znode',
    partition(opsIn) {
      auth = authOf(opsIn);
      const ops = resolveSequentialNames(opsIn);
      const steps = ops.map(prep);
      constantTree = initialTree(steps);
      // Which parents have observable children state: created/deleted, listed, or parents of sequential creates.
      const observed = new Set<string>();
      let closes = false;
      for (const p of steps) {
        if (p.k === 'getChildren') observed.add(p.path);
        if (p.k === 'closeSession') closes = true;
        if (p.k === 'write') {
          for (const s of p.subs) {
            if (s.k === 'create') {
              observed.add(s.name ?? s.path);
              if (s.sequential) observed.add(parentOf(s.path));
            }
            if (s.k === 'delete') observed.add(s.path);
            // (its children's creates and deletes depend on its ACL)
            if (s.k === 'setACL') observed.add(s.path);
          }
        }
      }
      const uf = new Map<string, string>();
      const find = (x: string): string => {
        let r = x;
        while (uf.has(r) && uf.get(r) !== r) r = uf.get(r)!;
        let y = x;
        while (y !== r) {
          const n = uf.get(y)!;
          uf.set(y, r);
          y = n;
        }
        if (!uf.has(r)) uf.set(r, r);
        return r;
      };
      const union = (a: string, b: string): void => {
        const ra = find(a);
        const rb = find(b);
        if (ra !== rb) uf.set(ra, rb);
      };
      const CLOSE = '\u0000close';
      for (const p of steps) {
        const ps = p.paths;
        for (const x of ps) find(x);
        for (let i = 1; i < ps.length; i++) union(ps[0]!, ps[i]!);
        if (p.k === 'write') {
          for (const s of p.subs) {
            const target = s.k === 'create' ? (s.name ?? s.path) : s.path;
            if ((s.k === 'create' || s.k === 'delete') && observed.has(parentOf(target))) union(target, parentOf(target));
            if (s.k === 'create' && s.ephemeral && closes) union(target, CLOSE);
            if (s.k === 'create' && s.sequential) union(s.path, parentOf(s.path));
          }
        }
        // getChildren(P): every child created or deleted anywhere is unioned with P through its create/delete.
        if (p.k === 'closeSession') find(CLOSE);
      }
      const groups = new Map<string, Operation[]>();
      const owned = new Map<string, Set<string>>();
      for (const x of uf.keys()) {
        const r = find(x);
        if (!owned.has(r)) owned.set(r, new Set());
        owned.get(r)!.add(x);
      }
      const syncs: Operation[] = [];
      ops.forEach((o, i) => {
        const p = steps[i]!;
        const key = p.k === 'closeSession' ? (uf.has(CLOSE) ? find(CLOSE) : undefined) : p.paths.length ? find(p.paths[0]!) : undefined;
        if (key === undefined) {
          syncs.push(o); // sync and closeSession without ephemerals constrain nothing in a linearizable tree
          return;
        }
        let g = groups.get(key);
        if (!g) groups.set(key, (g = []));
        g.push(o);
      });
      const out: Operation[][] = [];
      for (const [key, g] of groups) {
        const own = owned.get(key)!;
        // parents of owned creates stay owned only if in the group; ancestors outside are constant
        infoOf.set(g, { owned: own, constant: constantTree });
        out.push(g);
      }
      if (syncs.length) {
        infoOf.set(syncs, { owned: new Set(), constant: constantTree });
        out.push(syncs);
      }
      return out;
    },
    init(ops) {
      // Called without partition(): the whole tree is one partition.
      const info = infoOf.get(ops) ?? { owned: null, constant: initialTree(ops.map(prep)) };
      const nodes = new Map<string, ZNode>();
      let hash = 0;
      for (const [p, n] of info.constant) {
        if (info.owned && !info.owned.has(p)) continue;
        nodes.set(p, n);
        hash ^= nodeHash(p, n, 0);
      }
      const st: ZState = { nodes, hash };
      partStates.set(st, info);
      return st;
    },
    prepare(op) {
      const s = prep(op);
      return s;
    },
    step(state, p): ZState | Illegal {
      const info = partStates.get(state)!;
      const store = new CowStore(state, info.owned, info.constant);
      if (!applyZk(store, p)) return ILLEGAL;
      if (store.nodes === state.nodes) return state;
      const ns: ZState = { nodes: store.nodes, hash: store.hash };
      partStates.set(ns, info);
      return ns;
    },
    readOnly: isReadOnly,
    hash: (s) => s.hash,
    equal(a, b) {
      if (a === b) return true;
      if (a.hash !== b.hash || a.nodes.size !== b.nodes.size) return false;
      for (const [p, n] of a.nodes) {
        const m = b.nodes.get(p);
        if (!m || m.dh !== n.dh || m.data.length !== n.data.length || m.data !== n.data || m.version !== n.version || m.seq !== n.seq || m.owner !== n.owner || m.children.join('/') !== n.children.join('/')) return false;
        if (m.aversion !== n.aversion || (m.acl !== n.acl && (m.acl === null || n.acl === null || !sameAcl(m.acl, n.acl)))) return false;
      }
      return true;
    },
    describeState(s) {
      return describeNodes(s.nodes, [...s.nodes.keys()]);
    },
  };
}
const partStates = new WeakMap<ZState, PartitionInfo>();

export const znodeModel = makeZnodeModel();

/** A mutable tree with an undo log and two independent 32-bit hashes (for the OSC search). */
export class MutableTree extends UndoTree {
  h1 = 0;
  h2 = 0;
  constructor(initial: Map<string, ZNode>) {
    super(new Map(initial));
    for (const [p, n] of this.nodes) {
      this.h1 ^= nodeHash(p, n, 0);
      this.h2 ^= nodeHash(p, n, 0x5bd1e995);
    }
  }
  get(path: string): ZNode | undefined {
    return this.nodes.get(path);
  }
  protected set(path: string, old: ZNode | undefined, node: ZNode | undefined): void {
    this.h1 ^= nodeHash(path, old, 0) ^ nodeHash(path, node, 0);
    this.h2 ^= nodeHash(path, old, 0x5bd1e995) ^ nodeHash(path, node, 0x5bd1e995);
    if (node) this.nodes.set(path, node);
    else this.nodes.delete(path);
  }
  /** The nodes at `paths` (all by default) that exist, as text (see describeNodes). */
  describe(paths?: Iterable<string>): string {
    return describeNodes(this.nodes, paths ? [...paths].filter((p) => this.nodes.has(p)) : [...this.nodes.keys()]);
  }
}

/** `{path=data@vN, ...}` for the nodes at `keys` (which exist), in path order: states in explanations. */
function describeNodes(nodes: ReadonlyMap<string, ZNode>, keys: string[]): string {
  const parts: string[] = [];
  for (const p of keys.sort()) {
    const n = nodes.get(p)!;
    parts.push(`${p.startsWith(KV_PREFIX) ? p.slice(KV_PREFIX.length) : p}=${JSON.stringify(n.data)}@v${n.version}${aclText(n)}`);
  }
  return `{${parts.join(', ')}}`;
}
