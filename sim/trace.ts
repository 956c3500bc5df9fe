/**
 * The trace: every event of a run (delivery, drop, timer, disk write/sync, crash, restart, pause, fault,
 * protocol events traced by the roles) with its virtual time, folded into a running 64-bit hash. The hash is the
 * fingerprint of a run: the same seed and config must give the same hash, byte for byte.
 *
 * Recording the events themselves is optional (memory); the hash is always computed.
 */

/** Bumped whenever the meaning or shape of trace events changes; saved traces carry it. */
export const TRACE_FORMAT_VERSION = 2;

export interface TraceEvent {
  /** Virtual time in ms. */
  t: number;
  kind: string;
  /** The process concerned (receiver of a delivery, owner of a timer or disk), if any. */
  node?: string;
  [field: string]: unknown;
}

export interface SavedTrace {
  format: 'zksim-trace';
  version: number;
  traceHash: string;
  events: TraceEvent[];
}

const FNV_PRIME = 16777619;
/** Distinct strings that get a code (see TraceHash.str); enough for every constant, bounded for long runs. */
const STRING_CODES_MAX = 4096;
/**
 * A record kind given by number (core's TraceKind) is hashed as KIND_CODE_BASE + the number: above every string code
 * (at most STRING_CODES_MAX), so that it never hashes like a kind given by name.
 */
export const KIND_CODE_BASE = 0x10000;

/**
 * A 64-bit hash as two independent 32-bit lanes (FNV-1a and a multiply-xorshift lane): cheap to update with
 * integers and strings, without BigInt on the hot path.
 */
export class TraceHash {
  private a = 0x811c9dc5 | 0;
  private b = 0x9e3779b9 | 0;
  /** Strings seen so far → their codes (see str). */
  private readonly codes = new Map<string, number>();
  /** The last string looked up per cache slot, and its code (see str). */
  private readonly cachedStrings: Array<string | undefined> = new Array<string | undefined>(64).fill(undefined);
  private readonly cachedCodes = new Int32Array(64);

  int(x: number): void {
    // Split into two 32-bit halves so integers beyond 2^32 (zxids) are hashed whole.
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    this.mix(lo);
    this.mix(hi);
  }

  /**
   * int(x), then small(v1) .. small(v3): the hash of every message event (time; kind, sender and receiver packed in
   * one word; message id; type code). The same values as the four calls, on locals with one load and store of the
   * lanes (this runs once per message: its receive or drop).
   */
  int3(x: number, v1: number, v2: number, v3: number): void {
    // Written out over locals, as head() is: ten calls of per-lane step functions (each inlined) made int3 count
    // about 500 bytes of bytecode against V8's inlining budget of its callers, and send could not inline
    // recordMessage. Each value goes through mix()'s two steps: lane a FNV-1a, lane b multiply-xorshift.
    const imul = Math.imul;
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    const w1 = v1 | 0;
    const w2 = v2 | 0;
    const w3 = v3 | 0;
    this.a = imul(imul(imul(imul(imul(this.a ^ lo, FNV_PRIME) ^ hi, FNV_PRIME) ^ w1, FNV_PRIME) ^ w2, FNV_PRIME) ^ w3, FNV_PRIME);
    let b = (this.b + imul(lo, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(hi, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w1, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w2, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w3, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /**
   * int(x), small(c), small(v): the head of every trace record (time; kind's code, KIND_CODE_BASE + a TraceKind or a
   * string's code; process). Written out over locals, without mix(): the calls of mix, int and small were over 600
   * bytes of bytecode, counted against V8's inlining budget of every hot function that records an event.
   */
  head(x: number, c: number, v: number): void {
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    const imul = Math.imul;
    this.a = imul(imul(imul(imul(this.a ^ lo, FNV_PRIME) ^ hi, FNV_PRIME) ^ c, FNV_PRIME) ^ (v | 0), FNV_PRIME);
    let b = (this.b + imul(lo, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(hi, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(c, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(v | 0, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /**
   * head(x, c, v), then small(w1), small(w2): a record with one string field given by its code (record1), in one
   * load and store of the lanes. Written out over locals as head is (see there).
   */
  head2(x: number, c: number, v: number, w1: number, w2: number): void {
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    const imul = Math.imul;
    this.a = imul(imul(imul(imul(imul(imul(this.a ^ lo, FNV_PRIME) ^ hi, FNV_PRIME) ^ c, FNV_PRIME) ^ (v | 0), FNV_PRIME) ^ (w1 | 0), FNV_PRIME) ^ (w2 | 0), FNV_PRIME);
    let b = (this.b + imul(lo, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(hi, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(c, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(v | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w1 | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w2 | 0, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /** head(x, c, v), then small(w1), small(w2), small(w3): a disk write's record (op code, file's code, count). */
  head3(x: number, c: number, v: number, w1: number, w2: number, w3: number): void {
    const lo = x | 0;
    const hi = Math.floor(x / 4294967296) | 0;
    const imul = Math.imul;
    this.a = imul(imul(imul(imul(imul(imul(imul(this.a ^ lo, FNV_PRIME) ^ hi, FNV_PRIME) ^ c, FNV_PRIME) ^ (v | 0), FNV_PRIME) ^ (w1 | 0), FNV_PRIME) ^ (w2 | 0), FNV_PRIME) ^ (w3 | 0), FNV_PRIME);
    let b = (this.b + imul(lo, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(hi, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(c, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(v | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w1 | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w2 | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w3 | 0, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /** int(x), int(y), small(w): a record's two integer fields and its field count (trace2's zxid and sender). */
  int2w(x: number, y: number, w: number): void {
    const xl = x | 0;
    const xh = Math.floor(x / 4294967296) | 0;
    const yl = y | 0;
    const yh = Math.floor(y / 4294967296) | 0;
    const imul = Math.imul;
    this.a = imul(imul(imul(imul(imul(this.a ^ xl, FNV_PRIME) ^ xh, FNV_PRIME) ^ yl, FNV_PRIME) ^ yh, FNV_PRIME) ^ (w | 0), FNV_PRIME);
    let b = (this.b + imul(xl, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(xh, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(yl, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(yh, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w | 0, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /**
   * int(x), small(w1), int(y), int(z), small(w2): trace4's records (zxid, txn type's code, session, a fourth
   * integer, field count), in one load and store of the lanes.
   */
  iwiiw(x: number, w1: number, y: number, z: number, w2: number): void {
    const xl = x | 0;
    const xh = Math.floor(x / 4294967296) | 0;
    const yl = y | 0;
    const yh = Math.floor(y / 4294967296) | 0;
    const zl = z | 0;
    const zh = Math.floor(z / 4294967296) | 0;
    const imul = Math.imul;
    const a = imul(imul(imul(imul(this.a ^ xl, FNV_PRIME) ^ xh, FNV_PRIME) ^ (w1 | 0), FNV_PRIME) ^ yl, FNV_PRIME);
    this.a = imul(imul(imul(imul(a ^ yh, FNV_PRIME) ^ zl, FNV_PRIME) ^ zh, FNV_PRIME) ^ (w2 | 0), FNV_PRIME);
    let b = (this.b + imul(xl, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(xh, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w1 | 0, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(yl, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(yh, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(zl, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(zh, 0x85ebca6b)) | 0;
    b = imul(b ^ (b >>> 13), 0xc2b2ae35);
    b = (b + imul(w2 | 0, 0x85ebca6b)) | 0;
    this.b = imul(b ^ (b >>> 13), 0xc2b2ae35);
  }

  /**
   * The code of `s` if the cache in front of the code table holds it, else 0; hashes nothing. A caller that gets a
   * code may hash it in one fused call with the words around it (the same hash as str(s) at its place, since a hit
   * hashes the code alone); on 0 it hashes the words one by one, with str(s) in its place (a first appearance hashes
   * characters there).
   */
  cached(s: string): number {
    // code()'s slot and hit test, written out in both: a shared slot helper measured +48 instructions per operation
    // of the fidelity loop (V8's inlining budget again); test/sim-trace-hash.test.ts checks that the two agree.
    const n = s.length;
    const slot = (n * 31 + s.charCodeAt(n - 1)) & 63;
    return this.cachedStrings[slot] === s ? this.cachedCodes[slot]! : 0;
  }

  /**
   * A string. Each distinct string is hashed in full once, at its first appearance, together with a small code
   * (codes follow first appearance, itself deterministic); later appearances hash the code alone. Two runs that
   * differ in a string differ there: either one of them sees a new string (its characters are hashed) or both
   * see known strings with different codes. Traced strings are mostly a few constants (record kinds, message and
   * txn types, file names, tags), and hashing their characters at every record was about 7% of a run. The table is
   * capped: past STRING_CODES_MAX distinct strings, a new one is hashed in full every time, with code 0.
   */
  str(s: string): void {
    this.mix(this.code(s));
  }

  /**
   * The code of `s` (see str), its characters hashed if this is its first appearance; 0 past the table's cap (its
   * characters are then hashed at every call). Callers that hash the code themselves (a message's type, in one word
   * with the rest of the message) use this instead of str.
   */
  code(s: string): number {
    // A direct-mapped cache in front of the table answers nearly every call (the hot strings land in different
    // slots): a string compare, a pointer compare for the constants, instead of a Map lookup. The slot is taken from
    // the length and the last character: the servers' log files ("log." + a zxid in hex, one name each) share
    // their length and first character, and keyed by that they took turns in one slot (about one Map lookup per
    // operation of the fidelity loop); the 16 hex digits give 16 different slots (28,361 -> 28,190 instr/op).
    const n = s.length;
    const slot = (n * 31 + s.charCodeAt(n - 1)) & 63;
    if (this.cachedStrings[slot] === s) return this.cachedCodes[slot]!;
    return this.codeMiss(s, slot);
  }

  /**
   * code(s) past a miss of the cache (`slot` is the string's cache slot). Apart from code() so that the hit path,
   * inlined into every traced string, stays small: V8's inlining budget is counted in bytecode.
   */
  private codeMiss(s: string, slot: number): number {
    let code = this.codes.get(s);
    if (code === undefined) {
      this.chars(s);
      if (this.codes.size >= STRING_CODES_MAX) return 0;
      code = this.codes.size + 1;
      this.codes.set(s, code);
    }
    this.cachedStrings[slot] = s;
    this.cachedCodes[slot] = code;
    return code;
  }

  /** The characters of a string (with its length). */
  private chars(s: string): void {
    // mix() inlined over locals, two UTF-16 code units per step (the last one alone when the length is odd).
    const n = s.length;
    let a = Math.imul(this.a ^ n, FNV_PRIME);
    let b = (this.b + Math.imul(n, 0x85ebca6b)) | 0;
    b ^= b >>> 13;
    b = Math.imul(b, 0xc2b2ae35);
    let i = 0;
    for (; i + 1 < n; i += 2) {
      const v = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
      a = Math.imul(a ^ v, FNV_PRIME);
      b = (b + Math.imul(v, 0x85ebca6b)) | 0;
      b ^= b >>> 13;
      b = Math.imul(b, 0xc2b2ae35);
    }
    // The odd last unit alone, outside the loop, so the loop body has no branch.
    if (i < n) {
      const v = s.charCodeAt(i);
      a = Math.imul(a ^ v, FNV_PRIME);
      b = (b + Math.imul(v, 0x85ebca6b)) | 0;
      b ^= b >>> 13;
      b = Math.imul(b, 0xc2b2ae35);
    }
    this.a = a;
    this.b = b;
  }

  /** A 32-bit integer (indices, kinds, message ids). */
  small(v: number): void {
    this.mix(v | 0);
  }

  private mix(v: number): void {
    this.a = Math.imul(this.a ^ v, FNV_PRIME);
    let b = (this.b + Math.imul(v, 0x85ebca6b)) | 0;
    b ^= b >>> 13;
    this.b = Math.imul(b, 0xc2b2ae35);
  }

  hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

/** Hashes any JSON-like value deterministically (object keys in insertion order, as JSON.stringify does). */
export function hashValue(h: TraceHash, v: unknown): void {
  switch (typeof v) {
    case 'number':
      if (Number.isInteger(v)) h.int(v);
      else h.str(String(v));
      return;
    case 'string':
      h.str(v);
      return;
    case 'boolean':
      h.int(v ? 1 : 2);
      return;
    case 'undefined':
      h.int(3);
      return;
    case 'bigint':
      h.str(v.toString());
      return;
    case 'object':
      if (v === null) {
        h.int(4);
        return;
      }
      if (v instanceof Uint8Array) {
        h.int(v.length);
        for (let i = 0; i < v.length; i++) h.int(v[i]!);
        return;
      }
      if (Array.isArray(v)) {
        h.int(v.length);
        for (let i = 0; i < v.length; i++) hashValue(h, v[i]);
        return;
      }
      hashFields(h, v as Record<string, unknown>);
      return;
    default:
      h.str(typeof v);
  }
}

/**
 * The fields of a plain object: their values in insertion order, then their count (the body of hashValue for
 * objects; trace records use it). Keys are not hashed: they are constants of the code that built the record,
 * while values carry everything that differs between runs, and hashing every key was a tenth of a run's cost.
 */
export function hashFields(h: TraceHash, o: Record<string, unknown>): void {
  let n = 0;
  for (const k in o) {
    n++;
    hashField(h, o[k]);
  }
  h.small(n);
}

/**
 * One field value as hashFields hashes it (the typed trace calls, World.recordFields, hash their values with it
 * and so give the same hash as the object would). The common leaves inline, as hashValue hashes them (zxids and
 * session ids are integers beyond 32 bits); anything else recurses.
 */
export function hashField(h: TraceHash, x: unknown): void {
  // Few branches (V8 inlines this into every typed trace call): other numbers go through hashValue, which hashes
  // them as their string as before.
  if (typeof x === 'number' && Number.isInteger(x)) h.int(x);
  else if (typeof x === 'string') h.str(x);
  else hashValue(h, x);
}

/** Renders one trace event as a compact single line (for divergence reports and text dumps). */
export function formatTraceEvent(e: TraceEvent): string {
  const { t, kind, node, ...rest } = e;
  const fields = Object.keys(rest).length ? ' ' + JSON.stringify(rest, (_k, val) => (val instanceof Uint8Array ? `<${val.length} bytes>` : val)) : '';
  return `t=${t} ${kind}${node ? ` @${node}` : ''}${fields}`;
}

/** Reads a saved trace, refusing (with a reason) one written by an incompatible zksim. */
export function readSavedTrace(value: unknown): SavedTrace {
  const v = value as Partial<SavedTrace> | null;
  if (!v || typeof v !== 'object' || v.format !== 'zksim-trace') throw new Error('not a zksim trace (missing format: "zksim-trace")');
  if (v.version !== TRACE_FORMAT_VERSION) throw new Error(`trace format version ${String(v.version)} is not supported (this zksim reads version ${TRACE_FORMAT_VERSION})`);
  if (!Array.isArray(v.events) || typeof v.traceHash !== 'string') throw new Error('trace is missing events or traceHash');
  return v as SavedTrace;
}

/** Index of the first event at which two traces differ, or -1 when they are identical. */
export function firstDivergence(a: readonly TraceEvent[], b: readonly TraceEvent[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return a.length === b.length ? -1 : n;
}
