/**
 * Linearizability checking: the Wing–Gong–Lowe search with memoisation of (linearized set, model state), in the
 * manner of Porcupine (Athalye), over P-compositional partitions (Horn & Kroening).
 *
 * Per partition: every operation contributes a call entry and a return entry (at Infinity when its outcome is
 * unknown), sorted in real-time order (history.ts: by time, then by position in the history; calls before returns
 * where that leaves them equal, i.e. concurrent). The entries form a
 * doubly linked list (dancing links in typed arrays). The search walks the list from the head: a call entry whose
 * operation is legal in the current state is linearized (lifted out of the list with its return entry) unless the
 * resulting (linearized bitset, state) was seen before; reaching a return entry means the operation it closes could
 * not be linearized in time: backtrack. The linearized set is a Uint32Array bitset hashed incrementally (Zobrist:
 * one random word per operation, XORed in and out), so a step costs O(1) plus the model's step and hash.
 *
 * Four prunings that keep the search exact:
 * - A read-only operation (one whose step never changes the state: a read, a failed compare-and-set) that is legal
 *   now can always be linearized now: any successful order from (L, s) can move it to the front, since it changes
 *   nothing and its real-time constraints only push it earlier. So when such a choice fails, the configuration
 *   before it fails too and the search backtracks past it (and when its successor configuration is already known,
 *   the search backtracks at once).
 * - When every remaining operation has an unknown outcome, they can all be linearized at the end (the model accepts
 *   an unknown output in every state), so the partition is linearizable.
 * - An operation with an unknown outcome (return at Infinity) whose step leaves the state equal (an unknown
 *   conditional write whose condition fails here, an unknown read, a create of an existing node) is not linearized
 *   there: any successful order from (L + u, s) is one from (L, s) too, with u left for the end (it constrains no
 *   other operation in real time, and the model accepts it in every state). Without this, every such no-op placement
 *   made a new configuration, and a history with k pending unknown operations could visit every subset of them at
 *   each state (explore --servers 1 --clients 16, registers, seeds 1..200: 12 seeds gave up after 10^6
 *   configurations; 7 of them now take 1,400 to 240,000).
 * - Operations with unknown outcome that the model calls interchangeable (equal `stepKey`: they step every state
 *   alike) are tried in list order only: one of them is not linearized while one before it in the list is pending.
 *   Both are callable then (the walk reached the later one), and an order that places the later one first becomes a
 *   legal order with the two swapped (neither constrains anything in real time). Without this, the search tried
 *   every one of k interchangeable pending writes for each write that k of them could have made.
 */
import { comparePoints, describeOperation, pairOperations, precedes, type HistoryEvent, type Operation } from './history.js';
import { ILLEGAL, mix32, type Model } from './models/model.js';

export interface CheckOptions {
  /** Give up (verdict 'unknown') after this many milliseconds of search. */
  timeoutMs?: number;
  /**
   * Give up (verdict 'unknown') once a partition has explored this many configurations: unlike a timeout, the same
   * verdict on every machine (checked every few thousand steps, at the same steps in every run).
   */
  maxExplored?: number;
  /**
   * Give up (verdict 'unknown', with `unknownReason`) once the configurations explored, over every partition, hold
   * this many 32-bit words of linearized-operation bits: the search's memory (a configuration's bits take one word per
   * 32 operations of its partition), bounded the same on every machine. A partition of thousands of operations takes
   * hundreds of bytes per configuration, and maxExplored alone let a long, busy run's check fill the heap.
   */
  maxCacheWords?: number;
  /**
   * Asked between search slices (every few thousand steps of each partition): a reason ends the search with verdict
   * 'unknown' and that reason. The CLI passes a heap check, so that a search that would outgrow the heap ends with a
   * verdict instead of V8's out-of-memory crash.
   */
  giveUp?: () => string | undefined;
  /** Check every partition even after one failed (default: stop at the first failure, like Porcupine). */
  allPartitions?: boolean;
  /**
   * Try operations with unknown outcome everywhere: also where they change nothing, and each of several
   * interchangeable ones (the search without the two reductions for them; for tests of the search itself).
   */
  exhaustiveUnknown?: boolean;
}

export interface PlacedOp {
  op: Operation;
  /** The model state after this operation, as text. */
  state: string;
}

export interface PartitionFailure {
  /** Index of the partition and its size. */
  partition: number;
  /** What the partition is about (a key or path of its first operation), when the arguments name one. */
  label?: string;
  size: number;
  /** The longest linearizable prefix the search found, in linearization order. */
  prefix: PlacedOp[];
  /** The operation that could not be placed: the earliest-returning operation left out of the longest prefix. */
  stuck: Operation;
  /** The other operations that could have come next (concurrent with `stuck`) and were all tried. */
  candidates: Operation[];
  /** The state after the longest prefix. */
  state: string;
}

export type Verdict = 'linearizable' | 'not-linearizable' | 'unknown';

export interface LinearizabilityResult {
  verdict: Verdict;
  model: string;
  operations: number;
  partitions: number;
  /** Search configurations explored (cache entries), summed over partitions. */
  explored: number;
  failures: PartitionFailure[];
  /** Why the search stopped before a verdict, when it was not the time or the budget (CheckOptions.giveUp). */
  unknownReason?: string;
}

/** Checks a history (events) against a model. */
export function checkHistory<S, P>(model: Model<S, P>, history: readonly HistoryEvent[], opts: CheckOptions = {}): LinearizabilityResult {
  return checkOperations(model, pairOperations(history), opts);
}

/** Checks paired operations against a model. */
export function checkOperations<S, P>(model: Model<S, P>, ops: readonly Operation[], opts: CheckOptions = {}): LinearizabilityResult {
  const parts = model.partition ? model.partition(ops) : [ops.slice()];
  // Prepare everything first, so that bad input is reported before any verdict.
  const prepared = parts.map((p) => p.map((o) => model.prepare(o)));
  const deadline = opts.timeoutMs !== undefined ? performance.now() + opts.timeoutMs : Infinity;
  const res: LinearizabilityResult = { verdict: 'linearizable', model: model.name, operations: ops.length, partitions: parts.length, explored: 0, failures: [] };
  const memory: CacheWords = { words: 0, max: opts.maxCacheWords ?? Infinity };
  // Run all partitions interleaved, smallest first; stop at the first failure unless asked for all.
  let live = parts
    .map((p, i) => ({ i, gen: searchPartition(model, p, prepared[i]!, deadline, opts.maxExplored ?? Infinity, memory, opts.exhaustiveUnknown === true) }))
    .sort((a, b) => parts[a.i]!.length - parts[b.i]!.length);
  let unknown = false;
  while (live.length) {
    const still: typeof live = [];
    for (const x of live) {
      const r = x.gen.next();
      if (!r.done) {
        still.push(x);
        const why = opts.giveUp !== undefined ? opts.giveUp() : undefined;
        if (why !== undefined) {
          // the other searches end here too (their caches go with them)
          unknown = true;
          res.unknownReason = why;
          break;
        }
        continue;
      }
      res.explored += r.value.explored;
      if (r.value.ok === 'unknown') {
        unknown = true;
        if (memory.words > memory.max) res.unknownReason ??= `the search reached its memory budget (${Math.round((memory.max * 4) / 1048576)} MB of configurations)`;
      }
      else if (!r.value.ok) {
        res.verdict = 'not-linearizable';
        const label = partitionLabel(parts[x.i]!);
        res.failures.push({ ...r.value.failure!, partition: x.i, ...(label !== undefined ? { label } : {}) });
      }
    }
    live = still;
    if (unknown || (res.failures.length && !opts.allPartitions)) break;
  }
  if (res.verdict !== 'not-linearizable' && unknown) res.verdict = 'unknown';
  res.failures.sort((a, b) => a.partition - b.partition);
  return res;
}

/** The words of configuration bits the partitions' caches took, in all (counted at slice boundaries), and the cap. */
interface CacheWords {
  words: number;
  max: number;
}

interface PartitionResult {
  ok: boolean | 'unknown';
  explored: number;
  failure?: PartitionFailure;
}

/**
 * The set of visited configurations (linearized bitset, state): open addressing over typed arrays, the bitsets
 * packed in one Uint32Array pool, so that adding a configuration allocates nothing but (amortised) pool growth.
 */
class ConfigCache<S> {
  private table = new Int32Array(1 << 12); // entry index + 1, 0 = empty
  private mask = (1 << 12) - 1;
  private hashes = new Int32Array(1 << 11);
  private pool: Uint32Array;
  private states: S[] = [];
  private count = 0;
  constructor(private readonly words: number, private readonly equal: (a: S, b: S) => boolean) {
    this.pool = new Uint32Array(words << 11);
  }
  has(key: number, bits: Uint32Array, state: S): boolean {
    const { table, mask, hashes, pool, words, states } = this;
    let slot = key & mask;
    for (;;) {
      const t = table[slot]!;
      if (t === 0) return false;
      const idx = t - 1;
      if (hashes[idx] === key) {
        let same = true;
        const base = idx * words;
        for (let w = 0; w < words; w++) {
          if (pool[base + w] !== bits[w]) {
            same = false;
            break;
          }
        }
        if (same && this.equal(states[idx]!, state)) return true;
      }
      slot = (slot + 1) & mask;
    }
  }
  add(key: number, bits: Uint32Array, state: S): void {
    const idx = this.count++;
    if (idx >= this.hashes.length) {
      const h = new Int32Array(this.hashes.length * 2);
      h.set(this.hashes);
      this.hashes = h;
      const p = new Uint32Array(this.pool.length * 2);
      p.set(this.pool);
      this.pool = p;
    }
    this.hashes[idx] = key;
    this.pool.set(bits, idx * this.words);
    this.states.push(state);
    if (this.count * 2 > this.table.length) this.rehash();
    else this.insert(key, idx);
  }
  private insert(key: number, idx: number): void {
    let slot = key & this.mask;
    while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
    this.table[slot] = idx + 1;
  }
  private rehash(): void {
    this.table = new Int32Array(this.table.length * 2);
    this.mask = this.table.length - 1;
    for (let i = 0; i < this.count; i++) this.insert(this.hashes[i]!, i);
  }
}

/** Deterministic 32-bit random words for Zobrist hashing (xorshift32). */
let zobrist = new Int32Array(0);
function zobristTable(n: number): Int32Array {
  if (zobrist.length >= n) return zobrist;
  const t = new Int32Array(Math.max(n, zobrist.length * 2, 1024));
  let x = 0x9e3779b9 | 0;
  for (let i = 0; i < t.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    t[i] = x;
  }
  zobrist = t;
  return t;
}

/**
 * The search of one partition as a generator: it yields (undefined) every SLICE iterations so that the partitions
 * can run interleaved, and returns its result. Interleaving finds a failing partition without first finishing
 * a hard linearizable one (Porcupine runs partitions in goroutines and stops at the first failure).
 */
const SLICE = 1 << 12;
function* searchPartition<S, P>(model: Model<S, P>, ops: readonly Operation[], steps: readonly P[], deadline: number, maxExplored: number, memory: CacheWords, exhaustiveUnknown: boolean): Generator<undefined, PartitionResult> {
  const n = ops.length;
  const readOnly = new Uint8Array(n);
  const finite = new Uint8Array(n);
  let remainingFinite = 0;
  for (let i = 0; i < n; i++) {
    readOnly[i] = model.readOnly(steps[i]!) ? 1 : 0;
    if (Number.isFinite(ops[i]!.ret)) {
      finite[i] = 1;
      remainingFinite++;
    }
  }
  if (remainingFinite === 0) return { ok: true, explored: 0 };

  // Entries: call of op i = 2i, return = 2i+1; HEAD = 2n, TAIL = 2n+1.
  const E = 2 * n;
  const HEAD = E;
  const TAIL = E + 1;
  const order = new Array<number>(E);
  for (let i = 0; i < E; i++) order[i] = i;
  // Real-time order (history.ts): by time, and within a time by position in the history (comparePoints); points
  // that stay equal (operations with times only) are concurrent: calls before returns.
  order.sort((a, b) => {
    const oa = ops[a >> 1]!;
    const ob = ops[b >> 1]!;
    const ka = a & 1;
    const kb = b & 1;
    const ta = ka ? oa.ret : oa.call;
    const tb = kb ? ob.ret : ob.call;
    if (ta !== tb) return ta < tb ? -1 : 1;
    const c = comparePoints(oa, ka === 1, ob, kb === 1);
    if (c !== 0) return c;
    if (ka !== kb) return ka - kb; // calls before returns
    return a - b;
  });
  const next = new Int32Array(E + 2);
  const prev = new Int32Array(E + 2);
  let last = HEAD;
  for (const e of order) {
    next[last] = e;
    prev[e] = last;
    last = e;
  }
  next[last] = TAIL;
  prev[TAIL] = last;

  // Operations with unknown outcome that the model calls interchangeable (equal stepKey), in list order: one of them
  // is tried only when every one before it is linearized (see the header).
  const twins: Array<readonly number[] | undefined> = new Array(n);
  const twinPos = new Int32Array(n);
  if (model.stepKey && !exhaustiveUnknown) {
    const byKey = new Map<string | number, number[]>();
    for (const e of order) {
      if (e & 1 || finite[e >> 1]) continue;
      const i = e >> 1;
      const key = model.stepKey(steps[i]!);
      if (key === undefined) continue;
      let list = byKey.get(key);
      if (!list) byKey.set(key, (list = []));
      twins[i] = list;
      twinPos[i] = list.length;
      list.push(i);
    }
  }
  const Z = zobristTable(n);
  const words = (n + 31) >>> 5;
  const bits = new Uint32Array(words);
  let zh = 0;
  const cache = new ConfigCache<S>(words, model.equal);
  let explored = 0;
  const stackE = new Int32Array(n);
  const stackS: S[] = new Array<S>(n);
  let sp = 0;
  let state = model.init(ops);
  let best = -1;
  let bestStack: number[] = [];
  let bestState = state;
  let iter = 0;
  let counted = 0; // configurations added to memory.words so far
  /** At a slice boundary: the budgets spent (configurations, memory of all partitions, time)? */
  const spent = (): boolean => {
    memory.words += (explored - counted) * words;
    counted = explored;
    return explored > maxExplored || memory.words > memory.max || performance.now() > deadline;
  };

  // Candidates are tried in two passes: operations with a known outcome first, then those with an unknown
  // outcome (which can take effect at any later point, so trying them last finds linearizations sooner).
  const stackPass = new Uint8Array(n);
  let pass = 1;
  let entry = next[HEAD]!;
  for (;;) {
    let forcedFail = false;
    if ((entry & 1) === 0 && entry < E) {
      // A call entry.
      const i = entry >> 1;
      if ((pass === 1) !== (finite[i] === 1)) {
        entry = next[entry]!;
        continue;
      }
      const tw = twins[i];
      if (tw && twinPos[i]! > 0 && pendingBefore(tw, twinPos[i]!, bits)) {
        entry = next[entry]!;
        continue;
      }
      const ns = model.step(state, steps[i]!);
      if (ns !== ILLEGAL && !exhaustiveUnknown && !finite[i] && (ns === state || model.equal(ns, state))) {
        // An operation with unknown outcome that would change nothing here is not needed here (see the header).
        entry = next[entry]!;
        continue;
      }
      if (ns !== ILLEGAL) {
        const w = i >>> 5;
        const m = 1 << (i & 31);
        bits[w] |= m;
        const nzh = zh ^ Z[i]!;
        const key = nzh ^ mix32(model.hash(ns));
        if (!cache.has(key, bits, ns)) {
          cache.add(key, bits, ns);
          explored++;
          stackE[sp] = entry;
          stackS[sp] = state;
          stackPass[sp] = pass;
          sp++;
          pass = 1;
          state = ns;
          zh = nzh;
          // lift the call and its return out of the list
          let p = prev[entry]!;
          let x = next[entry]!;
          next[p] = x;
          prev[x] = p;
          const r = entry + 1;
          p = prev[r]!;
          x = next[r]!;
          next[p] = x;
          prev[x] = p;
          if (finite[i]) {
            remainingFinite--;
            if (remainingFinite === 0) return { ok: true, explored };
          }
          if (sp > best) {
            best = sp;
            bestStack = Array.from(stackE.subarray(0, sp));
            bestState = state;
          }
          entry = next[HEAD]!;
          if ((++iter & (SLICE - 1)) === 0) {
            if (spent()) return { ok: 'unknown', explored };
            yield undefined;
          }
          continue;
        }
        bits[w] &= ~m;
        if (!readOnly[i]) {
          entry = next[entry]!;
          continue;
        }
        // A legal read-only op whose successor is known to fail: this configuration fails too.
        forcedFail = true;
      } else {
        entry = next[entry]!;
        continue;
      }
    }
    // A return entry: the second pass, or backtrack (also after a forced failure).
    if (pass === 1 && !forcedFail) {
      pass = 2;
      entry = next[HEAD]!;
      continue;
    }
    for (;;) {
      if (sp === 0) {
        return { ok: false, explored, failure: makeFailure(model, ops, bestStack, bestState) };
      }
      sp--;
      const e = stackE[sp]!;
      const i = e >> 1;
      state = stackS[sp]!;
      zh ^= Z[i]!;
      bits[i >>> 5] &= ~(1 << (i & 31));
      // unlift: the return first, then the call
      const r = e + 1;
      next[prev[r]!] = r;
      prev[next[r]!] = r;
      next[prev[e]!] = e;
      prev[next[e]!] = e;
      if (finite[i]) remainingFinite++;
      if (!readOnly[i]) {
        entry = next[e]!;
        pass = stackPass[sp]!;
        break;
      }
    }
    if ((++iter & (SLICE - 1)) === 0) {
      if (spent()) return { ok: 'unknown', explored };
      yield undefined;
    }
  }
}

/** True when one of list[0..pos) is not linearized yet. */
function pendingBefore(list: readonly number[], pos: number, bits: Uint32Array): boolean {
  for (let k = 0; k < pos; k++) {
    const j = list[k]!;
    if ((bits[j >>> 5]! & (1 << (j & 31))) === 0) return true;
  }
  return false;
}

function partitionLabel(ops: readonly Operation[]): string | undefined {
  const a = ops[0]?.args as { key?: unknown; path?: unknown } | null | undefined;
  if (a && typeof a === 'object' && !Array.isArray(a)) {
    if (a.key !== undefined) return `key ${JSON.stringify(a.key)}`;
    if (typeof a.path === 'string') return `path ${a.path}`;
  }
  return undefined;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function makeFailure<S, P>(model: Model<S, P>, ops: readonly Operation[], stack: number[], finalState: S): PartitionFailure {
  const placed = new Set<number>();
  const prefix: PlacedOp[] = [];
  let s = model.init(ops);
  for (const e of stack) {
    const i = e >> 1;
    placed.add(i);
    const ns = model.step(s, model.prepare(ops[i]!));
    s = ns === ILLEGAL ? s : ns;
    prefix.push({ op: ops[i]!, state: model.describeState(s) });
  }
  let stuck = -1;
  for (let i = 0; i < ops.length; i++) {
    if (placed.has(i)) continue;
    if (stuck < 0 || ops[i]!.ret < ops[stuck]!.ret) stuck = i;
  }
  const stuckOp = ops[stuck]!;
  const candidates = ops.filter((o, i) => !placed.has(i) && i !== stuck && !precedes(stuckOp, o));
  return { partition: 0, size: ops.length, prefix, stuck: stuckOp, candidates, state: model.describeState(finalState) };
}

/** A printable counterexample. */
export function formatResult(r: LinearizabilityResult, maxPrefix = 20): string {
  const lines: string[] = [];
  if (r.verdict === 'linearizable') {
    lines.push(`linearizable: ${r.operations} operations in ${r.partitions} partition(s) (model ${r.model})`);
    return lines.join('\n');
  }
  if (r.verdict === 'unknown') {
    lines.push(`unknown: ${r.unknownReason ?? 'the search ran out of time'} (${r.operations} operations, model ${r.model})`);
    return lines.join('\n');
  }
  lines.push(`NOT linearizable (model ${r.model}, ${r.operations} operations in ${r.partitions} partition(s))`);
  for (const f of r.failures) {
    lines.push(`partition ${f.partition}${f.label ? ` (${f.label})` : ''}, ${f.size} operations: longest linearizable prefix has ${f.prefix.length} operation(s)`);
    const shown = f.prefix.slice(Math.max(0, f.prefix.length - maxPrefix));
    if (shown.length < f.prefix.length) lines.push(`  ... ${f.prefix.length - shown.length} earlier operation(s)`);
    for (const p of shown) lines.push(`  ${describeOperation(p.op)}   => state ${p.state}`);
    lines.push(`  state after the prefix: ${f.state}`);
    lines.push(`cannot be placed: ${describeOperation(f.stuck)}`);
    if (f.candidates.length) {
      lines.push(`  nor any order of the ${f.candidates.length} concurrent operation(s) before it:`);
      for (const c of f.candidates.slice(0, maxPrefix)) lines.push(`    ${describeOperation(c)}`);
      if (f.candidates.length > maxPrefix) lines.push(`    ... ${f.candidates.length - maxPrefix} more`);
    }
  }
  // --all-partitions: the partitions still searched when the search stopped have no verdict
  if (r.unknownReason !== undefined) lines.push(`the other partitions' search stopped before a verdict: ${r.unknownReason}`);
  return lines.join('\n');
}
