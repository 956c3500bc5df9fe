/**
 * Minimal jute (ZooKeeper wire format) encoding and decoding for the requests and replies the fidelity harness sends
 * below node-zookeeper-client's public API. The library's own records cover only part of the protocol (no sync, no
 * create2/createContainer, no unknown error codes), so request bodies are encoded here and handed to the library's
 * ConnectionManager as an opaque payload; replies are decoded here too.
 */

export const OpCode = {
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  createTTL: 21,
  multiRead: 22,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  closeSession: -11,
  error: -1,
} as const;

/** Wire Stat with 64-bit fields as bigint (session ids do not fit a double). */
export interface WireStat {
  czxid: bigint;
  mzxid: bigint;
  ctime: bigint;
  mtime: bigint;
  version: number;
  cversion: number;
  aversion: number;
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export class JuteWriter {
  private chunks: Buffer[] = [];
  int(v: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v | 0);
    this.chunks.push(b);
    return this;
  }
  long(v: bigint): this {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt.asIntN(64, v));
    this.chunks.push(b);
    return this;
  }
  bool(v: boolean): this {
    this.chunks.push(Buffer.from([v ? 1 : 0]));
    return this;
  }
  /** null → length -1 (ZooKeeper's null data). */
  buffer(v: Uint8Array | null): this {
    if (v === null) return this.int(-1);
    this.int(v.length);
    this.chunks.push(Buffer.from(v.buffer, v.byteOffset, v.length));
    return this;
  }
  ustring(v: string | null): this {
    if (v === null) return this.int(-1);
    const b = Buffer.from(v, 'utf8');
    this.int(b.length);
    this.chunks.push(b);
    return this;
  }
  /** world:anyone ALL (ZooDefs.Ids.OPEN_ACL_UNSAFE), what a create without an `acl` sends. */
  openAcl(): this {
    return this.int(1).int(31).ustring('world').ustring('anyone');
  }
  /** vector<ACL>: count, then per entry perms (int) and Id (scheme, id); undefined = OPEN_ACL_UNSAFE. */
  acl(list: readonly WireAcl[] | undefined): this {
    if (list === undefined) return this.openAcl();
    this.int(list.length);
    for (const a of list) this.int(a.perms).ustring(a.scheme).ustring(a.id);
    return this;
  }
  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }
}

/** One ACL entry on the wire. */
export interface WireAcl {
  perms: number;
  scheme: string;
  id: string;
}

export class JuteReader {
  constructor(private readonly buf: Buffer, public offset = 0) {}
  remaining(): number {
    return this.buf.length - this.offset;
  }
  int(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  long(): bigint {
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }
  bool(): boolean {
    const v = this.buf.readUInt8(this.offset) !== 0;
    this.offset += 1;
    return v;
  }
  buffer(): Buffer | null {
    const n = this.int();
    if (n < 0) return null;
    const v = Buffer.from(this.buf.subarray(this.offset, this.offset + n));
    this.offset += n;
    return v;
  }
  ustring(): string | null {
    const b = this.buffer();
    return b === null ? null : b.toString('utf8');
  }
  stat(): WireStat {
    return {
      czxid: this.long(),
      mzxid: this.long(),
      ctime: this.long(),
      mtime: this.long(),
      version: this.int(),
      cversion: this.int(),
      aversion: this.int(),
      ephemeralOwner: this.long(),
      dataLength: this.int(),
      numChildren: this.int(),
      pzxid: this.long(),
    };
  }
}

/**
 * A request body the library's jute.Request can frame: it only needs byteLength(), serialize() and setChrootPath().
 */
export class RawPayload {
  constructor(private readonly bytes: Buffer) {}
  byteLength(): number {
    return this.bytes.length;
  }
  serialize(buffer: Buffer, offset: number): number {
    this.bytes.copy(buffer, offset);
    return this.bytes.length;
  }
  setChrootPath(_p: string): void {
    /* no chroot in the harness */
  }
}

/** CreateMode flags. */
export const CreateFlags: Record<string, number> = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
};

/**
 * Create request body: CreateRequest (path, data, acl, flags), or with a ttl CreateTTLRequest (the same plus ttl, a
 * long); the opcode (createOpcode) decides create2 / createContainer / createTTL.
 */
export function encodeCreate(path: string, data: Uint8Array | null, flags: number, ttl?: number, acl?: readonly WireAcl[]): Buffer {
  const w = new JuteWriter().ustring(path).buffer(data).acl(acl).int(flags);
  if (ttl !== undefined) w.long(BigInt(ttl));
  return w.toBuffer();
}

/** createTTL when a ttl is given (what the Java client sends for a TTL mode), createContainer for CONTAINER, else create2. */
export function createOpcode(flags: number, ttl?: number): number {
  return ttl !== undefined ? OpCode.createTTL : flags === CreateFlags.CONTAINER ? OpCode.createContainer : OpCode.create2;
}

/** SetACLRequest: path, vector<ACL>, version (the expected aversion). */
export function encodeSetACL(path: string, acl: readonly WireAcl[], version: number): Buffer {
  return new JuteWriter().ustring(path).acl(acl).int(version).toBuffer();
}

/** AuthPacket: type (0), scheme, auth (buffer). */
export function encodeAuth(scheme: string, auth: Uint8Array): Buffer {
  return new JuteWriter().int(0).ustring(scheme).buffer(auth).toBuffer();
}

/** A vector<ACL> (GetACLResponse's first field); null (length -1) as []. */
export function decodeAcl(r: JuteReader): WireAcl[] {
  const n = r.int();
  const out: WireAcl[] = [];
  for (let i = 0; i < n; i++) {
    const perms = r.int();
    const scheme = r.ustring() ?? '';
    const id = r.ustring() ?? '';
    out.push({ perms, scheme, id });
  }
  return out;
}

export function encodeDelete(path: string, version: number): Buffer {
  return new JuteWriter().ustring(path).int(version).toBuffer();
}

export function encodeSetData(path: string, data: Uint8Array | null, version: number): Buffer {
  return new JuteWriter().ustring(path).buffer(data).int(version).toBuffer();
}

export function encodePathWatch(path: string, watch: boolean): Buffer {
  return new JuteWriter().ustring(path).bool(watch).toBuffer();
}

/** CheckWatchesRequest / RemoveWatchesRequest body: path, type (int). */
export function encodePathType(path: string, type: number): Buffer {
  return new JuteWriter().ustring(path).int(type).toBuffer();
}

/** AddWatchRequest body: path, mode (int: 0 PERSISTENT, 1 PERSISTENT_RECURSIVE). */
export function encodeAddWatch(path: string, mode: number): Buffer {
  return new JuteWriter().ustring(path).int(mode).toBuffer();
}

/**
 * SetWatches2 body (opcode 105, what the Java client's primeConnection sends when it holds persistent watches):
 * relativeZxid, then vectors of paths: data, exist, child, persistent, persistentRecursive.
 */
export function encodeSetWatches2(relativeZxid: bigint, lists: readonly (readonly string[])[]): Buffer {
  const w = new JuteWriter().long(relativeZxid);
  for (const l of lists) {
    w.int(l.length);
    for (const p of l) w.ustring(p);
  }
  return w.toBuffer();
}

export function encodePath(path: string): Buffer {
  return new JuteWriter().ustring(path).toBuffer();
}

export type WireMultiOp =
  | { op: 'create'; path: string; data: Uint8Array | null; flags: number; ttl?: number; acl?: readonly WireAcl[] }
  | { op: 'delete'; path: string; version: number }
  | { op: 'setData'; path: string; data: Uint8Array | null; version: number }
  | { op: 'check'; path: string; version: number };

/** MultiTransactionRecord: (MultiHeader(type, done=false, err=-1) + body)* then MultiHeader(-1, true, -1). */
export function encodeMulti(ops: WireMultiOp[]): Buffer {
  const w = new JuteWriter();
  for (const o of ops) {
    switch (o.op) {
      case 'create':
        w.int(createOpcode(o.flags, o.ttl)).bool(false).int(-1);
        w.ustring(o.path).buffer(o.data).acl(o.acl).int(o.flags);
        if (o.ttl !== undefined) w.long(BigInt(o.ttl));
        break;
      case 'delete':
        w.int(OpCode.delete).bool(false).int(-1).ustring(o.path).int(o.version);
        break;
      case 'setData':
        w.int(OpCode.setData).bool(false).int(-1).ustring(o.path).buffer(o.data).int(o.version);
        break;
      case 'check':
        w.int(OpCode.check).bool(false).int(-1).ustring(o.path).int(o.version);
        break;
    }
  }
  w.int(-1).bool(true).int(-1);
  return w.toBuffer();
}

export type WireMultiResult =
  | { type: 'create'; path: string; stat?: WireStat }
  | { type: 'delete' }
  | { type: 'setData'; stat: WireStat }
  | { type: 'check' }
  | { type: 'error'; err: number };

/**
 * A MultiResponse: per result a MultiHeader (type, done, err) and the body `result` reads for its type (undefined for
 * a type it does not know), until the header with done = true.
 */
function decodeMultiFrames<T>(r: JuteReader, what: string, result: (type: number) => T | undefined): T[] {
  const out: T[] = [];
  for (;;) {
    const type = r.int();
    const done = r.bool();
    const err = r.int();
    if (done) return out;
    const x = result(type);
    if (x === undefined) throw new Error(`unknown ${what} result type ${type} (header err ${err})`);
    out.push(x);
  }
}

export function decodeMultiResponse(r: JuteReader): WireMultiResult[] {
  return decodeMultiFrames<WireMultiResult>(r, 'multi', (type) => {
    switch (type) {
      case OpCode.create:
        return { type: 'create', path: r.ustring() ?? '' };
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return { type: 'create', path: r.ustring() ?? '', stat: r.stat() };
      case OpCode.delete:
        return { type: 'delete' };
      case OpCode.setData:
        return { type: 'setData', stat: r.stat() };
      case OpCode.check:
        return { type: 'check' };
      case OpCode.error:
        return { type: 'error', err: r.int() };
      default:
        return undefined;
    }
  });
}

/** One op of a multiRead on the wire: its opcode (getData 4, getChildren 8; another one only to see the server refuse it). */
export interface WireReadOp {
  type: number;
  path: string;
}

/**
 * MultiOperationRecord of read ops (what the Java client's multi sends for Op.getData / Op.getChildren): per op
 * MultiHeader(type, done=false, err=-1) + GetDataRequest / GetChildrenRequest (path, watch=false), then
 * MultiHeader(-1, true, -1). An `exists` (3) is encoded like them (path, watch): the server cannot read it.
 */
export function encodeMultiRead(ops: WireReadOp[]): Buffer {
  const w = new JuteWriter();
  for (const o of ops) w.int(o.type).bool(false).int(-1).ustring(o.path).bool(false);
  w.int(-1).bool(true).int(-1);
  return w.toBuffer();
}

export type WireReadResult =
  | { type: 'getData'; data: Buffer | null; stat: WireStat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; err: number };

/** MultiResponse of a multiRead: GetDataResponse (data, stat), GetChildrenResponse (children) or ErrorResponse (err). */
export function decodeMultiReadResponse(r: JuteReader): WireReadResult[] {
  return decodeMultiFrames<WireReadResult>(r, 'multiRead', (type) => {
    switch (type) {
      case OpCode.getData: {
        const data = r.buffer();
        return { type: 'getData', data, stat: r.stat() };
      }
      case OpCode.getChildren:
        return { type: 'getChildren', children: decodeStrings(r) };
      case OpCode.error:
        return { type: 'error', err: r.int() };
      default:
        return undefined;
    }
  });
}

/** A jute vector<ustring> (GetChildrenResponse, GetEphemeralsResponse); null (length -1) as []. */
export function decodeStrings(r: JuteReader): string[] {
  const n = r.int();
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(r.ustring() ?? '');
  return out;
}

/** 64-bit id as ZooKeeper prints it: 0x + lower-case hex, no leading zeros. */
export function hex64(v: bigint): string {
  return '0x' + BigInt.asUintN(64, v).toString(16);
}

/** WhoAmIResponse: vector<ClientInfo{ustring authScheme, ustring user}>; null (length -1) as []. */
export function decodeClientInfos(r: JuteReader): { authScheme: string; user: string }[] {
  const n = r.int();
  const out: { authScheme: string; user: string }[] = [];
  for (let i = 0; i < n; i++) {
    const authScheme = r.ustring() ?? '';
    out.push({ authScheme, user: r.ustring() ?? '' });
  }
  return out;
}
