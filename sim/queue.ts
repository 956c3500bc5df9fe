/**
 * The world's single event queue, ordered by (time, insertion sequence), so events at the same virtual time run in
 * the order they were scheduled. Cancellation is lazy (a flag checked on pop).
 *
 * Two parts: a ring of per-millisecond buckets for the near future and a binary min-heap for everything else. Nearly
 * every event is a message, an fsync or a short timer due a few ms after the current time: it goes into its
 * millisecond's bucket, a FIFO list, in O(1), and leaves it in O(1), where a heap sifts through several levels both
 * ways with a hard-to-predict branch at each. Events too far ahead, behind the ring's start, or at a time that is not
 * an int32 (the clock is a plain number) go to the heap. The earliest event is the smaller, by (time, seq), of the
 * first bucket's head and the heap's top, so ties between the two parts break by seq like everything else.
 */
export interface QueuedEvent {
  time: number;
  cancelled: boolean;
}

const INITIAL_CAPACITY = 64;

/**
 * The ring's span in ms: one bucket per ms, one bit per bucket in an int32 (bucket b is bit 31 - b, so that
 * Math.clz32 finds the first non-empty one). Messages take 1-20 ms in the default network; rarer longer delays use
 * the heap.
 */
const RING = 32;
const RING_MASK = RING - 1;

/**
 * Events sit in slots (their time copied, and their seq kept only, in typed arrays) from push to pop: the heap and
 * the buckets' lists move only slot numbers. A heap of the event objects themselves paid a write barrier for nearly every move
 * (the array is old, the events young), about 4% of a run.
 */
export class EventQueue<E extends QueuedEvent> {
  /** Heap part: slot numbers in heap order; the first `n` are live. */
  private heap = new Int32Array(INITIAL_CAPACITY);
  private n = 0;
  /** By slot: the event (null when the slot is free), its time and its seq. */
  private evs: Array<E | null> = [];
  /** Inserts since `evs` was last replaced by a fresh copy (see place). */
  private sinceCopy = 0;
  private times = new Float64Array(INITIAL_CAPACITY);
  private seqs = new Float64Array(INITIAL_CAPACITY);
  /** By slot: the next slot in the same bucket (valid unless the slot is its bucket's tail). */
  private next = new Int32Array(INITIAL_CAPACITY);
  /** Free slots below `used` (a stack); slots at or above `used` were never taken. */
  private free = new Int32Array(INITIAL_CAPACITY);
  private nFree = 0;
  private used = 0;
  private nextSeq = 0;
  private firstSeq = 0;
  /** Ring part: every event in it has an int32 time in [base, base + RING), in bucket time & RING_MASK. */
  private base = 0;
  /** Bit 31 - b set: bucket b is not empty. */
  private bits = 0;
  /** By bucket: its first and last slot (valid while its bit is set). */
  private readonly head = new Int32Array(RING);
  private readonly tail = new Int32Array(RING);
  private inRing = 0;
  /** Where the event peek() returned sits: its bucket, or -1 for the heap's top. */
  private topBucket = -1;

  constructor() {
    for (let i = 0; i < INITIAL_CAPACITY; i++) this.evs.push(null);
  }

  get size(): number {
    return this.n + this.inRing;
  }

  /** Inserts `ev` (its seq is assigned here and kept only in `seqs`: events carry no seq field, 8 bytes each). */
  push(ev: E): E {
    this.insert(ev, this.nextSeq++, false);
    return ev;
  }

  /**
   * Inserts `evs`, in order, ahead of every event already queued at the same time (seqs below all others): for
   * events that were due earlier and were held back (a paused process's deferred deliveries).
   */
  pushAhead(evs: readonly E[]): void {
    const s = this.firstSeq - evs.length;
    this.firstSeq = s;
    // Last to first, each first in its bucket: the batch ends up in order, ahead of what its buckets held.
    for (let i = evs.length - 1; i >= 0; i--) this.insert(evs[i]!, s + i, true);
  }

  /**
   * Queues `ev` with `seq`: into its millisecond's bucket when its time is in the ring's window, last (every seq in
   * the ring is below a new one) or, for pushAhead, first; else into the heap.
   */
  private insert(ev: E, seq: number, first: boolean): void {
    const slot = this.place(ev, seq);
    const t = ev.time;
    const d = t - this.base;
    if ((t | 0) !== t || d < 0 || d >= RING) return this.heapInsert(slot, t, seq);
    const b = t & RING_MASK;
    const bit = 0x80000000 >>> b;
    if ((this.bits & bit) === 0) {
      this.bits |= bit;
      this.head[b] = slot;
      this.tail[b] = slot;
    } else if (first) {
      this.next[slot] = this.head[b]!;
      this.head[b] = slot;
    } else {
      this.next[this.tail[b]!] = slot;
      this.tail[b] = slot;
    }
    this.inRing++;
  }

  /** Takes a slot for `ev` and records its time and seq there. */
  private place(ev: E, seq: number): number {
    let slot: number;
    if (this.nFree > 0) slot = this.free[--this.nFree]!;
    else {
      if (this.used === this.heap.length) this.grow();
      slot = this.used++;
    }
    // Storing a young event into an old array costs a write barrier's slow path (recording the slot for the next
    // scavenge). A fresh copy of the slot array every 256 inserts keeps it young nearly all the time (scavenges come
    // every few thousand events), so the barrier's fast check lets the store through.
    if (++this.sinceCopy === 256) {
      this.sinceCopy = 0;
      this.evs = this.evs.slice();
    }
    this.evs[slot] = ev;
    this.times[slot] = ev.time;
    this.seqs[slot] = seq;
    return slot;
  }

  private heapInsert(slot: number, t: number, seq: number): void {
    const times = this.times;
    const seqs = this.seqs;
    const h = this.heap;
    let i = this.n++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      const ps = h[p]!;
      const pt = times[ps]!;
      if (pt < t || (pt === t && seqs[ps]! < seq)) break;
      h[i] = ps;
      i = p;
    }
    h[i] = slot;
  }

  /** Doubles every per-slot array (slots in use keep their numbers). */
  private grow(): void {
    const cap = this.heap.length * 2;
    const heap = new Int32Array(cap);
    heap.set(this.heap);
    this.heap = heap;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const seqs = new Float64Array(cap);
    seqs.set(this.seqs);
    this.seqs = seqs;
    const next = new Int32Array(cap);
    next.set(this.next);
    this.next = next;
    const free = new Int32Array(cap);
    free.set(this.free);
    this.free = free;
    for (let i = this.evs.length; i < cap; i++) this.evs.push(null);
  }

  /** The earliest live event, without removing it (drops cancelled events found on top). */
  peek(): E | undefined {
    for (;;) {
      let slot: number;
      let b = -1;
      const bits = this.bits;
      if (bits !== 0) {
        // The first non-empty bucket from base's on, else (the ring wraps) the first one.
        const after = bits & (0xffffffff >>> (this.base & RING_MASK));
        b = Math.clz32(after !== 0 ? after : bits);
        slot = this.head[b]!;
        if (this.n > 0) {
          const hs = this.heap[0]!;
          const ht = this.times[hs]!;
          const t = this.times[slot]!;
          if (ht < t || (ht === t && this.seqs[hs]! < this.seqs[slot]!)) {
            b = -1;
            slot = hs;
          }
        }
      } else if (this.n > 0) slot = this.heap[0]!;
      else return undefined;
      this.topBucket = b;
      const top = this.evs[slot]!;
      if (top.cancelled !== true) return top; // a boolean: a plain truth test checks every kind of falsy value
      this.popTop();
    }
  }

  /** Removes and returns the earliest live event. */
  pop(): E | undefined {
    const top = this.peek();
    if (top) this.popTop();
    return top;
  }

  /** Removes the earliest event, which peek() just returned (not cancelled): pop() without a second peek. */
  popTop(): void {
    const b = this.topBucket;
    let slot: number;
    if (b >= 0) {
      slot = this.head[b]!;
      if (slot === this.tail[b]) this.bits &= ~(0x80000000 >>> b);
      else this.head[b] = this.next[slot]!;
      this.inRing--;
    } else slot = this.heapPopTop();
    this.evs[slot] = null;
    this.free[this.nFree++] = slot;
    // Nothing queued is earlier than this event (pushes into the past go to the heap): the ring's window can start
    // here, and every event in the ring, below base + RING before, is still within it.
    const t = this.times[slot]!;
    if (t > this.base && (t | 0) === t) this.base = t;
  }

  /** Removes the heap's top and returns its slot. */
  private heapPopTop(): number {
    const h = this.heap;
    const top = h[0]!;
    const n = --this.n;
    if (n === 0) return top;
    const last = h[n]!;
    const times = this.times;
    const seqs = this.seqs;
    const lt = times[last]!;
    const ls = seqs[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      let c = l;
      let child = h[l]!;
      let ct = times[child]!;
      if (r < n) {
        const rc = h[r]!;
        const rt = times[rc]!;
        if (rt < ct || (rt === ct && seqs[rc]! < seqs[child]!)) {
          c = r;
          child = rc;
          ct = rt;
        }
      }
      if (lt < ct || (lt === ct && ls < seqs[child]!)) break;
      h[i] = child;
      i = c;
    }
    h[i] = last;
    return top;
  }
}
