/**
 * Transcripts: JSON Lines, one step a line (issue 9).
 *
 * Input step:  {"case": "<name>", "session": "<label>", "op": "<op>", ...args}
 *   connect  timeoutMs (required, > 0), server (index from 0, default 0)
 *   close | expire
 *   create   path, data, mode (PERSISTENT | EPHEMERAL | PERSISTENT_SEQUENTIAL | EPHEMERAL_SEQUENTIAL | CONTAINER |
 *            PERSISTENT_WITH_TTL | PERSISTENT_SEQUENTIAL_WITH_TTL; default PERSISTENT), ttl (integer ms): with ttl the
 *            request is opcode createTTL (21, CreateTTLRequest: what the Java client sends for a TTL mode), without it
 *            create2/createContainer (CreateRequest: the server takes ttl −1). Any mode/ttl pair is sent as written,
 *            so the server's own answer to a bad one is recorded (the Java client refuses those itself). TTL modes
 *            need a suite run with extendedTypesEnabled (manifest "server"), else the server answers UNIMPLEMENTED.
 *            acl: list of {perms, scheme, id} (perms: READ 1 | WRITE 2 | CREATE 4 | DELETE 8 | ADMIN 16); absent =
 *            OPEN_ACL_UNSAFE (world:anyone, 31); sent as written (an empty list too: the server's INVALIDACL)
 *   delete   path, version (default -1)
 *   exists | getData | getChildren   path, watch (default false)
 *   setData  path, data, version (default -1)
 *   sync     path
 *   getACL   path (opcode 6): the ACL and the Stat
 *   setACL   path, acl (as in create), version (default -1; the expected aversion)
 *   addAuth  scheme, auth (UTF-8 text, e.g. "user:password" for digest): the auth packet (opcode 100, xid -4); the
 *            result is the server's answer to it (ok, or AUTHFAILED after which the server closes the connection
 *            and the session is dead for the client: its later steps fail AUTHFAILED, as a Java client's calls do)
 *   removeWatches  path, watcherType (CHILDREN | DATA | ANY), all (default false): false = opcode checkWatches (17,
 *            what the Java client's removeWatches(path, watcher, ...) sends), true = opcode removeWatches (18,
 *            removeAllWatches). The server's own answer is recorded (OK or NOWATCHER); client-side bookkeeping and
 *            the WatchRemoved events a Java client delivers locally are not on the wire and not in transcripts.
 *   addWatch  path, mode (PERSISTENT | PERSISTENT_RECURSIVE, or an integer sent as written: no client sends another
 *            mode; the server's answer to one is recorded): opcode addWatch (106, AddWatchRequest{path, mode 0|1},
 *            ZooKeeper 3.6+); the server's own answer is recorded (3.8.0 checks neither path nor ACL). The session
 *            keeps the watch for its reconnects: the real target sends SetWatches2 (105) with the persistent lists,
 *            as the Java client does (node-zookeeper-client's SetWatches, 101, has none).
 *   multi    ops: list of {op: check|create|delete|setData, ...} (same fields as above)
 *   multiRead  ops: list of {op: getData|getChildren, path} (opcode 22, what the Java client's multi sends for read
 *            ops: no watch); {op: exists} is sent too, only to record that the server refuses it (MARSHALLINGERROR)
 *   getEphemerals  prefix (opcode 103: the session's ephemerals whose path starts with prefix)
 *   getAllChildrenNumber  path (opcode 104: the number of all descendants)
 *   whoAmI   (opcode 107, no request record): the connection's ids as the server reports them, result
 *            clientInfo: [{authScheme, user}] in the server's order (ip 127.0.0.1 first, then each digest user)
 *   wait     ms (no session; at most MAX_WAIT_MS, ten minutes)
 *   reset    a fresh ensemble (no session); must be the first step of its case
 * Data: UTF-8 text, {"base64": "..."} (standard alphabet, padding optional), or (extension, for size limits)
 *   {"fill": "<one char>", "length": N} (N at most 8 MiB);
 *   absent or null = no data (ZooKeeper distinguishes null data from empty data).
 * Optional on any step: "race": true — the result depends on a real race (e.g. a read through a follower right
 *   after a write on another server); the comparison then checks only ok / error code of that step.
 *   "note": free text.
 *
 * Output step: the input step plus
 *   result  {"ok": true, ...what the op returns} | {"ok": false, "code": -101, "name": "NONODE"}
 *   zxid    the zxid of the reply header (null for steps without a reply: connect, expire, wait, reset)
 *   events  [{"type": "NodeCreated", "path": "/a"} | {"state": "SyncConnected"}], received by this session since
 *           its previous step, up to this step's reply, in the order received
 *   baseZxid  (first step of each case only) the last zxid before the case's first operation
 */
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';

// ---------------------------------------------------------------------------------------------------------------
// Types

export type DataSpec = string | { base64: string } | { fill: string; length: number } | null;

export const WATCHER_TYPES = ['CHILDREN', 'DATA', 'ANY'] as const;
export type WatcherTypeName = (typeof WATCHER_TYPES)[number];

export const ADD_WATCH_MODES = ['PERSISTENT', 'PERSISTENT_RECURSIVE'] as const;
export type AddWatchModeName = (typeof ADD_WATCH_MODES)[number];

/** The AddWatchMode code a step's mode stands for (0 PERSISTENT, 1 PERSISTENT_RECURSIVE, an integer as written). */
export function addWatchModeCode(mode: AddWatchModeName | number): number {
  return typeof mode === 'number' ? mode : mode === 'PERSISTENT_RECURSIVE' ? 1 : 0;
}

export const CREATE_MODES = [
  'PERSISTENT', 'EPHEMERAL', 'PERSISTENT_SEQUENTIAL', 'EPHEMERAL_SEQUENTIAL', 'CONTAINER', 'PERSISTENT_WITH_TTL', 'PERSISTENT_SEQUENTIAL_WITH_TTL',
] as const;
export type CreateModeName = (typeof CREATE_MODES)[number];

export const READ_OPS = ['getData', 'getChildren', 'exists'] as const;
export type ReadOpStep = { op: (typeof READ_OPS)[number]; path: string };

/** One ACL entry of a step or a result. */
export interface AclJson {
  perms: number;
  scheme: string;
  id: string;
}

/** One entry of a whoAmI result (ClientInfo). */
export interface ClientInfoJson {
  authScheme: string;
  user: string;
}

export type MultiOpStep =
  | { op: 'create'; path: string; data?: DataSpec; mode?: CreateModeName; ttl?: number; acl?: AclJson[] }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'setData'; path: string; data?: DataSpec; version?: number }
  | { op: 'check'; path: string; version?: number };

interface Common {
  case: string;
  session?: string;
  race?: boolean;
  note?: string;
}

export type InputStep = Common &
  (
    | { op: 'connect'; session: string; timeoutMs: number; server?: number }
    | { op: 'close'; session: string }
    | { op: 'expire'; session: string }
    | { op: 'create'; session: string; path: string; data?: DataSpec; mode?: CreateModeName; ttl?: number; acl?: AclJson[] }
    | { op: 'getACL'; session: string; path: string }
    | { op: 'setACL'; session: string; path: string; acl: AclJson[]; version?: number }
    | { op: 'addAuth'; session: string; scheme: string; auth: string }
    | { op: 'delete'; session: string; path: string; version?: number }
    | { op: 'exists' | 'getData' | 'getChildren'; session: string; path: string; watch?: boolean }
    | { op: 'setData'; session: string; path: string; data?: DataSpec; version?: number }
    | { op: 'sync'; session: string; path: string }
    | { op: 'removeWatches'; session: string; path: string; watcherType: WatcherTypeName; all?: boolean }
    | { op: 'addWatch'; session: string; path: string; mode: AddWatchModeName | number }
    | { op: 'multi'; session: string; ops: MultiOpStep[] }
    | { op: 'multiRead'; session: string; ops: ReadOpStep[] }
    | { op: 'getEphemerals'; session: string; prefix: string }
    | { op: 'getAllChildrenNumber'; session: string; path: string }
    | { op: 'whoAmI'; session: string }
    | { op: 'wait'; ms: number }
    | { op: 'reset' }
  );

export type OpName = InputStep['op'];
export const OPS: readonly OpName[] = [
  'connect', 'close', 'expire', 'create', 'delete', 'exists', 'getData', 'getChildren', 'setData', 'sync', 'removeWatches', 'addWatch', 'multi', 'multiRead',
  'getEphemerals', 'getAllChildrenNumber', 'getACL', 'setACL', 'addAuth', 'whoAmI', 'wait', 'reset',
];

/** Stat as transcripts carry it: numbers, except ephemeralOwner (a 64-bit session id) as a hex string "0x…". */
export interface StatJson {
  czxid: number;
  mzxid: number;
  ctime: number;
  mtime: number;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: string;
  dataLength: number;
  numChildren: number;
  pzxid: number;
}

/** Result data: text, {base64}, or for data longer than DATA_DIGEST_OVER bytes {length, sha256}. */
export type DataJson = string | { base64: string } | { length: number; sha256: string } | null;

export interface MultiResultJson {
  code: number;
  path?: string;
  /** multiRead: a getData result's data, a getChildren result's names (sorted) */
  data?: DataJson;
  children?: string[];
  stat?: StatJson;
}

export type ResultJson =
  | {
      ok: true;
      path?: string;
      data?: DataJson;
      children?: string[];
      stat?: StatJson;
      results?: MultiResultJson[];
      /** getEphemerals: the paths, sorted */
      paths?: string[];
      /** getAllChildrenNumber */
      count?: number;
      /** getACL: the list in the server's order */
      acl?: AclJson[];
      /** whoAmI: the connection's ids, in the server's order */
      clientInfo?: ClientInfoJson[];
      sessionId?: string;
      timeoutMs?: number;
    }
  | { ok: false; code: number; name: string; results?: MultiResultJson[]; reason?: string };

export type EventJson = { type: string; path: string } | { state: string };

export type OutputStep = InputStep & {
  result: ResultJson;
  zxid: number | null;
  events: EventJson[];
  baseZxid?: number;
};

// ---------------------------------------------------------------------------------------------------------------
// Errors and codes

/** A transcript that cannot be read: file, line number and reason (the CLI prints it and exits 2). */
export class TranscriptError extends Error {
  override name = 'TranscriptError';
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    // line 0: the file as a whole (it cannot be read), not a line of it ("t.jsonl:0: cannot read: EISDIR" before)
    super(line > 0 ? `${file}:${line}: ${reason}` : `${file}: ${reason}`);
  }
}

/** KeeperException.Code names. */
export const ERROR_NAMES: Record<number, string> = {
  0: 'OK',
  [-1]: 'SYSTEMERROR',
  [-2]: 'RUNTIMEINCONSISTENCY',
  [-3]: 'DATAINCONSISTENCY',
  [-4]: 'CONNECTIONLOSS',
  [-5]: 'MARSHALLINGERROR',
  [-6]: 'UNIMPLEMENTED',
  [-7]: 'OPERATIONTIMEOUT',
  [-8]: 'BADARGUMENTS',
  [-12]: 'UNKNOWNSESSION',
  [-13]: 'NEWCONFIGNOQUORUM',
  [-14]: 'RECONFIGINPROGRESS',
  [-100]: 'APIERROR',
  [-101]: 'NONODE',
  [-102]: 'NOAUTH',
  [-103]: 'BADVERSION',
  [-108]: 'NOCHILDRENFOREPHEMERALS',
  [-110]: 'NODEEXISTS',
  [-111]: 'NOTEMPTY',
  [-112]: 'SESSIONEXPIRED',
  [-113]: 'INVALIDCALLBACK',
  [-114]: 'INVALIDACL',
  [-115]: 'AUTHFAILED',
  [-118]: 'SESSIONMOVED',
  [-119]: 'NOTREADONLY',
  [-120]: 'EPHEMERALONLOCALSESSION',
  [-121]: 'NOWATCHER',
  [-122]: 'REQUESTTIMEOUT',
  [-123]: 'RECONFIGDISABLED',
  [-124]: 'SESSIONCLOSEDREQUIRESASLAUTH',
  [-125]: 'QUOTAEXCEEDED',
  [-127]: 'THROTTLEDOP',
};

export function errorResult(code: number, extra: { results?: MultiResultJson[]; reason?: string } = {}): ResultJson {
  return { ok: false, code, name: ERROR_NAMES[code] ?? `UNKNOWN(${code})`, ...extra };
}

export const EVENT_TYPE_NAMES: Record<number, string> = {
  [-1]: 'None',
  1: 'NodeCreated',
  2: 'NodeDeleted',
  3: 'NodeDataChanged',
  4: 'NodeChildrenChanged',
  5: 'DataWatchRemoved',
  6: 'ChildWatchRemoved',
  7: 'PersistentWatchRemoved',
};

// ---------------------------------------------------------------------------------------------------------------
// Data

export const DATA_DIGEST_OVER = 1024;

/** Standard base64, padding optional. */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}(?:==)?|[A-Za-z0-9+/]{3}=?)?$/;
/** The longest {"fill"} data: eight times ZooKeeper's default request limit, enough to test it. */
const MAX_FILL = 8 * 1024 * 1024;
/** The longest `wait`: ten minutes, well past any session timeout (at most 40 s by default) and container check. */
const MAX_WAIT_MS = 600_000;

/** Bytes of an input data spec; null for no data. Throws a plain Error (the parser wraps it) when malformed. */
export function dataBytes(spec: DataSpec | undefined): Uint8Array | null {
  if (spec === undefined || spec === null) return null;
  if (typeof spec === 'string') return new Uint8Array(Buffer.from(spec, 'utf8'));
  if (typeof spec === 'object') {
    // exactly one of the two forms: {"base64": "AA==", "length": 5} or {"fill": "", "length": 3} ran as something else
    // than written (the base64 alone; 'x' for the empty fill)
    const keys = Object.keys(spec).sort().join(',');
    if (keys !== 'base64' && keys !== 'fill,length') throw new Error('data must be a string, {"base64": "..."}, {"fill": "x", "length": N} or null');
    if ('fill' in spec && spec.fill === '') throw new Error('"fill" must not be empty');
    if ('base64' in spec && typeof spec.base64 === 'string') {
      // Buffer.from skips what is not base64 ('!!!' gave no bytes at all): a typo must not change the data quietly
      if (!BASE64.test(spec.base64)) throw new Error(`"${spec.base64.slice(0, 40)}" is not base64`);
      return new Uint8Array(Buffer.from(spec.base64, 'base64'));
    }
    if ('fill' in spec && typeof spec.fill === 'string' && 'length' in spec && Number.isInteger(spec.length) && spec.length >= 0) {
      if (spec.length > MAX_FILL) throw new Error(`"length" must be at most ${MAX_FILL} (jute.maxbuffer is about 1 MB)`);
      const unit = Buffer.from(spec.fill || 'x', 'utf8');
      const out = Buffer.alloc(spec.length);
      for (let i = 0; i < out.length; i++) out[i] = unit[i % unit.length]!;
      return new Uint8Array(out);
    }
  }
  throw new Error('data must be a string, {"base64": "..."}, {"fill": "x", "length": N} or null');
}

/** Result data as JSON: null, UTF-8 text when it round-trips, else base64; long data as length + sha256. */
export function dataJson(bytes: Uint8Array | null | undefined): DataJson {
  if (bytes === null || bytes === undefined) return null;
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  if (buf.length > DATA_DIGEST_OVER) return { length: buf.length, sha256: createHash('sha256').update(buf).digest('hex') };
  const text = buf.toString('utf8');
  if (Buffer.from(text, 'utf8').equals(buf)) return text;
  return { base64: buf.toString('base64') };
}

// ---------------------------------------------------------------------------------------------------------------
// Parser

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function fail(file: string, line: number, reason: string): never {
  throw new TranscriptError(file, line, reason);
}

/**
 * The sub-steps of a multi or multiRead step (`ops`), each an object with an allowed `op` and a path, with the text
 * that locates it in an error (" in ops[i]").
 */
function subOps(o: Record<string, Json>, name: string, allowed: readonly string[], allowedText: string, file: string, line: number): Array<[Record<string, Json>, string]> {
  if (!('ops' in o)) fail(file, line, `missing field "ops" (op ${name})`);
  if (!Array.isArray(o.ops)) fail(file, line, 'field "ops" must be a list');
  return o.ops.map((sub, i) => {
    const where = ` in ops[${i}]`;
    if (sub === null || typeof sub !== 'object' || Array.isArray(sub)) fail(file, line, `ops[${i}] must be an object`);
    const s = sub as Record<string, Json>;
    if (!('op' in s)) fail(file, line, `missing field "op"${where}`);
    if (!allowed.includes(s.op as string)) fail(file, line, `unknown op ${JSON.stringify(s.op)}${where} (${allowedText})`);
    checkFields(s, MULTI_FIELDS[s.op as string] ?? [], ['op'], `${name}'s ${s.op as string}`, where, file, line);
    checkPath(s, where, file, line);
    return [s, where];
  });
}

function checkPath(o: Record<string, Json>, where: string, file: string, line: number): void {
  if (!('path' in o)) fail(file, line, `missing field "path"${where}`);
  if (typeof o.path !== 'string') fail(file, line, `field "path"${where} must be a string`);
}

function checkOptional(o: Record<string, Json>, field: string, type: 'number' | 'boolean' | 'string', where: string, file: string, line: number): void {
  if (field in o && o[field] !== undefined && typeof o[field] !== type) fail(file, line, `field "${field}"${where} must be a ${type}`);
  if (type === 'number' && typeof o[field] === 'number' && !Number.isInteger(o[field])) fail(file, line, `field "${field}"${where} must be an integer`);
}

const INT32_MIN = -0x80000000;
const INT32_MAX = 0x7fffffff;

/**
 * An integer field that is an `int` on the wire (versions, timeoutMs, an addWatch mode, ACL perms): outside 32 bits
 * it cannot be sent as written (the real target's encoder wrapped 4294967295 to -1, "any version", where zksim
 * compared the number itself; a huge timeoutMs crashed node-zookeeper-client's encoder), so it is bad input.
 */
function checkInt32(o: Record<string, Json>, field: string, where: string, file: string, line: number): void {
  const v = o[field];
  if (typeof v === 'number' && Number.isInteger(v) && (v < INT32_MIN || v > INT32_MAX)) {
    fail(file, line, `field "${field}"${where} must be a 32-bit integer (${INT32_MIN} to ${INT32_MAX}), got ${v}`);
  }
}

/** An optional integer field that is an `int` on the wire: a number, an integer, and within 32 bits. */
function checkOptionalInt32(o: Record<string, Json>, field: string, where: string, file: string, line: number): void {
  checkOptional(o, field, 'number', where, file, line);
  checkInt32(o, field, where, file, line);
}

function checkData(o: Record<string, Json>, where: string, file: string, line: number): void {
  if (!('data' in o)) return;
  try {
    dataBytes(o.data as DataSpec);
  } catch (e) {
    fail(file, line, `field "data"${where}: ${(e as Error).message}`);
  }
}

/** `acl` (required or optional): a list of {perms: integer, scheme: string, id: string}. */
function checkAcl(o: Record<string, Json>, where: string, file: string, line: number, required: boolean): void {
  if (!('acl' in o)) {
    if (required) fail(file, line, `missing field "acl"${where}`);
    return;
  }
  if (!Array.isArray(o.acl)) fail(file, line, `field "acl"${where} must be a list`);
  o.acl.forEach((a, i) => {
    // exactly these three fields: a misspelt one ("perm") was ignored
    const ok = a !== null && typeof a === 'object' && !Array.isArray(a) && Number.isInteger(a.perms) && typeof a.scheme === 'string' && typeof a.id === 'string' && Object.keys(a).length === 3;
    if (!ok) fail(file, line, `acl[${i}]${where} must be {"perms": integer, "scheme": string, "id": string}`);
    checkInt32(a as Record<string, Json>, 'perms', ` in acl[${i}]${where}`, file, line);
  });
}

function checkMode(o: Record<string, Json>, where: string, file: string, line: number): void {
  checkOptional(o, 'ttl', 'number', where, file, line);
  // a long on the wire; past 2^53 a JSON number is not the integer written (and the real target's encoder wrapped it)
  if (typeof o.ttl === 'number' && !Number.isSafeInteger(o.ttl)) fail(file, line, `field "ttl"${where} must be a safe integer (at most 2^53 - 1 in size), got ${o.ttl}`);
  if (!('mode' in o)) return;
  if (typeof o.mode !== 'string' || !(CREATE_MODES as readonly string[]).includes(o.mode)) {
    fail(file, line, `field "mode"${where} must be one of ${CREATE_MODES.join(', ')}`);
  }
}

/** Fields any step may carry: the input's own, and an output step's (so that output is accepted as input). */
const COMMON_FIELDS = ['case', 'session', 'op', 'race', 'note', 'result', 'zxid', 'events', 'baseZxid'];

/** The arguments of each op, and of each sub-op of multi / multiRead. */
const OP_FIELDS: Record<OpName, readonly string[]> = {
  connect: ['timeoutMs', 'server'],
  close: [],
  expire: [],
  create: ['path', 'data', 'mode', 'ttl', 'acl'],
  delete: ['path', 'version'],
  exists: ['path', 'watch'],
  getData: ['path', 'watch'],
  getChildren: ['path', 'watch'],
  setData: ['path', 'data', 'version'],
  sync: ['path'],
  removeWatches: ['path', 'watcherType', 'all'],
  addWatch: ['path', 'mode'],
  multi: ['ops'],
  multiRead: ['ops'],
  getEphemerals: ['prefix'],
  getAllChildrenNumber: ['path'],
  getACL: ['path'],
  setACL: ['path', 'acl', 'version'],
  addAuth: ['scheme', 'auth'],
  whoAmI: [],
  wait: ['ms'],
  reset: [],
};
const MULTI_FIELDS: Record<string, readonly string[]> = {
  check: ['path', 'version'],
  create: OP_FIELDS.create,
  delete: OP_FIELDS.delete,
  setData: OP_FIELDS.setData,
  getData: ['path'],
  getChildren: ['path'],
  exists: ['path'],
};

/**
 * A field the step's op does not take is refused: a misspelt argument ("wacth", "verison") was kept and ignored, so the
 * step ran with the default (no watch, version -1) and answered something else than was meant.
 */
function checkFields(o: Record<string, Json>, allowed: readonly string[], common: readonly string[], what: string, where: string, file: string, line: number): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k) && !common.includes(k)) {
      fail(file, line, `unknown field ${JSON.stringify(k)}${where} (${what} takes ${allowed.length ? allowed.join(', ') : 'no arguments'})`);
    }
  }
}

/** Validates one parsed JSON value as an input step (output steps are accepted too: their fields are kept). */
export function validateStep(v: unknown, file: string, line: number): InputStep {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(file, line, 'a step must be a JSON object');
  const o = v as Record<string, Json>;
  if (!('case' in o)) fail(file, line, 'missing field "case"');
  if (typeof o.case !== 'string' || o.case === '') fail(file, line, 'field "case" must be a non-empty string');
  if (!('op' in o)) fail(file, line, 'missing field "op"');
  if (typeof o.op !== 'string' || !(OPS as readonly string[]).includes(o.op)) {
    fail(file, line, `unknown op ${JSON.stringify(o.op)} (known: ${OPS.join(', ')})`);
  }
  const op = o.op as OpName;
  checkFields(o, OP_FIELDS[op], COMMON_FIELDS, `op ${op}`, '', file, line);
  const needsSession = op !== 'wait' && op !== 'reset';
  // a session on wait or reset (neither belongs to one) was refused as 'session "s" is used before a connect'
  if (!needsSession && 'session' in o) fail(file, line, `op ${op} takes no field "session" (it belongs to no session)`);
  if (needsSession) {
    if (!('session' in o)) fail(file, line, `missing field "session" (op ${op})`);
    if (typeof o.session !== 'string' || o.session === '') fail(file, line, 'field "session" must be a non-empty string');
  }
  checkOptional(o, 'race', 'boolean', '', file, line);
  switch (op) {
    case 'connect':
      if (!('timeoutMs' in o)) fail(file, line, 'missing field "timeoutMs" (op connect)');
      checkOptionalInt32(o, 'timeoutMs', '', file, line);
      if ((o.timeoutMs as number) <= 0) fail(file, line, 'field "timeoutMs" must be > 0');
      checkOptional(o, 'server', 'number', '', file, line);
      if (typeof o.server === 'number' && o.server < 0) fail(file, line, 'field "server" must be >= 0');
      break;
    case 'create':
      checkPath(o, '', file, line);
      checkData(o, '', file, line);
      checkMode(o, '', file, line);
      checkAcl(o, '', file, line, false);
      break;
    case 'getACL':
      checkPath(o, '', file, line);
      break;
    case 'setACL':
      checkPath(o, '', file, line);
      checkAcl(o, '', file, line, true);
      checkOptionalInt32(o, 'version', '', file, line);
      break;
    case 'addAuth':
      if (typeof o.scheme !== 'string') fail(file, line, 'field "scheme" must be a string (op addAuth)');
      if (typeof o.auth !== 'string') fail(file, line, 'field "auth" must be a string (op addAuth)');
      break;
    case 'delete':
      checkPath(o, '', file, line);
      checkOptionalInt32(o, 'version', '', file, line);
      break;
    case 'exists':
    case 'getData':
    case 'getChildren':
      checkPath(o, '', file, line);
      checkOptional(o, 'watch', 'boolean', '', file, line);
      break;
    case 'setData':
      checkPath(o, '', file, line);
      checkData(o, '', file, line);
      checkOptionalInt32(o, 'version', '', file, line);
      break;
    case 'sync':
      checkPath(o, '', file, line);
      break;
    case 'removeWatches':
      checkPath(o, '', file, line);
      if (!('watcherType' in o)) fail(file, line, 'missing field "watcherType" (op removeWatches)');
      if (!(WATCHER_TYPES as readonly unknown[]).includes(o.watcherType)) {
        fail(file, line, `field "watcherType" must be one of ${WATCHER_TYPES.join(', ')}, got ${JSON.stringify(o.watcherType)}`);
      }
      checkOptional(o, 'all', 'boolean', '', file, line);
      break;
    case 'addWatch':
      checkPath(o, '', file, line);
      if (!('mode' in o)) fail(file, line, 'missing field "mode" (op addWatch)');
      if (!(ADD_WATCH_MODES as readonly unknown[]).includes(o.mode) && !Number.isInteger(o.mode)) {
        fail(file, line, `field "mode" must be one of ${ADD_WATCH_MODES.join(', ')} or an integer, got ${JSON.stringify(o.mode)}`);
      }
      checkInt32(o, 'mode', '', file, line);
      break;
    case 'multi':
      for (const [s, where] of subOps(o, 'multi', ['check', 'create', 'delete', 'setData'], 'multi allows check, create, delete, setData', file, line)) {
        if (s.op === 'create') {
          checkData(s, where, file, line);
          checkMode(s, where, file, line);
          checkAcl(s, where, file, line, false);
        } else if (s.op === 'setData') {
          checkData(s, where, file, line);
          checkOptionalInt32(s, 'version', where, file, line);
        } else checkOptionalInt32(s, 'version', where, file, line);
      }
      break;
    case 'multiRead':
      subOps(o, 'multiRead', READ_OPS, 'multiRead allows getData, getChildren; exists to see the server refuse it', file, line);
      break;
    case 'getEphemerals':
      if (!('prefix' in o)) fail(file, line, 'missing field "prefix" (op getEphemerals)');
      if (typeof o.prefix !== 'string') fail(file, line, 'field "prefix" must be a string');
      break;
    case 'getAllChildrenNumber':
      checkPath(o, '', file, line);
      break;
    case 'wait':
      if (!('ms' in o)) fail(file, line, 'missing field "ms" (op wait)');
      checkOptional(o, 'ms', 'number', '', file, line);
      if ((o.ms as number) < 0) fail(file, line, 'field "ms" must be >= 0');
      // (against a live server a wait is wall time; on zksim a wait of years ran into the event limit)
      if ((o.ms as number) > MAX_WAIT_MS) fail(file, line, `field "ms" must be at most ${MAX_WAIT_MS} (ten minutes)`);
      break;
    default:
      break;
  }
  return o as unknown as InputStep;
}

/** Line number of each parsed step (1-based), for error messages. */
export const stepLines = new WeakMap<object, number>();

/** Parses JSON Lines text. Blank lines and lines starting with '//' are skipped. */
export function parseTranscriptText(text: string, file = '<input>'): InputStep[] {
  const steps: InputStep[] = [];
  forEachJsonLine(text, file, (v, line) => {
    const step = validateStep(v, file, line);
    stepLines.set(step, line);
    steps.push(step);
  });
  return steps;
}

/** Calls `fn` with the parsed value and 1-based line number of every non-blank, non-'//' line; fails on bad JSON. */
function forEachJsonLine(text: string, file: string, fn: (v: unknown, line: number) => void): void {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!.trim();
    if (raw === '' || raw.startsWith('//')) continue;
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      fail(file, i + 1, `not JSON (${(e as Error).message})`);
    }
    fn(v, i + 1);
  }
}

export function parseTranscriptFile(file: string): InputStep[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new TranscriptError(file, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseTranscriptText(text, file);
}

/** Parses output steps (golden files): the same validation, and result/zxid/events must be present. */
export function parseOutputText(text: string, file = '<input>'): OutputStep[] {
  const out: OutputStep[] = [];
  forEachJsonLine(text, file, (v, line) => {
    const step = validateStep(v, file, line) as OutputStep;
    if (!('result' in step) || typeof step.result !== 'object' || step.result === null) fail(file, line, 'missing field "result"');
    if (!('events' in step) || !Array.isArray(step.events)) fail(file, line, 'missing field "events"');
    if (!('zxid' in step)) fail(file, line, 'missing field "zxid"');
    out.push(step);
  });
  return out;
}

/** Groups steps into cases, keeping file order (a case's steps must be contiguous). */
export function groupCases<T extends { case: string }>(steps: T[]): { name: string; steps: T[] }[] {
  const out: { name: string; steps: T[] }[] = [];
  for (const s of steps) {
    const last = out[out.length - 1];
    if (last && last.name === s.case) last.steps.push(s);
    else out.push({ name: s.case, steps: [s] });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Normaliser

export type NormZxid = number | 'pre' | null;

/**
 * The normalised view of output steps, for comparison between systems:
 * - zxids (reply header, czxid, mzxid, pzxid) as offsets from the case's baseZxid, `'pre'` for any at or below it;
 * - session ids (connect results and ephemeralOwner) as the session label that connected with that id
 *   (0 stays 0; an id no connect step returned becomes "other");
 * - ctime as 0 or "t"; mtime as 0, "ctime" (same txn, equal), ">=ctime" (later txn, not earlier), or the anomaly
 *   spelled out ("<ctime", "!=ctime");
 * - children sorted; baseZxid dropped; keys in a fixed order.
 */
export function normalise(steps: OutputStep[]): Record<string, unknown>[] {
  const labels = new Map<string, string>();
  let base = 0;
  let currentCase: string | null = null;
  const out: Record<string, unknown>[] = [];
  for (const s of steps) {
    if (s.case !== currentCase) {
      currentCase = s.case;
      base = typeof s.baseZxid === 'number' ? s.baseZxid : fallbackBase(steps, s.case);
    }
    const r = s.result as Record<string, unknown>;
    if (s.op === 'connect' && r.ok === true && typeof r.sessionId === 'string' && s.session) {
      labels.set(canonHex(r.sessionId), s.session);
    }
    const z = (v: unknown): NormZxid => (typeof v === 'number' ? (v <= base ? 'pre' : v - base) : null);
    const normStat = (st: StatJson): Record<string, unknown> => {
      const sameTxn = st.czxid === st.mzxid;
      let mtime: unknown;
      if (st.mtime === 0) mtime = 0;
      else if (sameTxn) mtime = st.mtime === st.ctime ? 'ctime' : '!=ctime';
      else mtime = st.mtime >= st.ctime ? '>=ctime' : '<ctime';
      return {
        czxid: z(st.czxid),
        mzxid: z(st.mzxid),
        ctime: st.ctime === 0 ? 0 : 't',
        mtime,
        version: st.version,
        cversion: st.cversion,
        aversion: st.aversion,
        ephemeralOwner: normOwner(st.ephemeralOwner, labels),
        dataLength: st.dataLength,
        numChildren: st.numChildren,
        pzxid: z(st.pzxid),
      };
    };
    const result: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (k === 'stat' && v) result.stat = normStat(v as StatJson);
      else if (k === 'children' && Array.isArray(v)) result.children = [...(v as string[])].sort();
      else if (k === 'sessionId' && typeof v === 'string') result.sessionId = labels.get(canonHex(v)) ?? 'other';
      else if (k === 'results' && Array.isArray(v)) {
        result.results = (v as MultiResultJson[]).map((m) => {
          const mm: Record<string, unknown> = { code: m.code };
          if (m.path !== undefined) mm.path = m.path;
          if (m.data !== undefined) mm.data = m.data;
          if (Array.isArray(m.children)) mm.children = [...m.children].sort();
          if (m.stat) mm.stat = normStat(m.stat);
          return mm;
        });
      } else if (k === 'paths' && Array.isArray(v)) result.paths = [...(v as string[])].sort();
      else if (k === 'reason') continue; // free text from the harness, not a ZooKeeper answer
      else result[k] = v;
    }
    const n: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'baseZxid' || k === 'result' || k === 'zxid' || k === 'events') continue;
      n[k] = v;
    }
    n.result = result;
    n.zxid = z(s.zxid);
    n.events = s.events.map((e) => ({ ...e }));
    out.push(orderKeys(n));
  }
  return out;
}

function fallbackBase(steps: OutputStep[], name: string): number {
  // Without a recorded base: one below the smallest reply zxid of the case (exact when the case starts with a write).
  let min = Infinity;
  for (const s of steps) if (s.case === name && typeof s.zxid === 'number' && s.zxid > 0) min = Math.min(min, s.zxid);
  return Number.isFinite(min) ? min - 1 : 0;
}

/** Canonical hex of a session id given as a hex string or a number. */
export function canonHex(v: string | number | bigint): string {
  const b = typeof v === 'string' ? BigInt(v) : BigInt(v);
  return '0x' + BigInt.asUintN(64, b).toString(16);
}

function normOwner(v: string | number, labels: Map<string, string>): unknown {
  const h = canonHex(v);
  if (h === '0x0') return 0;
  return labels.get(h) ?? 'other';
}

const KEY_ORDER = ['case', 'session', 'op', 'server', 'timeoutMs', 'path', 'prefix', 'data', 'mode', 'ttl', 'acl', 'scheme', 'auth', 'version', 'watch', 'ops', 'ms', 'race', 'note', 'result', 'zxid', 'events'];
const RESULT_ORDER = ['ok', 'code', 'name', 'path', 'sessionId', 'timeoutMs', 'data', 'children', 'acl', 'stat', 'results', 'paths', 'count', 'clientInfo'];

function orderKeys(o: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const rank = (k: string, order: string[]): number => (order.includes(k) ? order.indexOf(k) : order.length);
  const keys = Object.keys(o).sort((a, b) => rank(a, KEY_ORDER) - rank(b, KEY_ORDER) || (a < b ? -1 : a > b ? 1 : 0));
  for (const k of keys) {
    const v = o[k];
    if (k === 'result' && v && typeof v === 'object') {
      const r = v as Record<string, unknown>;
      const rk = Object.keys(r).sort((a, b) => rank(a, RESULT_ORDER) - rank(b, RESULT_ORDER) || (a < b ? -1 : a > b ? 1 : 0));
      const rr: Record<string, unknown> = {};
      for (const x of rk) rr[x] = r[x];
      out[k] = rr;
    } else out[k] = v;
  }
  return out;
}

export function toJsonLines(rows: unknown[]): string {
  return rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
}
